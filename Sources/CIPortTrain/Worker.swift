import Foundation

/// One event from the worker's stdout (`{"event": "step", "step": 3, "loss": 2.1, …}`).
public struct WorkerEvent: Sendable {
    public var name: String
    public var fields: JSONValue
    public var raw: String

    public subscript(key: String) -> JSONValue? { fields[key] }
}

/// Starts `python -m ciport_trainer …` (or `accelerate launch …`), streams its JSON-lines events,
/// and forwards Ctrl-C so the worker can leave a resumable checkpoint.
public final class Worker: @unchecked Sendable {
    // @unchecked: `process` is set once before the signal source can fire and only read after.
    public let command: [String]
    public let environment: [String: String]
    private var process: Process?

    public init(command: [String], environment: [String: String] = [:]) {
        self.command = command
        self.environment = environment
    }

    /// Runs the worker to the end, calling `onEvent` for each event line and `onOther` for any
    /// non-JSON line (which the protocol forbids, so the caller reports it). Returns the exit status.
    public func run(onEvent: (WorkerEvent) -> Void, onOther: (String) -> Void = { _ in }) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: command[0])
        p.arguments = Array(command.dropFirst())
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        env["PYTHONUNBUFFERED"] = "1"
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.standardError
        p.standardInput = FileHandle.nullDevice
        process = p

        // Ctrl-C reaches the whole foreground process group (the worker too); ignore it here and
        // let the worker save a checkpoint and exit 130. A second Ctrl-C is forwarded as SIGTERM.
        signal(SIGINT, SIG_IGN)
        let sigSource = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        var interrupts = 0
        sigSource.setEventHandler { [weak self] in
            interrupts += 1
            if interrupts > 1, let pid = self?.process?.processIdentifier { kill(pid, SIGTERM) }
        }
        sigSource.resume()
        defer {
            sigSource.cancel()
            signal(SIGINT, SIG_DFL)
        }

        try p.run()
        let handle = out.fileHandleForReading
        var buffer = Data()
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            while let nl = buffer.firstIndex(of: 0x0A) {
                let lineData = buffer[buffer.startIndex..<nl]
                buffer.removeSubrange(buffer.startIndex...nl)
                let line = String(decoding: lineData, as: UTF8.self)
                if let e = Self.parse(line) { onEvent(e) } else if !line.trimmingCharacters(in: .whitespaces).isEmpty { onOther(line) }
            }
        }
        if !buffer.isEmpty {
            let line = String(decoding: buffer, as: UTF8.self)
            if let e = Self.parse(line) { onEvent(e) } else { onOther(line) }
        }
        p.waitUntilExit()
        return p.terminationStatus
    }

    static func parse(_ line: String) -> WorkerEvent? {
        guard line.first == "{", let v = try? JSONDecoder().decode(JSONValue.self, from: Data(line.utf8)),
              let name = v["event"]?.string else { return nil }
        return WorkerEvent(name: name, fields: v, raw: line)
    }
}

/// How many processes and which launcher: one CPU/GPU process, or `accelerate launch` with a
/// DeepSpeed ZeRO or FSDP config that ciport writes (multi-node through torchrun rendezvous settings).
public struct LaunchPlan: Sendable {
    public enum Strategy: String, Sendable, CaseIterable { case ddp, fsdp, deepspeed }

    public var gpus: Int
    public var strategy: Strategy
    public var nodes: Int
    public var nodeRank: Int
    public var mainAddress: String?
    public var mainPort: Int

    public init(gpus: Int = 1, strategy: Strategy = .ddp, nodes: Int = 1, nodeRank: Int = 0, mainAddress: String? = nil, mainPort: Int = 29500) {
        self.gpus = gpus
        self.strategy = strategy
        self.nodes = nodes
        self.nodeRank = nodeRank
        self.mainAddress = mainAddress
        self.mainPort = mainPort
    }

    public var distributed: Bool { gpus > 1 || nodes > 1 }

    /// The accelerate config file's text (YAML) for this plan.
    public func accelerateConfig() -> String {
        var lines = [
            "# Written by ciport for `accelerate launch`; see https://huggingface.co/docs/accelerate",
            "compute_environment: LOCAL_MACHINE",
            "num_machines: \(nodes)",
            "machine_rank: \(nodeRank)",
            "num_processes: \(gpus * nodes)",
            "mixed_precision: bf16",
            "same_network: true",
            "rdzv_backend: \(nodes > 1 ? "c10d" : "static")",
            "main_process_port: \(mainPort)",
        ]
        if let mainAddress { lines.append("main_process_ip: \(mainAddress)") }
        switch strategy {
        case .ddp:
            lines.append("distributed_type: MULTI_GPU")
        case .fsdp:
            lines += [
                "distributed_type: FSDP",
                "fsdp_config:",
                "  fsdp_version: 2",
                "  fsdp_auto_wrap_policy: TRANSFORMER_BASED_WRAP",
                "  fsdp_state_dict_type: SHARDED_STATE_DICT",
                "  fsdp_cpu_ram_efficient_loading: true",
                "  fsdp_offload_params: false",
                "  fsdp_reshard_after_forward: true",
            ]
        case .deepspeed:
            lines += [
                "distributed_type: DEEPSPEED",
                "deepspeed_config:",
                "  zero_stage: 2",
                "  offload_optimizer_device: none",
                "  offload_param_device: none",
                "  gradient_accumulation_steps: auto",
                "  gradient_clipping: 1.0",
                "  zero3_init_flag: false",
            ]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The command line that starts the worker's `subcommand` under this plan.
    public func command(python: String, subcommand: [String], acceleratePath: String?) -> [String] {
        guard distributed else { return [python, "-m", "ciport_trainer"] + subcommand }
        let launcher = acceleratePath.map { [$0, "launch"] } ?? [python, "-m", "accelerate.commands.launch"]
        return launcher + ["--config_file", "ACCELERATE_CONFIG", "-m", "ciport_trainer"] + subcommand
    }
}
