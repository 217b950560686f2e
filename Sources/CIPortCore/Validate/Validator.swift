/// A problem found in a CI file.
public struct Diagnostic: Sendable, Equatable, CustomStringConvertible {
    public enum Severity: String, Sendable { case error, warning }
    public var pos: SourcePos
    public var severity: Severity
    public var message: String

    public init(_ pos: SourcePos, _ severity: Severity, _ message: String) {
        self.pos = pos
        self.severity = severity
        self.message = message
    }

    public var description: String { "\(pos): \(severity.rawValue): \(message)" }
}

/// Structural checks of GitHub workflows and GitLab CI files: unknown keys, wrong types,
/// undefined stages, needs on unknown jobs, cycles.
public enum Validator {
    public static func validate(_ root: YNode, platform: Platform) -> [Diagnostic] {
        []
    }
}
