// A frozen copy of the validator as it was before the performance work on `perf-valid`
// (Sources/CIPortCore/Validate at 1a0cfd9), kept only as the oracle of ValidatorDifferentialTests:
// every diagnostic the current validator gives must equal this one's. Do not optimise or fix it.
import Foundation
@testable import CIPortCore

/// Structural checks of GitHub workflows and GitLab CI files: unknown keys, wrong types,
/// undefined stages, needs on unknown jobs, cycles.
///
/// The validator runs on every translation before it is written, so it must never report an error
/// on a file the platform itself accepts: where a rule depends on something this file cannot show
/// (a GitLab `include:`, a parent defined elsewhere) it says so as a warning instead.
public enum LegacyValidator {
    /// Diagnostics for a parsed file, sorted by position. An empty result means the file is sound.
    static func validate(_ root: YNode, platform: Platform) -> [Diagnostic] {
        guard let map = root.mapping else {
            return [Diagnostic(root.pos, .error, "top level is \(root.kindName); a \(platform) file is a mapping")]
        }
        switch platform {
        case .gitlab: return LegacyGitLabChecks.run(map).sorted()
        case .github: return LegacyGitHubChecks.run(map).sorted()
        }
    }

    /// Parses `text` (named `file` in messages), detects the platform unless given, and validates it.
    /// Throws only when the text is not a CI file at all (bad YAML, empty, neither platform).
    static func validate(text: String, file: String, platform: Platform? = nil,
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
struct LegacyDiagnosticSink {
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
        // Stable: diagnostics at the same position keep the order they were found in.
        items.enumerated().sorted { a, b in
            a.element.pos == b.element.pos ? a.offset < b.offset : a.element.pos < b.element.pos
        }.map(\.element)
    }
}
