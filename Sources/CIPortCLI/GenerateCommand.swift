import ArgumentParser
import CIPortCore
import CIPortTrain
import Foundation

/// Runs a worker subcommand for an existing run and collects its events.
enum WorkerRun {
    static func resolve(_ runPath: String) throws -> RunDirectory {
        let run = RunDirectory(path: runPath)
        guard FileManager.default.fileExists(atPath: run.runConfigPath) else {
            FileIO.printErr("\(runPath): error: not a ciport run directory (no run-config.json)")
            throw ExitCode(FileIO.exitNoInput)
        }
        return run
    }

    static func python(_ explicit: String?) throws -> String {
        do { return try PythonLocator.locate(explicit: explicit, projectRoot: FileManager.default.currentDirectoryPath) } catch {
            FileIO.printErr("error: \(error)")
            throw ExitCode(69)
        }
    }

    /// Runs `python -m ciport_trainer ARGS`; returns the events, or exits with the worker's error.
    static func run(_ args: [String], python: String, onEvent: (WorkerEvent) -> Void = { _ in }) throws -> [WorkerEvent] {
        var events: [WorkerEvent] = []
        var error: String?
        let code = try Worker(command: [python, "-m", "ciport_trainer"] + args).run(onEvent: { e in
            events.append(e)
            if e.name == "error" { error = e["message"]?.string }
            onEvent(e)
        })
        if code != 0 {
            FileIO.printErr("error: \(error ?? "the worker exited with status \(code)")")
            throw ExitCode(code == 2 || code == 3 || code == 4 ? FileIO.exitDataErr : 1)
        }
        return events
    }
}

struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Batch generation with a trained run's model, for evaluation.",
        discussion: """
        Reads chat records (JSONL, `messages` form; the assistant turn, if any, is dropped) and writes
        one JSON line per record: {"index", "id", "text", "prompt_tokens", "completion_tokens", "finish_reason"}.

        EXAMPLES
          ciport generate --model .ciport/runs/20261129T2100-tiny --input data/splits/test.jsonl -o gen.jsonl
          ciport generate --model RUN --input test.jsonl --sample --temperature 0.7 --seed 1
        """
    )

    @Option(name: .long, help: "The run directory whose adapter (or model) generates.")
    var model: String

    @Option(name: .long, help: "Chat records (JSONL).")
    var input: String

    @Option(name: [.short, .customLong("output")], help: "Output JSONL (default: standard output).")
    var output: String?

    @Option(name: .long, help: "Most new tokens per answer.")
    var maxNewTokens = 256

    @Flag(name: .long, help: "Sample instead of greedy decoding.")
    var sample = false

    @Option(name: .long, help: "Sampling temperature (with --sample).")
    var temperature = 1.0

    @Option(name: .long, help: "Nucleus sampling threshold (with --sample).")
    var topP = 1.0

    @Option(name: .long, help: "Random seed (with --sample).")
    var seed = 0

    @Option(name: .long, help: "Python interpreter with the worker installed.")
    var python: String?

    func run() async throws {
        let run = try WorkerRun.resolve(model)
        guard FileManager.default.fileExists(atPath: input) else {
            FileIO.printErr("\(input): error: no such file or directory")
            throw ExitCode(FileIO.exitNoInput)
        }
        let py = try WorkerRun.python(python)
        var args = ["generate", "--config", run.runConfigPath, "--input", input, "--max-new-tokens", String(maxNewTokens)]
        if sample { args += ["--sample", "--temperature", String(temperature), "--top-p", String(topP), "--seed", String(seed)] }
        let events = try WorkerRun.run(args, python: py)
        var out = ""
        for e in events where e.name == "generation" {
            guard case .object(var o) = e.fields else { continue }
            o["event"] = nil
            o["time"] = nil
            out += JSONValue.object(o).encoded() + "\n"
        }
        if let output {
            try FileIO.writeAtomically(out, to: output)
            FileIO.printErr("\(events.filter { $0.name == "generation" }.count) generations → \(output)")
        } else {
            FileHandle.standardOutput.write(Data(out.utf8))
        }
    }
}

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Merge a run's LoRA adapter into its base model and save it as safetensors.",
        discussion: """
        EXAMPLE
          ciport export .ciport/runs/20261129T2100-tiny --merge      # writes RUN/merged/
        """
    )

    @Argument(help: "The run directory.")
    var run: String

    @Flag(name: .long, help: "Merge the adapter into the base weights (required: the only export today).")
    var merge = false

    @Option(name: .long, help: "Output directory (default: RUN/merged).")
    var out: String?

    @Option(name: .long, help: "Python interpreter with the worker installed.")
    var python: String?

    func validate() throws {
        if !merge { throw ValidationError("--merge is required (the only export ciport does today)") }
    }

    func run() async throws {
        let r = try WorkerRun.resolve(run)
        let py = try WorkerRun.python(python)
        var args = ["export", "--config", r.runConfigPath, "--merge"]
        if let out { args += ["--out", out] }
        let events = try WorkerRun.run(args, python: py)
        let done = events.last { $0.name == "done" }
        print("merged model: \(done?["path"]?.string ?? done?["out_dir"]?.string ?? out ?? r.file("merged"))")
    }
}
