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
///
/// The validator runs on every translation before it is written, so it must never report an error
/// on a file the platform itself accepts: where a rule depends on something this file cannot show
/// (a GitLab `include:`, a parent defined elsewhere) it says so as a warning instead.
public enum Validator {
    /// Diagnostics for a parsed file, sorted by position. An empty result means the file is sound.
    public static func validate(_ root: YNode, platform: Platform) -> [Diagnostic] {
        guard let map = root.mapping else {
            return [Diagnostic(root.pos, .error, "top level is \(root.kindName); a \(platform) file is a mapping")]
        }
        switch platform {
        case .gitlab: return GitLabChecks.run(map).sorted()
        case .github: return GitHubChecks.run(map).sorted()
        }
    }

    /// Parses `text` (named `file` in messages), detects the platform unless given, and validates it.
    /// Throws only when the text is not a CI file at all (bad YAML, empty, neither platform).
    public static func validate(text: String, file: String, platform: Platform? = nil,
                                limits: YAMLLimits = .default) throws(InputError) -> [Diagnostic] {
        guard let root = try YAMLLoader.load(text, file: file, limits: limits) else {
            throw InputError(SourcePos(file: file, line: 1, column: 1), "empty file: not a GitHub workflow or GitLab CI file")
        }
        guard let map = root.mapping else {
            throw InputError(root.pos, "top level is \(root.kindName); a GitHub workflow or GitLab CI file is a mapping")
        }
        guard let platform = platform ?? Translator.detect(map) else {
            throw InputError(root.pos, "not a GitHub workflow (no 'on:' and 'jobs:') nor a GitLab CI file (no jobs with 'script:')")
        }
        return validate(root, platform: platform)
    }
}

/// Collects diagnostics once each: a key inherited through `extends` or an anchor is checked once
/// per job that uses it, but a person wants to read about it once.
struct DiagnosticSink {
    private(set) var items: [Diagnostic] = []
    private var seen: Set<Key> = []

    private struct Key: Hashable {
        var pos: SourcePos
        var severity: Diagnostic.Severity
        var message: String
    }

    mutating func add(_ pos: SourcePos, _ severity: Diagnostic.Severity, _ message: String) {
        if seen.insert(Key(pos: pos, severity: severity, message: message)).inserted {
            items.append(Diagnostic(pos, severity, message))
        }
    }

    mutating func error(_ pos: SourcePos, _ message: String) { add(pos, .error, message) }
    mutating func warning(_ pos: SourcePos, _ message: String) { add(pos, .warning, message) }

    func sorted() -> [Diagnostic] {
        // Most files have no diagnostics, or already in order: nothing to sort.
        if items.count < 2 { return items }
        var inOrder = true
        for i in 1..<items.count where items[i].pos < items[i - 1].pos { inOrder = false; break }
        if inOrder { return items }
        // Stable: diagnostics at the same position keep the order they were found in.
        return items.enumerated().sorted { a, b in
            a.element.pos == b.element.pos ? a.offset < b.offset : a.element.pos < b.element.pos
        }.map(\.element)
    }
}
