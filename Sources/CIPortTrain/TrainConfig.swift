import CIPortCore
import Foundation

/// A training config (`ciport train CONFIG.yml`): YAML in the spirit of axolotl / LLaMA-Factory,
/// checked key by key with positions, then resolved into the JSON run config the worker reads.
public struct TrainConfig: Sendable {
    /// The resolved values, in the worker's vocabulary (`trainer/ciport_trainer/config.py`).
    public var values: [String: JSONValue]
    public var file: String

    /// Every key a config may hold: its type and what it means (the README's table is this table).
    public static let schema: [(key: String, type: KeyType, help: String)] = [
        ("base_model", .string, "hub id (bigcode/starcoderbase-1b), local path, or tiny / tiny:llama / tiny:gpt_bigcode / tiny:qwen2"),
        ("dataset", .mapping, "train: JSONL path (required), eval: JSONL path (optional); chat `messages` records"),
        ("dataset.train", .string, "training records"),
        ("dataset.eval", .string, "evaluation records"),
        ("adapter", .choice(["lora", "qlora", "full"]), "LoRA, 4-bit QLoRA (needs a CUDA GPU and bitsandbytes), or full fine-tuning"),
        ("lora", .mapping, "LoRA settings"),
        ("lora.r", .int, "rank"),
        ("lora.alpha", .int, "scaling numerator (alpha / r)"),
        ("lora.dropout", .number, "dropout on the LoRA path"),
        ("lora.target_modules", .stringOrList, "`auto` (right names per family: q_proj… or c_attn…), `all-linear`, or a list"),
        ("max_seq_length", .int, "longest tokenized record; longer ones are truncated"),
        ("packing", .bool, "pack several short records into one sequence"),
        ("assistant_only_loss", .bool, "learn from the answer only, not the prompt"),
        ("epochs", .number, "passes over the training set (ignored when max_steps is set)"),
        ("max_steps", .int, "stop after this many optimizer steps"),
        ("learning_rate", .number, "peak learning rate"),
        ("lr_scheduler", .choice(["linear", "cosine", "cosine_with_restarts", "polynomial", "constant", "constant_with_warmup", "inverse_sqrt"]), "learning-rate schedule"),
        ("warmup_ratio", .number, "fraction of steps spent warming up"),
        ("warmup_steps", .int, "warm-up steps (overrides warmup_ratio)"),
        ("batch_size", .int, "records per device per step"),
        ("eval_batch_size", .int, "records per device per eval step"),
        ("gradient_accumulation_steps", .int, "steps accumulated before an optimizer update"),
        ("gradient_checkpointing", .bool, "recompute activations to save memory"),
        ("precision", .choice(["auto", "fp32", "bf16", "fp16"]), "auto: bf16 where the GPU has it, else fp16 on GPU, fp32 on CPU"),
        ("seed", .int, "random seed (data order, init, dropout)"),
        ("logging_steps", .int, "emit a step event every N steps"),
        ("eval_steps", .int, "evaluate every N steps (needs dataset.eval)"),
        ("save_steps", .int, "checkpoint every N steps (resumable)"),
        ("save_total_limit", .int, "keep at most N checkpoints"),
        ("early_stopping_patience", .int, "stop after N evaluations without improvement"),
    ]

    public enum KeyType: Sendable, Equatable {
        case string, int, number, bool, mapping, stringOrList
        case choice([String])

        var name: String {
            switch self {
            case .string: "a string"
            case .int: "an integer"
            case .number: "a number"
            case .bool: "true or false"
            case .mapping: "a mapping"
            case .stringOrList: "a string or a list of strings"
            case .choice(let xs): "one of " + xs.joined(separator: ", ")
            }
        }
    }

    /// Parses and checks a config file's text. Relative dataset paths resolve against `baseDir`.
    public init(text: String, file: String, baseDir: String) throws(InputError) {
        self.file = file
        guard let root = try YAMLLoader.load(text, file: file) else {
            throw InputError(SourcePos(file: file, line: 1, column: 1), "empty config; base_model and dataset.train are required")
        }
        guard let map = root.mapping else {
            throw InputError(root.pos, "a train config is a mapping of keys, found \(root.kindName)")
        }
        let types = Dictionary(uniqueKeysWithValues: Self.schema.map { ($0.key, $0.type) })
        var values: [String: JSONValue] = [:]
        func check(_ m: YMapping, prefix: String) throws(InputError) -> [String: JSONValue] {
            var out: [String: JSONValue] = [:]
            for pair in m.pairs {
                let key = prefix.isEmpty ? pair.key.value : prefix + "." + pair.key.value
                guard let type = types[key] else {
                    let siblings = Self.schema.map(\.key).filter { k in
                        prefix.isEmpty ? !k.contains(".") : k.hasPrefix(prefix + ".")
                    }
                    var msg = "unknown key '\(key)'"
                    if let s = Suggest.closest(key, in: siblings) { msg += " (did you mean '\(s)'?)" }
                    throw InputError(pair.key.pos, msg)
                }
                out[pair.key.value] = try Self.value(pair.value, key: key, type: type, check: check)
            }
            return out
        }
        values = try check(map, prefix: "")
        guard case .string(let base)? = values["base_model"], !base.isEmpty else {
            throw InputError(map.pos, "missing key 'base_model' (a hub id, a local path, or tiny)")
        }
        _ = base
        guard case .object(var ds)? = values["dataset"], case .string(let train)? = ds["train"] else {
            throw InputError(map["dataset"]?.pos ?? map.pos, "missing key 'dataset.train' (a JSONL file of chat records)")
        }
        for k in ["train", "eval"] {
            guard case .string(let path)? = ds[k] else { continue }
            let abs = path.hasPrefix("/") ? path : (baseDir as NSString).appendingPathComponent(path)
            let pos = map["dataset"]?.mapping?[k]?.pos ?? map.pos
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: abs, isDirectory: &isDir), !isDir.boolValue else {
                throw InputError(pos, "dataset.\(k): no such file '\(path)'")
            }
            let size = (try? FileManager.default.attributesOfItem(atPath: abs)[.size] as? NSNumber)??.intValue ?? 0
            if size == 0 { throw InputError(pos, "dataset.\(k): '\(path)' is empty") }
            ds[k] = .string(URL(fileURLWithPath: abs).standardizedFileURL.path)
        }
        _ = train
        values["dataset"] = .object(ds)
        if case .string(let a)? = values["adapter"], a == "qlora", values["precision"] == .string("fp32") {
            throw InputError(map["precision"]?.pos ?? map.pos, "precision: fp32 cannot be used with adapter: qlora (4-bit weights compute in bf16/fp16)")
        }
        if values["eval_steps"] != nil, ds["eval"] == nil {
            throw InputError(map["eval_steps"]?.pos ?? map.pos, "eval_steps needs dataset.eval")
        }
        self.values = values
    }

    private static func value(_ node: YNode, key: String, type: KeyType,
                              check: (YMapping, String) throws(InputError) -> [String: JSONValue]) throws(InputError) -> JSONValue {
        func wrong() -> InputError { InputError(node.pos, "\(key): expected \(type.name), found \(describe(node))") }
        switch type {
        case .mapping:
            guard let m = node.mapping else { throw wrong() }
            return .object(try check(m, key))
        case .string:
            guard let s = node.scalar, !s.isNull else { throw wrong() }
            return .string(s.value)
        case .choice(let options):
            guard let s = node.scalar, options.contains(s.value) else { throw wrong() }
            return .string(s.value)
        case .int:
            guard let s = node.scalar, s.style == .plain, let i = Int(s.value.replacingOccurrences(of: "_", with: "")) else { throw wrong() }
            if i < 0 { throw InputError(node.pos, "\(key): must not be negative") }
            return .int(i)
        case .number:
            guard let s = node.scalar, s.style == .plain, let d = Double(s.value), d.isFinite else { throw wrong() }
            if d < 0 { throw InputError(node.pos, "\(key): must not be negative") }
            return .number(d)
        case .bool:
            guard let s = node.scalar, let b = s.bool else { throw wrong() }
            return .bool(b)
        case .stringOrList:
            if let s = node.scalar, !s.isNull { return .string(s.value) }
            guard let xs = node.strings else { throw wrong() }
            return .array(xs.map { .string($0) })
        }
    }

    private static func describe(_ node: YNode) -> String {
        switch node {
        case .scalar(let s): s.isNull ? "nothing" : "'\(s.value)'"
        case .mapping: "a mapping"
        case .sequence: "a list"
        }
    }

    /// The worker's run config: these values plus the run directory (and `resume_from`).
    public func runConfig(outputDir: String, resume: Bool) -> JSONValue {
        var v = values
        v["output_dir"] = .string(outputDir)
        if resume { v["resume_from"] = .string("latest") }
        return .object(v)
    }
}

/// "Did you mean" by edit distance.
enum Suggest {
    static func closest(_ word: String, in candidates: [String]) -> String? {
        let best = candidates.map { ($0, distance(word, $0)) }.min { $0.1 < $1.1 }
        guard let best, best.1 <= max(2, word.count / 3) else { return nil }
        return best.0
    }

    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        var prev = Array(0...b.count)
        for i in 1...a.count {
            var cur = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(b.count, 1) where j <= b.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            prev = cur
        }
        return prev[b.count]
    }
}
