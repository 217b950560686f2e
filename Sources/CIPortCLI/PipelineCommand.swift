import ArgumentParser
import CIPortCore
import CIPortPipeline
import CIPortTrain
import Foundation

/// `ciport pipeline init`: the GitLab GPU pipeline (and catalog component), or its GitHub equivalent.
struct PipelineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline",
        abstract: "Generate the CI pipeline that validates, trains, evaluates and registers a model.",
        subcommands: [Init.self]
    )

    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write .gitlab-ci.yml and the catalog component templates/finetune/template.yml (or a GitHub workflow).",
            discussion: """
            For a repository holding a dataset and a train config. Training runs on a GPU runner (its tag
            is the GPU_RUNNER_TAG variable), and only when the dataset, the train config or the trainer
            changed. With --platform github, the GitLab pipeline is translated by ciport's own translator
            and written to .github/workflows/finetune.yml, with the fidelity summary printed.

            EXAMPLES
              ciport pipeline init
              ciport pipeline init --accelerator rocm --runner-tag mi300
              ciport pipeline init --platform github --dir ../my-model-repo
            """
        )

        @Option(help: "gitlab (default) or github.") var platform: Platform = .gitlab
        @Option(help: "Repository root to write into.") var dir = "."
        @Option(help: "Dataset file or folder (default: found under data/ or dataset/).") var dataset: String?
        @Option(help: "Train config (default: configs/train.yml, else the only configs/*.yml).") var config: String?
        @Option(help: "Registered model name.") var modelName = "ciport-translator"
        @Option(help: "cuda or rocm: chooses the training image and its device settings.") var accelerator: PipelineSpec.Accelerator = .cuda
        @Option(help: "GPU runner tag (repeatable; the first goes in .gitlab-ci.yml, all in the component).") var runnerTag: [String] = []
        @Option(help: "Training image (default: a PyTorch image for the accelerator).") var image: String?
        @Flag(help: "Overwrite existing files.") var force = false

        func run() async throws {
            var spec = PipelineSpec()
            spec.dataset = try dataset ?? find(["data", "dataset", "datasets"], what: "dataset", flag: "--dataset")
            spec.trainConfig = try config ?? findConfig()
            for p in [spec.dataset, spec.trainConfig] where !exists(p) {
                FileIO.printErr("\((dir as NSString).appendingPathComponent(p)): error: no such file or directory")
                throw ExitCode(FileIO.exitNoInput)
            }
            spec.trainerDir = exists("trainer") ? "trainer" : nil
            spec.modelName = modelName
            spec.accelerator = accelerator
            if !runnerTag.isEmpty { spec.runnerTags = runnerTag }
            spec.image = image
            if let base = baseModel(in: spec.trainConfig) { spec.baseModel = base }

            var files: [(String, String)] = []
            switch platform {
            case .gitlab:
                files = [(PipelineGenerator.gitlabPath, PipelineGenerator.gitlabCI(spec)),
                         (PipelineGenerator.componentPath, PipelineGenerator.catalogComponent(spec))]
            case .github:
                do {
                    let c = try PipelineGenerator.githubWorkflow(spec)
                    files = [(PipelineGenerator.githubPath, c.output)]
                    FileIO.printErr("translated from the generated GitLab pipeline: \(c.ledger.summary)")
                } catch {
                    FileIO.printErr(error.description)
                    throw ExitCode(FileIO.exitDataErr)
                }
            }
            // Refuse before writing anything: a half-generated set of files is worse than none.
            let existing = files.map { path($0.0) }.filter { FileManager.default.fileExists(atPath: $0) }
            if !existing.isEmpty && !force {
                for e in existing { FileIO.printErr("\(e): error: already exists (use --force to overwrite)") }
                throw ExitCode(FileIO.exitCantCreate)
            }
            for (p, text) in files {
                // rename(2) over the old file: readers see the old or the new file, never half of one.
                do { try AtomicWrite.write(Data(text.utf8), to: path(p)) } catch {
                    FileIO.printErr("\(path(p)): error: cannot write (\(error.localizedDescription))")
                    throw ExitCode(FileIO.exitCantCreate)
                }
                print("wrote \(path(p))")
            }
        }

        func path(_ rel: String) -> String { (dir as NSString).appendingPathComponent(rel) }
        func exists(_ rel: String) -> Bool { FileManager.default.fileExists(atPath: path(rel)) }

        func find(_ candidates: [String], what: String, flag: String) throws -> String {
            if let c = candidates.first(where: exists) { return c }
            FileIO.printErr("\(dir): error: no \(what) found (looked for \(candidates.joined(separator: ", "))); pass \(flag) PATH")
            throw ExitCode(FileIO.exitNoInput)
        }

        func findConfig() throws -> String {
            for c in ["configs/train.yml", "configs/train.yaml", "train.yml", "train.yaml"] where exists(c) { return c }
            let ymls = ((try? FileManager.default.contentsOfDirectory(atPath: path("configs"))) ?? [])
                .filter { $0.hasSuffix(".yml") || $0.hasSuffix(".yaml") }.sorted()
            if ymls.count == 1 { return "configs/" + ymls[0] }
            FileIO.printErr("\(dir): error: \(ymls.isEmpty ? "no train config found" : "several train configs in configs/ (\(ymls.joined(separator: ", ")))"); pass --config PATH")
            throw ExitCode(FileIO.exitNoInput)
        }

        /// The config's `base_model:` (a top-level plain line), for the component's default input.
        func baseModel(in config: String) -> String? {
            guard let text = try? String(contentsOfFile: path(config), encoding: .utf8) else { return nil }
            for line in text.split(separator: "\n") where line.hasPrefix("base_model:") {
                let v = line.dropFirst("base_model:".count).split(separator: "#").first?
                    .trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"'")) ?? ""
                return v.isEmpty ? nil : v
            }
            return nil
        }
    }
}

extension PipelineSpec.Accelerator: ExpressibleByArgument {}
