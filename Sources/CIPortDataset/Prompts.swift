import CIPortCore
import Foundation

/// The words of a record: one fixed system prompt and, per task kind, several instruction
/// phrasings. The phrasing is chosen by the record id's hash, so a rebuild gives the same text
/// and a model does not learn one sentence.
public enum Prompts {
    public static let system = """
    You are ciport, a CI/CD engineer. You translate pipelines between GitHub Actions, GitLab CI and \
    other CI systems, between language stacks and between deploy targets. Answer with the complete \
    translated file in one fenced code block, keeping every job, trigger, cache, artifact and gate.
    """

    /// `{P}`/`{Q}` source/target platform, `{S}`/`{T}` source/target stack, `{C}`/`{D}` source/target cloud.
    public static let phrasings: [String: [String]] = [
        "platform": [
            "Translate this {P} workflow for a {S} project into an equivalent {Q} configuration.",
            "Convert the following {P} pipeline ({S}) to {Q}, keeping every job, trigger, cache and artifact.",
            "Port this {S} project's CI from {P} to {Q}.",
            "Here is a {P} configuration for a {S} codebase. Write the {Q} file that does the same thing.",
            "Migrate the CI below from {P} to {Q}. The project uses {S}.",
            "Rewrite this {P} pipeline as {Q} with the same behaviour ({S} stack).",
            "We are moving our {S} repository from {P} to {Q}. Give me the {Q} version of this file.",
        ],
        "stack": [
            "This {P} pipeline builds a {S} project. Rewrite it for a {T} project with the same stages and checks.",
            "Adapt the following {P} configuration from {S} to {T}.",
            "Our service moved from {S} to {T}. Update this {P} pipeline accordingly.",
            "Translate this {S} pipeline on {P} into the {T} equivalent, keeping triggers, caching and artifacts.",
            "Port the CI below from a {S} toolchain to {T}.",
            "Write the {Q} pipeline a {T} project would need, modelled on this {S} one.",
        ],
        "deploy": [
            "Change the deployment in this {P} pipeline from {C} to {D}.",
            "This {P} pipeline deploys to {C}. Make it deploy to {D} instead, keeping the build and test jobs.",
            "Retarget the deploy jobs of the following {P} configuration from {C} to {D}.",
            "We are moving from {C} to {D}. Update this {P} pipeline for the {S} project.",
            "Rewrite this {P} pipeline so that it ships to {D} rather than {C}.",
            "Port the deploy stage below from {C} to {D}; leave everything else as it is.",
        ],
    ]

    /// The instruction for a record: a phrasing picked by `id`, filled in from the two sides.
    public static func instruction(id: String, task: String, source: DatasetRecord.Side, target: DatasetRecord.Side) -> String {
        let options = phrasings[task] ?? phrasings["platform"]!
        var h = SHA256()
        h.update(id.utf8)
        let d = h.finalize()
        let n = d.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        var text = options[Int(n % UInt64(options.count))]
        let fills = [
            "{P}": source.platform.displayName, "{Q}": target.platform.displayName,
            "{S}": stackName(source.stack) ?? "generic", "{T}": stackName(target.stack ?? source.stack) ?? "generic",
            "{C}": cloudName(source.cloud) ?? "the current target", "{D}": cloudName(target.cloud) ?? "the new target",
        ]
        for (k, v) in fills { text = text.replacingOccurrences(of: k, with: v) }
        if task != "platform" && source.platform != target.platform {
            text += " Write the result for \(target.platform.displayName)."
        }
        if task == "platform", let c = cloudName(source.cloud) { text += " It deploys to \(c)." }
        return text
    }

    /// How people write the stack slugs the pair files use; unknown slugs are shown as they are.
    static let stackNames = [
        "node": "Node.js", "python": "Python", "php": "PHP", "ruby": "Ruby", "go": "Go", "rust": "Rust",
        "java-maven": "Java (Maven)", "java-gradle": "Java (Gradle)", "kotlin": "Kotlin", "dotnet": ".NET",
        "swift": "Swift", "cpp": "C/C++", "c-cpp": "C/C++", "docker": "Docker", "terraform": "Terraform",
        "elixir": "Elixir", "deno": "Deno",
    ]
    static let cloudNames = [
        "aws": "AWS", "gcp": "Google Cloud", "azure": "Azure", "k8s": "Kubernetes", "kubernetes": "Kubernetes",
        "ssh": "a self-hosted server over SSH",
    ]
    static func stackName(_ s: String?) -> String? { s.map { stackNames[$0] ?? $0 } }
    static func cloudName(_ s: String?) -> String? { s.map { cloudNames[$0] ?? $0 } }

    static func fence(_ body: String, platform: DatasetPlatform) -> String {
        var b = body
        while b.hasSuffix("\n") { b.removeLast() }
        return "```\(platform.isYAML ? "yaml" : "groovy")\n\(b)\n```"
    }

    /// The text inside the first fenced block of a message, up to its last closing fence
    /// (a YAML block scalar may itself hold a fence), or nil when there is none.
    public static func unfence(_ content: String) -> String? {
        if let ascii = content.utf8.withContiguousStorageIfAvailable(asciiUnfence), let result = ascii { return result }
        return foundationUnfence(content)
    }

    /// `unfence` over the bytes of ASCII text without a carriage return, where a `Character` is a
    /// byte and Foundation's search a byte search: .some(result), or nil for other text. Foundation's
    /// search took a tenth of the validator's JSON-and-hash work.
    static func asciiUnfence(_ b: UnsafeBufferPointer<UInt8>) -> String?? {
        // Eight bytes at a time: a high bit, or a zero byte in the word xor "\r\r\r\r\r\r\r\r".
        var i = 0
        if let base = b.baseAddress {
            let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
            while b.count - i >= 8 {
                let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self), cr = w ^ (ones &* 0x0D)
                if (w | ((cr &- ones) & ~cr)) & highs != 0 { return nil }
                i += 8
            }
        }
        while i < b.count {
            if b[i] >= 0x80 || b[i] == 0x0D { return nil }
            i += 1
        }
        let tick = UInt8(ascii: "`"), nl = UInt8(ascii: "\n")
        var open = 0
        while open + 3 <= b.count && !(b[open] == tick && b[open + 1] == tick && b[open + 2] == tick) { open += 1 }
        guard open + 3 <= b.count else { return .some(nil) }
        var eol = open + 3
        while eol < b.count && b[eol] != nl { eol += 1 }
        guard eol < b.count else { return .some(nil) }
        let bodyStart = eol + 1
        var close = b.count - 4
        while close >= bodyStart && !(b[close] == nl && b[close + 1] == tick && b[close + 2] == tick && b[close + 3] == tick) { close -= 1 }
        guard close >= bodyStart else {
            let rest = b.count - bodyStart
            return .some(rest >= 3 && b[bodyStart] == tick && b[bodyStart + 1] == tick && b[bodyStart + 2] == tick ? "" : nil)
        }
        return .some(String(decoding: UnsafeBufferPointer(rebasing: b[bodyStart..<close]), as: UTF8.self))
    }

    static func foundationUnfence(_ content: String) -> String? {
        guard let open = content.range(of: "```") else { return nil }
        guard let eol = content[open.upperBound...].firstIndex(of: "\n") else { return nil }
        let bodyStart = content.index(after: eol)
        guard let close = content.range(of: "\n```", options: .backwards, range: bodyStart..<content.endIndex),
              close.lowerBound >= bodyStart else {
            // An empty block: the closing fence follows the opening line directly.
            return content[bodyStart...].hasPrefix("```") ? "" : nil
        }
        return String(content[bodyStart..<close.lowerBound])
    }
}

extension DatasetRecord {
    /// A record in the fixed layout: system, user (instruction and fenced source), assistant (fenced target).
    public static func make(id: String, task: String, source: Side, target: Side, sourceFile: String, targetFile: String,
                            provenance: String, license: String, origin: Origin? = nil) -> DatasetRecord {
        let instruction = Prompts.instruction(id: id, task: task, source: source, target: target)
        return DatasetRecord(
            messages: [
                Message(role: "system", content: Prompts.system),
                Message(role: "user", content: instruction + "\n\n" + Prompts.fence(sourceFile, platform: source.platform)),
                Message(role: "assistant", content: Prompts.fence(targetFile, platform: target.platform)),
            ],
            meta: Meta(id: id, task: task, source: source, target: target, provenance: provenance, license: license,
                       hash: ContentHash.of(source: sourceFile, target: targetFile), origin: origin))
    }

    /// One JSONL line (no newline): keys sorted so a rebuild is byte-identical.
    public func jsonLine() -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain strings and enums cannot fail.
        return String(decoding: try! enc.encode(self), as: UTF8.self)
    }
}
