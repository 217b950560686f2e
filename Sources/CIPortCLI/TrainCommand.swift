import ArgumentParser
import CIPortCore
import CIPortTrain
import Foundation

struct TrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Fine-tune a code LLM on the translation dataset (LoRA, QLoRA or full) through the Python worker.",
        discussion: """
        CONFIG.yml names the base model, the dataset and the training settings (README: "Train config"
        lists every key). ciport checks it (unknown keys and wrong types are errors with line:col),
        creates a run directory, starts `python -m ciport_trainer`, draws progress from its JSON-lines
        events and records them in RUN/events.jsonl. Ctrl-C leaves a resumable checkpoint.

        EXAMPLES
          ciport train configs/tiny.yml                       # the offline tiny model, CPU, ~1 minute
          ciport train configs/starcoder-lora.yml --gpus 4 --strategy fsdp
          ciport train --resume .ciport/runs/20261129T2100-tiny   # after a crash, kill -9 or Ctrl-C

        Python: --python, then CIPORT_PYTHON, then ./.venv/bin/python, then python3 (`make python` sets it up).

        EXIT STATUS
          0 finished; 65 bad config or data; 69 no working Python; 1 the worker failed; 130 interrupted (resumable).
        """
    )

    @Argument(help: "Train config (YAML). Not needed with --resume.")
    var config: String?

    @Option(name: .long, help: "Continue an interrupted or crashed run (its directory).")
    var resume: String?

    @Option(name: .long, help: "Where run directories go.")
    var runsDir = ".ciport/runs"

    @Option(name: .long, help: "Python interpreter with the worker installed.")
    var python: String?

    @Option(name: .long, help: "GPUs per node; more than 1 launches through accelerate.")
    var gpus = 1

    @Option(name: .long, help: "Distribution strategy with --gpus > 1: ddp, fsdp or deepspeed.")
    var strategy: LaunchPlan.Strategy = .ddp

    @Option(name: .long, help: "Nodes (multi-node runs use torchrun rendezvous through accelerate).")
    var nodes = 1

    @Option(name: .long, help: "This node's rank (0 … nodes-1).")
    var nodeRank = 0

    @Option(name: .long, help: "Address of node 0 for multi-node runs.")
    var mainAddress: String?

    @Flag(name: .shortAndLong, help: "Print nothing but errors and the final result.")
    var quiet = false

    func validate() throws {
        if config == nil && resume == nil { throw ValidationError("give a CONFIG.yml, or --resume RUN") }
        if config != nil && resume != nil { throw ValidationError("give either CONFIG.yml or --resume RUN, not both") }
        if gpus < 1 || nodes < 1 { throw ValidationError("--gpus and --nodes must be at least 1") }
        if nodes > 1 && mainAddress == nil { throw ValidationError("--nodes > 1 needs --main-address (node 0's address)") }
    }

    func run() async throws {
        let run: RunDirectory
        var runConfig: JSONValue
        if let resume {
            run = RunDirectory(path: resume)
            guard let data = FileManager.default.contents(atPath: run.runConfigPath),
                  let v = try? JSONDecoder().decode(JSONValue.self, from: data) else {
                FileIO.printErr("\(resume): error: not a ciport run directory (no run-config.json)")
                throw ExitCode(FileIO.exitNoInput)
            }
            if let s = run.readStatus(), s.state == .finished {
                print("\(run.path): already finished at step \(s.step ?? 0); adapter: \(s.adapter ?? "-")")
                return
            }
            runConfig = v
            if case .object(var o) = runConfig {
                o["resume_from"] = .string("latest")
                runConfig = .object(o)
            }
        } else {
            let path = config!
            let cfg: TrainConfig
            do {
                let (name, text) = try FileIO.readText(path)
                cfg = try TrainConfig(text: text, file: name, baseDir: (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent)
            } catch let e as InputError {
                FileIO.printErr(e.description)
                throw ExitCode(FileIO.exitDataErr)
            } catch let e as FileIO.MissingInput {
                FileIO.printErr(e.description)
                throw ExitCode(FileIO.exitNoInput)
            }
            let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
            run = try RunDirectory.create(in: runsDir, name: name)
            runConfig = cfg.runConfig(outputDir: URL(fileURLWithPath: run.path).standardizedFileURL.path, resume: false)
            try AtomicWrite.write(Data(((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").utf8), to: run.file("config.yml"))
        }
        try AtomicWrite.write(Data(runConfig.encoded(pretty: true).utf8), to: run.runConfigPath)

        let pythonPath: String
        do { pythonPath = try PythonLocator.locate(explicit: python, projectRoot: FileManager.default.currentDirectoryPath) } catch {
            FileIO.printErr("error: \(error)")
            throw ExitCode(69)
        }
        let plan = LaunchPlan(gpus: gpus, strategy: strategy, nodes: nodes, nodeRank: nodeRank, mainAddress: mainAddress)
        var command = plan.command(python: pythonPath, subcommand: ["train", "--config", run.runConfigPath],
                                   acceleratePath: nil)
        if plan.distributed {
            let acc = run.file("accelerate.yaml")
            try AtomicWrite.write(Data(plan.accelerateConfig().utf8), to: acc)
            command = command.map { $0 == "ACCELERATE_CONFIG" ? acc : $0 }
        }

        var status = run.readStatus() ?? RunDirectory.Status(state: .running, started: Date())
        status.state = .running
        status.ended = nil
        try run.writeStatus(status)
        if !quiet { FileIO.printErr("run \(run.path)\(resume != nil ? " (resuming)" : "")") }

        let progress = ProgressBar(enabled: !quiet)
        var lastError: String?
        var done: WorkerEvent?
        let worker = Worker(command: command)
        let code = try worker.run(onEvent: { e in
            run.appendEvent(e.raw)
            switch e.name {
            case "start":
                progress.total = e["max_steps"]?.int
                if let s = e["resumed_from_step"]?.int ?? e["step"]?.int { progress.update(step: s) }
            case "step":
                if let m = e["max_steps"]?.int { progress.total = m }
                progress.update(step: e["step"]?.int ?? 0, loss: e["loss"]?.double, lr: e["learning_rate"]?.double,
                                tokensPerSecond: e["tokens_per_s"]?.double)
                status.step = e["step"]?.int
                status.maxSteps = progress.total
            case "eval":
                progress.note(String(format: "eval at step %d: loss %.4f", e["step"]?.int ?? 0, e["loss"]?.double ?? .nan))
            case "checkpoint":
                status.step = e["step"]?.int ?? status.step
                try? run.writeStatus(status)
            case "error":
                lastError = e["message"]?.string ?? "worker error"
            case "done":
                done = e
            default:
                break
            }
        }, onOther: { line in
            run.appendEvent("{\"event\":\"protocol-violation\",\"line\":\(JSONValue.string(String(line.prefix(500))).encoded())}")
        })
        progress.finish()
        status.ended = Date()
        if code == 0, let done {
            status.state = .finished
            status.finishedCount += 1
            status.step = done["steps"]?.int ?? done["global_step"]?.int ?? status.step
            status.adapter = done["adapter_path"]?.string ?? done["model_path"]?.string
            try run.writeStatus(status)
            print("finished \(run.id) at step \(status.step ?? 0); adapter: \(status.adapter ?? run.file("adapter"))")
            return
        }
        if code == 130 {
            status.state = .interrupted
            try run.writeStatus(status)
            FileIO.printErr("interrupted at step \(status.step ?? 0); continue with: ciport train --resume \(run.path)")
            throw ExitCode(130)
        }
        status.state = .failed
        status.message = lastError ?? "worker exited with status \(code)"
        try run.writeStatus(status)
        FileIO.printErr("\(run.path): error: \(status.message!) (log: \(run.file("worker.log")))")
        throw ExitCode(code == 2 || code == 3 || code == 4 ? FileIO.exitDataErr : 1)
    }
}

extension LaunchPlan.Strategy: ExpressibleByArgument {}

/// A one-line progress bar on stderr: redrawn in place on a terminal, every 10% otherwise.
final class ProgressBar {
    var total: Int?
    private let enabled: Bool
    private let tty = isatty(2) != 0
    private let started = Date()
    private var firstStep: Int?
    private var lastPrinted = -1
    private var drawn = false

    init(enabled: Bool) { self.enabled = enabled }

    func update(step: Int, loss: Double? = nil, lr: Double? = nil, tokensPerSecond: Double? = nil) {
        guard enabled else { return }
        if firstStep == nil { firstStep = step }
        var line = ""
        if let total, total > 0 {
            let frac = min(1, Double(step) / Double(total))
            let width = 24
            let filled = Int(frac * Double(width))
            line = "[" + String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled) + "] \(step)/\(total)"
            let done = step - (firstStep ?? 0)
            if done > 0 {
                let rate = Date().timeIntervalSince(started) / Double(done)
                line += " ETA " + Self.duration(rate * Double(total - step))
            }
        } else {
            line = "step \(step)"
        }
        if let loss { line += String(format: "  loss %.4f", loss) }
        if let lr { line += String(format: "  lr %.2e", lr) }
        if let t = tokensPerSecond { line += String(format: "  %.0f tok/s", t) }
        if tty {
            FileHandle.standardError.write(Data(("\r\u{1B}[2K" + line).utf8))
            drawn = true
        } else {
            let decile = total.map { $0 > 0 ? step * 10 / $0 : 0 } ?? step / 50
            if decile != lastPrinted {
                lastPrinted = decile
                FileIO.printErr(line)
            }
        }
    }

    func note(_ s: String) {
        guard enabled else { return }
        if tty && drawn { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
        FileIO.printErr(s)
    }

    func finish() {
        if enabled && tty && drawn { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    static func duration(_ s: Double) -> String {
        guard s.isFinite, s >= 0 else { return "?" }
        let t = Int(s)
        return t >= 3600 ? String(format: "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60) : String(format: "%d:%02d", t / 60, t % 60)
    }
}
