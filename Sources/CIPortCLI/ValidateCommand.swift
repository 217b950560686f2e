import ArgumentParser
import CIPortCore
import Foundation

struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a GitHub workflow or GitLab CI file's structure.",
        discussion: """
        Finds unknown keys (with a suggestion), wrong types, undefined stages, needs on unknown jobs and
        needs cycles, and prints each as file:line:col: error: message. ciport runs the same checks on
        every file it writes.

        EXAMPLES
          ciport validate .gitlab-ci.yml
          ciport validate .github/workflows/*.yml
          ciport validate --platform gitlab templates/build.yml

        EXIT STATUS
          0 no errors (warnings may be printed); 65 errors found; 66 a file is missing.
        """
    )

    @Argument(help: "Files to check ('-' for standard input).")
    var files: [String]

    @Option(name: .long, help: "Platform of the files: github or gitlab (default: detected).")
    var platform: Platform?

    @Flag(name: .shortAndLong, help: "Print nothing for files without problems.")
    var quiet = false

    func run() async throws {
        var errors = 0, missing = 0
        for path in files {
            do {
                let (name, text) = try FileIO.readText(path)
                guard let root = try YAMLLoader.load(text, file: name) else {
                    throw InputError(SourcePos(file: name, line: 1, column: 1), "empty file")
                }
                guard let map = root.mapping, let p = platform ?? Translator.detect(map) else {
                    throw InputError(root.pos, "not a GitHub workflow nor a GitLab CI file (use --platform to say which)")
                }
                let diags = Validator.validate(root, platform: p)
                for d in diags { print(d) }
                let e = diags.filter { $0.severity == .error }.count
                errors += e
                if !quiet && diags.isEmpty { print("\(name): ok (\(p))") }
            } catch let e as FileIO.MissingInput {
                FileIO.printErr(e.description)
                missing += 1
            } catch let e as InputError {
                print(e.description)
                errors += 1
            }
        }
        if missing > 0 { throw ExitCode(FileIO.exitNoInput) }
        if errors > 0 { throw ExitCode(FileIO.exitDataErr) }
    }
}
