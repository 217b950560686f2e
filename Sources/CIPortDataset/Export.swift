import Foundation

/// `dataset export`: the other common layouts of the same records.
public enum DatasetExporter {
    public enum Format: String, Sendable, CaseIterable {
        /// As built: `{"messages": [...], "meta": {...}}`.
        case messages
        /// Alpaca / LLaMA-Factory: `{"instruction", "input", "output", "system"}`; the instruction
        /// sentence apart from the fenced source file.
        case alpaca
        /// `{"prompt", "completion"}` with the system prompt and user turn in the prompt.
        case promptCompletion = "prompt-completion"
    }

    /// One record in `format`, as a JSON line.
    public static func line(_ r: DatasetRecord, format: Format) -> String {
        let system = r.messages.first { $0.role == "system" }?.content
        let user = r.messages.first { $0.role == "user" }?.content ?? ""
        let answer = r.messages.last { $0.role == "assistant" }?.content ?? ""
        switch format {
        case .messages:
            return r.jsonLine()
        case .alpaca:
            var instruction = user, input = ""
            if let fence = user.range(of: "\n\n```") {
                instruction = String(user[..<fence.lowerBound])
                input = String(user[user.index(fence.lowerBound, offsetBy: 2)...])
            }
            var obj = ["instruction": instruction, "input": input, "output": answer, "id": r.meta.id]
            if let system { obj["system"] = system }
            return encode(obj)
        case .promptCompletion:
            let prompt = (system.map { $0 + "\n\n" } ?? "") + user + "\n\n"
            return encode(["prompt": prompt, "completion": answer, "id": r.meta.id])
        }
    }

    static func encode(_ obj: [String: String]) -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try! enc.encode(obj), as: UTF8.self)
    }

    /// Streams `input` to `output` in `format`; unreadable lines are errors (nothing is written).
    public static func export(_ input: String, to output: String, format: Format) throws -> (written: Int, errors: [RecordError]) {
        let out = try AtomicOutput(path: output)
        var n = 0
        var errors: [RecordError] = []
        for line in try JSONLReader(path: input) where !line.bytes.isEmpty || line.oversized != nil {
            do {
                let r = try RecordCheck.decode(line.bytes)
                try out.writeLine(Self.line(r, format: format))
                n += 1
            } catch let e as RecordCheck.Problem {
                errors.append(RecordError(file: input, line: line.number, e.message))
            }
        }
        if errors.isEmpty { try out.commit() }
        return (n, errors)
    }
}
