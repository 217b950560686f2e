import Foundation

/// Everything the registry can refuse or fail at. Messages never carry a token or any request
/// header: remote failures name the endpoint path and the server's error code only.
public struct RegistryError: Error, LocalizedError, CustomStringConvertible, Sendable, Equatable {
    enum Kind: Sendable, Equatable { case notFound, invalid, conflict, io, remote, unreachable }
    let kind: Kind
    public let message: String

    static func notFound(_ m: String) -> RegistryError { .init(kind: .notFound, message: m) }
    static func invalid(_ m: String) -> RegistryError { .init(kind: .invalid, message: m) }
    static func conflict(_ m: String) -> RegistryError { .init(kind: .conflict, message: m) }
    static func io(_ m: String) -> RegistryError { .init(kind: .io, message: m) }
    static func remote(_ m: String) -> RegistryError { .init(kind: .remote, message: m) }
    static func unreachable(_ m: String) -> RegistryError { .init(kind: .unreachable, message: m) }

    /// True when the thing named does not exist (unknown run, model, version or alias).
    public var isNotFound: Bool { kind == .notFound }
    /// True when the remote server could not be reached or kept failing.
    public var isUnreachable: Bool { kind == .unreachable }

    public var description: String { "error: \(message)" }
    public var errorDescription: String? { description }
}
