import CIPortCore
import Foundation
import Testing
@testable import CIPortTrain

struct TrainConfigTests {
    static func dir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("ciport-train-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        try Data("{\"messages\":[]}\n".utf8).write(to: d.appendingPathComponent("train.jsonl"))
        try Data("{\"messages\":[]}\n".utf8).write(to: d.appendingPathComponent("valid.jsonl"))
        try Data().write(to: d.appendingPathComponent("empty.jsonl"))
        return d
    }

    @Test func everyKeyIsAccepted() throws {
        let d = try Self.dir()
        let text = """
        base_model: tiny:gpt_bigcode
        dataset:
          train: train.jsonl
          eval: valid.jsonl
        adapter: lora
        lora:
          r: 8
          alpha: 16
          dropout: 0.05
          target_modules: auto
        max_seq_length: 512
        packing: false
        assistant_only_loss: true
        epochs: 1
        max_steps: 40
        learning_rate: 2.0e-3
        lr_scheduler: cosine
        warmup_ratio: 0.05
        warmup_steps: 0
        batch_size: 4
        eval_batch_size: 4
        gradient_accumulation_steps: 1
        gradient_checkpointing: false
        precision: auto
        seed: 7
        logging_steps: 1
        eval_steps: 10
        save_steps: 10
        save_total_limit: 2
        early_stopping_patience: 3
        """
        let c = try TrainConfig(text: text, file: "c.yml", baseDir: d.path)
        #expect(c.values["base_model"] == .string("tiny:gpt_bigcode"))
        #expect(c.values["lora"]?["r"] == .int(8))
        #expect(c.values["learning_rate"] == .number(2e-3))
        #expect(c.values["dataset"]?["train"]?.string == d.appendingPathComponent("train.jsonl").standardizedFileURL.path)
        let rc = c.runConfig(outputDir: "/runs/x", resume: true)
        #expect(rc["output_dir"] == .string("/runs/x"))
        #expect(rc["resume_from"] == .string("latest"))
        // Every key of the schema appears in this config (the README's table documents the same list).
        let topKeys = Set(TrainConfig.schema.map(\.key).filter { !$0.contains(".") })
        #expect(topKeys.isSubset(of: Set(c.values.keys)))
    }

    @Test(arguments: [
        ("base_model: tiny\ndataset: {train: train.jsonl}\nlerning_rate: 1\n", "c.yml:3:1", "unknown key 'lerning_rate' (did you mean 'learning_rate'?)"),
        ("base_model: tiny\ndataset: {train: train.jsonl}\nbatch_size: four\n", "c.yml:3:13", "batch_size: expected an integer, found 'four'"),
        ("base_model: tiny\ndataset: {train: train.jsonl}\nadapter: dora\n", "c.yml:3:10", "adapter: expected one of lora, qlora, full"),
        ("base_model: tiny\ndataset: {train: train.jsonl}\nlora: {rank: 8}\n", "c.yml:3:8", "unknown key 'lora.rank'"),
        ("base_model: tiny\ndataset: {train: missing.jsonl}\n", "c.yml:2:18", "dataset.train: no such file 'missing.jsonl'"),
        ("base_model: tiny\ndataset: {train: empty.jsonl}\n", "c.yml:2:18", "dataset.train: 'empty.jsonl' is empty"),
        ("dataset: {train: train.jsonl}\n", "c.yml:1:1", "missing key 'base_model'"),
        ("base_model: tiny\n", "c.yml:1:1", "missing key 'dataset.train'"),
        ("base_model: tiny\ndataset: {train: train.jsonl}\npacking: maybe\n", "c.yml:3:10", "packing: expected true or false"),
        ("base_model: tiny\ndataset: {train: train.jsonl}\nlearning_rate: -1\n", "c.yml:3:16", "must not be negative"),
        ("base_model: tiny\ndataset: {train: train.jsonl}\neval_steps: 5\n", "c.yml:3:13", "eval_steps needs dataset.eval"),
        ("- base_model\n", "c.yml:1:1", "a train config is a mapping"),
    ])
    func badConfigsNameTheKeyAndPosition(_ text: String, _ pos: String, _ fragment: String) throws {
        let d = try Self.dir()
        do {
            _ = try TrainConfig(text: text, file: "c.yml", baseDir: d.path)
            Issue.record("accepted a bad config: \(text)")
        } catch {
            #expect(error.description.hasPrefix(pos + ": error: "), "\(error)")
            #expect(error.description.contains(fragment), "\(error)")
        }
    }

    @Test func launchPlanWritesAccelerateConfigs() {
        let single = LaunchPlan()
        #expect(single.command(python: "py", subcommand: ["train"], acceleratePath: nil) == ["py", "-m", "ciport_trainer", "train"])
        let fsdp = LaunchPlan(gpus: 4, strategy: .fsdp)
        #expect(fsdp.accelerateConfig().contains("distributed_type: FSDP"))
        #expect(fsdp.accelerateConfig().contains("num_processes: 4"))
        #expect(fsdp.command(python: "py", subcommand: ["train"], acceleratePath: nil).prefix(3) == ["py", "-m", "accelerate.commands.launch"])
        let ds = LaunchPlan(gpus: 8, strategy: .deepspeed, nodes: 2, nodeRank: 1, mainAddress: "10.0.0.1")
        let text = ds.accelerateConfig()
        #expect(text.contains("zero_stage: 2") && text.contains("num_processes: 16") && text.contains("machine_rank: 1")
                && text.contains("rdzv_backend: c10d") && text.contains("main_process_ip: 10.0.0.1"))
    }

    @Test func workerEventsParseAndJunkIsNot() {
        #expect(Worker.parse("{\"event\":\"step\",\"step\":3,\"loss\":1.5}")?["step"]?.int == 3)
        #expect(Worker.parse("Loading checkpoint shards") == nil)
        #expect(Worker.parse("{\"no_event\":1}") == nil)
    }
}
