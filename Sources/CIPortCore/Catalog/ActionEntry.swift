/// One catalog entry: an action (by `owner/name`, any version) and its GitLab counterpart.
public struct ActionEntry: Sendable, Codable, Equatable {
    /// `owner/name` or `owner/name/path`, matched without the `@ref`.
    public var action: String
}
