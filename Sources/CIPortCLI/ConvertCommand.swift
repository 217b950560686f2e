import ArgumentParser
import CIPortCore
import Foundation

struct ConvertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Translate a GitHub Actions workflow to GitLab CI, or a GitLab CI file to GitHub Actions.",
        discussion: """
        The source platform is detected from the file. Every construct of the source is accounted for in
        a fidelity ledger: translated, approximated, needs-review or lost, with its file:line:col. Lines a
        person must look at carry a '# ciport:' comment in the output. The output is validated before it
        is written; nothing is written when anything fails.

        EXAMPLES
          ciport convert .github/workflows/ci.yml                      # GitLab CI on stdout
          ciport convert .gitlab-ci.yml -o .github/workflows/ci.yml    # to GitHub Actions
          ciport convert .github/workflows -o gitlab/                  # a whole folder, with a table
          cat ci.yml | ciport convert - --to gitlab --report sarif --report-file ledger.sarif
          ciport convert ci.yml --strict                               # exit 1 when anything is lost
          ciport convert ci.yml --catalog my-actions.json              # teach it your own actions

        EXIT STATUS
          0 converted; 1 something was lost and --strict was given; 65 bad input (the message names
          file:line:col); 66 input missing; 73 the output could not be written.
        """
    )

    @Argument(help: "A workflow file, '-' for standard input, or a directory (a repository or its .github/workflows).")
    var source: String

    @Option(name: .long, help: "Target platform: gitlab or github (default: the other one).")
    var to: Platform?

    @Option(name: [.short, .customLong("output")], help: "Output file (or directory when SOURCE is one); '-' or none: standard output.")
    var output: String?

    @Option(name: .long, help: "Repository root for include: local files, local actions and reusable workflows (default: the current directory).")
    var root: String?

    @Option(name: .long, help: "A JSON action catalog adding to or overriding the bundled one.")
    var catalog: String?

    @Flag(name: .long, help: "Exit with status 1 when any construct is lost.")
    var strict = false

    @Option(name: .long, help: "Write the fidelity ledger as json or sarif.")
    var report: ReportFormat?

    @Option(name: .long, help: "Where --report goes (default: OUTPUT.ledger.json / OUTPUT.sarif, or ./ciport-ledger.* when writing to stdout).")
    var reportFile: String?

    @Flag(name: .shortAndLong, help: "List every construct that is not simply translated, not just the first ten.")
    var verbose = false

    @Flag(name: .shortAndLong, help: "Print nothing but errors.")
    var quiet = false

    enum ReportFormat: String, ExpressibleByArgument, CaseIterable { case json, sarif }

    func run() async throws {
        var options = ConvertOptions()
        options.loader = RootLoader(root: root ?? FileManager.default.currentDirectoryPath)
        if let catalog {
            do {
                let (name, text) = try FileIO.readText(catalog)
                options.catalog = ActionCatalog.bundled.merging(try ActionCatalog(json: Data(text.utf8), file: name))
            } catch {
                throw fail(error)
            }
        }
        var isDir: ObjCBool = false
        if source != "-", FileManager.default.fileExists(atPath: source, isDirectory: &isDir), isDir.boolValue {
            try convertDirectory(options: options)
        } else {
            try convertFile(options: options)
        }
    }

    private func convertFile(options: ConvertOptions) throws {
        let conversion: Conversion
        do {
            let (name, text) = try FileIO.readText(source, limits: options.limits)
            conversion = try Translator.convert(text, file: name, to: to, options: options)
        } catch {
            throw fail(error)
        }
        if let output, output != "-" {
            do { try FileIO.writeAtomically(conversion.output, to: output) } catch {
                FileIO.printErr("\(output): error: cannot write: \(error.localizedDescription)")
                throw ExitCode(FileIO.exitCantCreate)
            }
        } else {
            FileHandle.standardOutput.write(Data(conversion.output.utf8))
        }
        let item = LedgerReport.Item(source: conversion.pipeline.pos.file, from: conversion.source, to: conversion.target,
                                     output: output, ledger: conversion.ledger)
        try writeReport([item], defaultBase: output)
        if !quiet {
            FileIO.printErr("\(item.source) → \(conversion.target): \(conversion.ledger.summary)")
            printNotable(conversion.ledger)
        }
        if strict && conversion.ledger.summary.count(.lost) > 0 { throw ExitCode(FileIO.exitLost) }
    }

    private func convertDirectory(options: ConvertOptions) throws {
        let files = WorkflowFinder.find(in: source)
        if files.isEmpty {
            FileIO.printErr("\(source): error: no workflows found (looked for .github/workflows/*.yml, .gitlab-ci.yml and *.yml)")
            throw ExitCode(FileIO.exitNoInput)
        }
        let outDir = output ?? "ciport-out"
        var rows: [[String]] = []
        var items: [LedgerReport.Item] = []
        var failed = 0, anyLost = false
        var total = Ledger.Summary()
        for file in files {
            let rel = file.hasPrefix(source) ? String(file.dropFirst(source.count)).trimmingCharacters(in: CharacterSet(charactersIn: "/")) : file
            do {
                let (name, text) = try FileIO.readText(file, limits: options.limits)
                let c = try Translator.convert(text, file: name, to: to, options: options)
                let dest = (outDir as NSString).appendingPathComponent(WorkflowFinder.outputName(for: rel, target: c.target))
                try FileIO.writeAtomically(c.output, to: dest)
                let s = c.ledger.summary
                total = total + s
                anyLost = anyLost || s.count(.lost) > 0
                items.append(LedgerReport.Item(source: name, from: c.source, to: c.target, output: dest, ledger: c.ledger))
                rows.append([rel, "\(c.source.rawValue)→\(c.target.rawValue)", "\(s.count(.translated))", "\(s.count(.approximated))",
                             "\(s.count(.needsReview))", "\(s.count(.lost))", String(format: "%.1f%%", s.percent(.translated)), dest])
            } catch {
                failed += 1
                FileIO.printErr(message(for: error))
                rows.append([rel, "-", "-", "-", "-", "-", "error", "-"])
            }
        }
        if !quiet {
            let header = ["source", "direction", "translated", "approx.", "review", "lost", "% transl.", "output"]
            FileIO.printErr(Table.render(header: header, rows: rows))
            FileIO.printErr("\(files.count - failed) of \(files.count) converted; \(total)")
        }
        try writeReport(items, defaultBase: (outDir as NSString).appendingPathComponent("ciport"))
        if failed > 0 { throw ExitCode(FileIO.exitDataErr) }
        if strict && anyLost { throw ExitCode(FileIO.exitLost) }
    }

    private func writeReport(_ items: [LedgerReport.Item], defaultBase: String?) throws {
        guard let report else { return }
        let ext = report == .json ? "ledger.json" : "sarif"
        let path = reportFile ?? "\(defaultBase ?? "ciport-ledger").\(ext)"
        let text = report == .json ? LedgerReport.json(items, version: CIPortCommand.version)
                                   : LedgerReport.sarif(items, version: CIPortCommand.version)
        do { try FileIO.writeAtomically(text, to: path) } catch {
            FileIO.printErr("\(path): error: cannot write the report: \(error.localizedDescription)")
            throw ExitCode(FileIO.exitCantCreate)
        }
        if !quiet { FileIO.printErr("ledger: \(path)") }
    }

    private func printNotable(_ ledger: Ledger) {
        let notable = ledger.entries.filter { $0.status != .translated }.sorted { ($1.status, $0.pos) < ($0.status, $1.pos) }
        for e in verbose ? notable : Array(notable.prefix(10)) {
            FileIO.printErr("  \(e.pos): \(e.status.rawValue): \(e.construct)\(e.note.isEmpty ? "" : ": " + e.note)")
        }
        if !verbose && notable.count > 10 { FileIO.printErr("  … and \(notable.count - 10) more (--verbose lists all, --report json writes them)") }
    }

    private func fail(_ error: Error) -> ExitCode {
        FileIO.printErr(message(for: error))
        return ExitCode(error is FileIO.MissingInput ? FileIO.exitNoInput : FileIO.exitDataErr)
    }

    private func message(for error: Error) -> String {
        switch error {
        case let e as InputError: e.description
        case let e as FileIO.MissingInput: e.description
        default: "error: \(error.localizedDescription)"
        }
    }
}

extension Platform: ExpressibleByArgument {}

/// Finds CI files in a directory: a repository root, its `.github/workflows`, or any folder of YAML files.
enum WorkflowFinder {
    static func find(in dir: String) -> [String] {
        let fm = FileManager.default
        var out: [String] = []
        let wf = (dir as NSString).appendingPathComponent(".github/workflows")
        let gl = (dir as NSString).appendingPathComponent(".gitlab-ci.yml")
        if fm.fileExists(atPath: wf) || fm.fileExists(atPath: gl) {
            out += yamlFiles(wf)
            if fm.fileExists(atPath: gl) { out.append(gl) }
            return out
        }
        // Any folder: every YAML file below it (a corpus, a workflows folder).
        guard let e = fm.enumerator(atPath: dir) else { return [] }
        for case let rel as String in e where rel.hasSuffix(".yml") || rel.hasSuffix(".yaml") {
            out.append((dir as NSString).appendingPathComponent(rel))
        }
        return out.sorted()
    }

    private static func yamlFiles(_ dir: String) -> [String] {
        let items = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return items.filter { $0.hasSuffix(".yml") || $0.hasSuffix(".yaml") }.sorted().map { (dir as NSString).appendingPathComponent($0) }
    }

    /// `ci.yml` → `ci.gitlab-ci.yml`; `Python.gitlab-ci.yml` → `Python.yml`; sub-folders kept.
    static func outputName(for rel: String, target: Platform) -> String {
        var stem = rel
        for suffix in [".gitlab-ci.yml", ".yml", ".yaml"] where stem.hasSuffix(suffix) {
            stem = String(stem.dropLast(suffix.count))
            break
        }
        if stem.hasPrefix(".github/workflows/") { stem = String(stem.dropFirst(".github/workflows/".count)) }
        if stem.isEmpty || stem == "." || stem == ".gitlab-ci" { stem = "gitlab-ci" }
        return target == .gitlab ? stem + ".gitlab-ci.yml" : stem + ".yml"
    }
}

/// A plain-text table for terminals.
enum Table {
    static func render(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows
        var widths = Array(repeating: 0, count: header.count)
        for r in all { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
        func line(_ r: [String]) -> String {
            r.enumerated().map { i, c in i == r.count - 1 ? c : c.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }
        return ([line(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")] + rows.map(line))
            .joined(separator: "\n")
    }
}
