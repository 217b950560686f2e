import CIPortCore
import Foundation

/// `dataset synth`: CI files converted by the rule engine, kept only when nothing is lost or left
/// for review and the output reads back and validates. Everything dropped is counted by reason.
public enum DatasetSynthesizer {
    public struct Report: Sendable {
        public var records: [DatasetRecord] = []
        /// Reason → files dropped for it.
        public var dropped: [String: [String]] = [:]
        public var kept: Int { records.count }
        public var droppedCount: Int { dropped.values.reduce(0) { $0 + $1.count } }
    }

    /// Reasons, in the order the report lists them.
    public static let reasons = ["not UTF-8", "too large", "not a CI file", "parse error", "lost constructs",
                                 "needs-review constructs", "output fails validation", "facts differ", "internal error", "duplicate"]

    /// Every `*.yml`/`*.yaml` below `dir`, sorted.
    public static func files(in dir: String) throws -> [String] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw DatasetError(.missingInput, "\(dir): error: no such directory")
        }
        var out: [String] = []
        let e = FileManager.default.enumerator(atPath: dir)
        while let rel = e?.nextObject() as? String {
            if rel.hasSuffix(".yml") || rel.hasSuffix(".yaml") { out.append(rel) }
        }
        return out.sorted()
    }

    /// `minF1`: least fact F1 of the output against the source, as `validate` demands of platform pairs.
    public static func synthesize(from dir: String, license: String, minF1: Double = 0.3) throws -> Report {
        var report = Report()
        var seen = Set<String>()
        for rel in try files(in: dir) {
            let path = (dir as NSString).appendingPathComponent(rel)
            func drop(_ reason: String) { report.dropped[reason, default: []].append(rel) }
            guard let data = FileManager.default.contents(atPath: path) else { drop("parse error"); continue }
            if data.count > YAMLLimits.default.maxBytes { drop("too large"); continue }
            guard let text = try? YAMLLoader.decode(data, file: rel) else { drop("not UTF-8"); continue }
            let c: Conversion
            // A second copy of a file is a duplicate, whatever its name.
            if !seen.insert(SHA256.hex(ContentHash.normalize(text))).inserted { drop("duplicate"); continue }
            do { c = try Translator.convert(text, file: (rel as NSString).lastPathComponent) } catch {
                drop(classify(error))
                continue
            }
            let s = c.ledger.summary
            if s.count(.lost) > 0 { drop("lost constructs"); continue }
            if s.count(.needsReview) > 0 { drop("needs-review constructs"); continue }
            // Read the output back as its own platform: a pair a reader cannot load is no pair.
            var ledger = Ledger()
            guard let back = try? Translator.read(c.output, file: "output", from: c.target, ledger: &ledger) else {
                drop("output fails validation"); continue
            }
            if Facts.score(Facts.extract(back), against: Facts.extract(c.pipeline)).f1 < minF1 { drop("facts differ"); continue }
            let stack = StackGuess.guess(text)
            let record = DatasetRecord.make(
                id: "synth-" + slug(rel), task: "platform",
                source: .init(platform: DatasetPlatform(c.source), stack: stack),
                target: .init(platform: DatasetPlatform(c.target), stack: stack),
                sourceFile: text, targetFile: c.output, provenance: "synthesized", license: license,
                origin: .init(source: .init(path: rel)))
            report.records.append(record)
        }
        return report
    }

    static func classify(_ error: Error) -> String {
        let m = (error as? InputError)?.message ?? "\(error)"
        if m.contains("fails validation") { return "output fails validation" }
        if m.hasPrefix("internal error") { return "internal error" }
        if m.hasPrefix("empty file") || m.hasPrefix("top level is") || m.hasPrefix("not a GitHub workflow") { return "not a CI file" }
        return "parse error"
    }

    static func slug(_ path: String) -> String {
        var s = path
        for suffix in [".gitlab-ci.yml", ".yml", ".yaml"] where s.hasSuffix(suffix) {
            s.removeLast(suffix.count)
            break
        }
        let mapped = s.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }
        return String(mapped).split(separator: "-").joined(separator: "-")
    }
}

/// Names a CI file's language stack from the tools it mentions; nil when nothing is telling.
/// First match wins, so more specific tools come before the languages they build on.
public enum StackGuess {
    static let rules: [(stack: String, needles: [String])] = [
        ("terraform", ["terraform", "hashicorp/setup-terraform"]),
        ("java-gradle", ["gradle"]),
        ("java-maven", ["mvn ", "maven"]),
        ("dotnet", ["dotnet", "setup-dotnet"]),
        ("rust", ["cargo ", "rust:", "rustup", "dtolnay/rust-toolchain"]),
        ("go", ["go build", "go test", "golang", "setup-go"]),
        ("python", ["pip ", "python", "pytest", "poetry", "setup-python"]),
        ("node", ["npm ", "yarn", "pnpm", "node:", "setup-node"]),
        ("ruby", ["bundle ", "ruby", "rake"]),
        ("php", ["composer", "php"]),
        ("swift", ["swift build", "swift test", "xcodebuild"]),
        ("elixir", ["mix ", "elixir"]),
        ("c-cpp", ["cmake", "make ", "gcc", "clang"]),
        ("docker", ["docker build", "docker/build-push-action", "kaniko", "buildah"]),
    ]

    public static func guess(_ text: String) -> String? {
        let t = text.lowercased()
        return rules.first { $0.needles.contains { t.contains($0) } }?.stack
    }
}
