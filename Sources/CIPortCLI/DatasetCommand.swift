import ArgumentParser
import CIPortCore
import CIPortDataset
import Foundation

struct DatasetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset",
        abstract: "Build, check and reshape the translation dataset (JSONL, chat messages form).",
        discussion: """
        A record is one JSON line: {"messages": [system, user, assistant], "meta": {id, task, source,
        target, provenance, license, hash, origin?}}; the user turn holds an instruction and the source
        file in a ```yaml fence, the assistant turn the target file.

        EXAMPLES
          ciport dataset build data/pairs -o data/pairs.jsonl
          ciport dataset validate data/
          ciport dataset stats data/pairs.jsonl
          ciport dataset split data/pairs.jsonl -o data/splits --seed 1
          ciport dataset synth --from ../shared/corpus -o synth.jsonl
          ciport dataset mine ~/src/some-repo -o mined.jsonl
          ciport dataset export data/splits/train.jsonl --format alpaca -o train.alpaca.jsonl

        EXIT STATUS
          0 success; 65 bad records or input (each named file:line); 66 input missing; 73 output not written.
        """,
        subcommands: [DatasetBuildCommand.self, DatasetValidateCommand.self, DatasetStatsCommand.self,
                      DatasetSplitCommand.self, DatasetSynthCommand.self, DatasetMineCommand.self,
                      DatasetExportCommand.self, DatasetBenchCommand.self]
    )
}

/// Error reporting shared by the dataset subcommands: one line on stderr, a sysexits status.
enum DatasetCLI {
    static func fail(_ error: Error) -> ExitCode {
        switch error {
        case let e as DatasetError:
            FileIO.printErr(e.description)
            switch e.kind {
            case .missingInput: return ExitCode(FileIO.exitNoInput)
            case .cannotWrite: return ExitCode(FileIO.exitCantCreate)
            case .badInput: return ExitCode(FileIO.exitDataErr)
            }
        case let e as InputError:
            FileIO.printErr(e.description)
            return ExitCode(FileIO.exitDataErr)
        case let e as ExitCode:
            return e
        default:
            FileIO.printErr("error: \(error.localizedDescription)")
            return ExitCode(FileIO.exitDataErr)
        }
    }

    /// Writes records as JSONL, atomically.
    static func write(_ records: [DatasetRecord], to path: String) throws {
        let out = try AtomicOutput(path: path)
        for r in records { try out.writeLine(r.jsonLine()) }
        try out.commit()
    }

    static func printErrors(_ errors: [RecordError], limit: Int = 50) {
        for e in errors.prefix(limit) { FileIO.printErr(e.description) }
        if errors.count > limit { FileIO.printErr("… and \(errors.count - limit) more") }
    }
}
