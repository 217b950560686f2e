import CIPortCore

/// What `ciport pipeline init` needs to know about the repository it writes a pipeline for.
public struct PipelineSpec: Sendable, Equatable {
    public enum Accelerator: String, Sendable, CaseIterable { case cuda, rocm }

    /// The dataset (a JSONL file or a folder of them), relative to the repository root.
    public var dataset: String = "data"
    /// The `ciport train` config, relative to the repository root.
    public var trainConfig: String = "configs/train.yml"
    /// The Python worker's folder, when the repository carries it (its changes retrain too).
    public var trainerDir: String?
    /// Registered model name.
    public var modelName: String = "ciport-translator"
    /// Base model the catalog component defaults to.
    public var baseModel: String = "tiny"
    public var epochs: Int = 3
    public var accelerator: Accelerator = .cuda
    /// Tags of the GPU runner.
    public var runnerTags: [String] = ["gpu"]
    /// Training image; nil takes the accelerator's default.
    public var image: String?

    public init() {}

    public var trainImage: String { image ?? PipelineGenerator.defaultImage(accelerator) }
}

/// Writes the GitLab pipeline that runs validate → train → evaluate → register on a GPU runner,
/// the CI/CD catalog component other projects include, and (through ciport's translator) the
/// GitHub Actions equivalent. Pure text: the CLI does the file I/O.
public enum PipelineGenerator {
    public static let gitlabPath = ".gitlab-ci.yml"
    public static let componentPath = "templates/finetune/template.yml"
    public static let githubPath = ".github/workflows/finetune.yml"

    /// Images whose PyTorch matches the trainer's pins; both are Ubuntu 22.04, like the Swift image that builds ciport.
    public static func defaultImage(_ a: PipelineSpec.Accelerator) -> String {
        switch a {
        case .cuda: "pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime"
        case .rocm: "rocm/pytorch:rocm6.2.3_ubuntu22.04_py3.10_pytorch_release_2.3.0"
        }
    }

    /// Swift image that builds a ciport binary able to run on the training image (same glibc).
    public static let swiftImage = "swift:6.3-jammy"

    /// Paths whose change means the model must be trained again.
    static func trainingInputs(_ s: PipelineSpec) -> [String] {
        var paths = [globOf(s.dataset), s.trainConfig]
        if let t = s.trainerDir { paths.append(globOf(t)) }
        return paths
    }

    /// A file stays a file; a folder (no extension) becomes `folder/**/*`.
    static func globOf(_ p: String) -> String {
        let trimmed = p.hasSuffix("/") ? String(p.dropLast()) : p
        let last = trimmed.split(separator: "/").last.map(String.init) ?? trimmed
        return last.contains(".") ? trimmed : trimmed + "/**/*"
    }

    static func q(_ s: String) -> String {
        // Double-quoted YAML scalar: safe for `$VARS`, `*`, `:` and leading special characters.
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    static func rocmComments(indent: String) -> String {
        """
        \(indent)# ROCm (AMD GPUs): the runner, not this file, gives the container the GPU. In the runner's
        \(indent)# config.toml ([runners.docker]) set
        \(indent)#   devices   = ["/dev/kfd", "/dev/dri"]   # kfd: the compute interface; dri: the render nodes
        \(indent)#   group_add = ["video", "render"]         # the groups that own those device files
        \(indent)#   security_opt = ["seccomp=unconfined"]   # ROCm's memory mapping needs it on some kernels
        \(indent)# and pick a rocm/pytorch image whose ROCm release supports the card. Consumer cards that ROCm
        \(indent)# does not list (e.g. RDNA2 gfx1031) run as the nearest supported target through
        \(indent)# HSA_OVERRIDE_GFX_VERSION (10.3.0 for RDNA2, 11.0.0 for RDNA3); leave it unset on Instinct cards.
        """
    }

    /// The project's `.gitlab-ci.yml`.
    public static func gitlabCI(_ s: PipelineSpec) -> String {
        let changes = trainingInputs(s).map { "        - \(q($0))" }.joined(separator: "\n")
        let trainRules = """
              rules:
                # Train (and so evaluate and register) only when the data, the config or the trainer changed,
                # or when someone asks for it: run the pipeline with FORCE_TRAIN=true.
                - if: $FORCE_TRAIN == "true"
                - changes:
            \(changes)
            """
        let registerRules = """
              rules:
                - if: $CI_COMMIT_BRANCH != $CI_DEFAULT_BRANCH
                  when: never
                - if: $FORCE_TRAIN == "true"
                - changes:
            \(changes)
            """
        let accel = s.accelerator == .rocm
            ? """
                variables:
                  # See the ROCm notes above the job. Uncomment for a consumer RDNA2/RDNA3 card:
                  # HSA_OVERRIDE_GFX_VERSION: "10.3.0"
                  HIP_VISIBLE_DEVICES: "0"
              """
            : """
                variables:
                  NVIDIA_VISIBLE_DEVICES: all
              """
        let probe = s.accelerator == .rocm ? "rocm-smi || true" : "nvidia-smi || true"
        return """
        # Generated by `ciport pipeline init`: fine-tune a code LLM on this repository's dataset on a GPU
        # runner, evaluate it, and register it in GitLab's model registry. Edit freely; ciport will not
        # overwrite this file without --force.
        #
        #   validate  build ciport, check this file and the dataset
        #   train     fine-tune on the GPU runner (only when data, config or trainer changed)
        #   evaluate  score the new adapter; metrics.txt and junit.xml show in the merge request
        #   register  on the default branch: register the run as the next version, push it to GitLab

        stages:
          - validate
          - train
          - evaluate
          - register

        variables:
          DATASET: \(q(s.dataset))
          TRAIN_CONFIG: \(q(s.trainConfig))
          MODEL_NAME: \(q(s.modelName))
          # The GPU runner's tag: a runner registered with this tag (and a GPU) takes train and evaluate.
          GPU_RUNNER_TAG: \(q(s.runnerTags.first ?? "gpu"))
          TRAIN_IMAGE: \(q(s.trainImage))
          CIPORT_SWIFT_IMAGE: \(q(swiftImage))
          # Where ciport is built from when this repository is not ciport itself (git URL and ref).
          CIPORT_REPO: ""
          CIPORT_REF: main
          # Registry, pip and model-weight caches live in the project directory so that GitLab can keep them.
          CIPORT_STATE_DIR: "$CI_PROJECT_DIR/.ciport"
          PIP_CACHE_DIR: "$CI_PROJECT_DIR/.cache/pip"
          HF_HOME: "$CI_PROJECT_DIR/.cache/huggingface"

        build-ciport:
          stage: validate
          image: $CIPORT_SWIFT_IMAGE
          script:
            - |
              if [ -f Package.swift ] && grep -q 'name: "ciport"' Package.swift; then
                src=.
              elif [ -n "$CIPORT_REPO" ]; then
                git clone --depth 1 --branch "$CIPORT_REF" "$CIPORT_REPO" /tmp/ciport && src=/tmp/ciport
              else
                echo "set CIPORT_REPO (a git URL of ciport) in the project's CI/CD variables"; exit 1
              fi
              swift build -c release --static-swift-stdlib --package-path "$src" --product ciport
              mkdir -p bin && cp "$src/.build/release/ciport" bin/ciport
              cp -r "$src/trainer" ciport-trainer
          artifacts:
            paths:
              - bin/
              - ciport-trainer/
            expire_in: 1 day

        validate:
          stage: validate
          image: $CIPORT_SWIFT_IMAGE
          needs:
            - build-ciport
          script:
            - bin/ciport validate .gitlab-ci.yml
            - bin/ciport dataset validate "$DATASET"

        \(s.accelerator == .rocm ? rocmComments(indent: "") + "\n" : "")train:
          stage: train
          image: $TRAIN_IMAGE
          tags:
            - $GPU_RUNNER_TAG
          needs:
            - build-ciport
            - validate
        \(accel)
          cache:
            - key: pip-$CI_COMMIT_REF_SLUG
              paths:
                - .cache/pip
            # Base-model weights: downloaded once per runner, not once per pipeline.
            - key: hf-models
              paths:
                - .cache/huggingface
          before_script:
            - \(probe)
            - python -m pip install -r ciport-trainer/requirements.txt
            - python -m pip install --no-deps -e ciport-trainer
          script:
            - bin/ciport train "$TRAIN_CONFIG" --runs-dir runs --python python
            - echo "RUN_DIR=$(ls -td runs/*/ | head -1)" > train.env
          artifacts:
            paths:
              - runs/
              - .ciport/
            exclude:
              - runs/**/checkpoint-*/**
            reports:
              dotenv: train.env
            expire_in: 30 days
        \(trainRules)

        evaluate:
          stage: evaluate
          image: $TRAIN_IMAGE
          tags:
            - $GPU_RUNNER_TAG
          needs:
            - build-ciport
            - train
          cache:
            - key: hf-models
              paths:
                - .cache/huggingface
              policy: pull
          before_script:
            - python -m pip install -r ciport-trainer/requirements.txt
            - python -m pip install --no-deps -e ciport-trainer
          script:
            - bin/ciport eval --engine checkpoint --model "$RUN_DIR" --out reports
          artifacts:
            when: always
            paths:
              - reports/
              - .ciport/
            reports:
              # The merge request shows these: metric changes (OpenMetrics) and a test report per case.
              metrics: reports/metrics.txt
              junit: reports/junit.xml
            expire_in: 30 days
        \(trainRules)

        register:
          stage: register
          image: $CIPORT_SWIFT_IMAGE
          needs:
            - build-ciport
            - train
            - evaluate
          script:
            - bin/ciport registry register "$RUN_DIR" --as "$MODEL_NAME" --alias candidate --scores reports/metrics.txt
            # GitLab's model registry speaks MLflow's API; CI_JOB_TOKEN authenticates (never printed).
            - bin/ciport registry push "$MODEL_NAME@candidate" --to "$CI_API_V4_URL/projects/$CI_PROJECT_ID/ml/mlflow"
            - bin/ciport registry show "$MODEL_NAME@candidate"
          artifacts:
            paths:
              - .ciport/
        \(registerRules)

        """
    }

    /// The CI/CD catalog component (`templates/finetune/template.yml`): a `spec:` header with the
    /// inputs, then the job. Other projects include it with
    /// `include: - component: $CI_SERVER_FQDN/GROUP/PROJECT/finetune@VERSION`.
    public static func catalogComponent(_ s: PipelineSpec) -> String {
        let tags = s.runnerTags.map { q($0) }.joined(separator: ", ")
        return """
        # CI/CD catalog component generated by `ciport pipeline init`: fine-tune a code LLM with ciport
        # on a GPU runner. Include it with:
        #   include:
        #     - component: $CI_SERVER_FQDN/<group>/<project>/finetune@<version>
        #       inputs:
        #         base_model: bigcode/starcoderbase-1b
        #         runner_tags: [gpu, a100]
        spec:
          inputs:
            base_model:
              description: Hub id or local path of the base model (tiny builds the offline test model).
              default: \(q(s.baseModel))
            dataset:
              description: JSONL file of chat records to train on.
              default: \(q(s.dataset))
            epochs:
              description: Passes over the training set.
              type: number
              default: \(s.epochs)
            runner_tags:
              description: Tags of the GPU runner that takes the job.
              type: array
              default: [\(tags)]
            image:
              description: Training image with PyTorch for the runner's GPU (CUDA or ROCm).
              default: \(q(s.trainImage))
            stage:
              description: Stage the job runs in.
              default: train
            ciport:
              description: Command that runs ciport in the image.
              default: ciport
        ---
        finetune:
          stage: $[[ inputs.stage ]]
          image: $[[ inputs.image ]]
          tags: $[[ inputs.runner_tags ]]
          variables:
            PIP_CACHE_DIR: "$CI_PROJECT_DIR/.cache/pip"
            HF_HOME: "$CI_PROJECT_DIR/.cache/huggingface"
            CIPORT_STATE_DIR: "$CI_PROJECT_DIR/.ciport"
          cache:
            - key: hf-models
              paths:
                - .cache/huggingface
            - key: pip
              paths:
                - .cache/pip
          script:
            - |
              cat > finetune.yml <<EOF
              base_model: "$[[ inputs.base_model ]]"
              dataset:
                train: "$[[ inputs.dataset ]]"
              epochs: $[[ inputs.epochs ]]
              EOF
            - $[[ inputs.ciport ]] train finetune.yml --runs-dir runs
          artifacts:
            paths:
              - runs/
              - .ciport/
            exclude:
              - runs/**/checkpoint-*/**
            expire_in: 30 days

        """
    }

    /// Splits a component file into its `spec:` header and its jobs document.
    public static func splitComponent(_ text: String) -> (header: String, body: String)? {
        guard let r = text.range(of: "\n---\n") else { return nil }
        return (String(text[..<r.lowerBound]) + "\n", String(text[r.upperBound...]))
    }

    /// The jobs document as GitLab sees it after interpolating `$[[ inputs.NAME ]]` with the given
    /// (or default) inputs: what GitLab validates, and what the tests validate.
    public static func interpolate(component text: String, inputs: [String: String]) -> String? {
        guard let (_, body) = splitComponent(text) else { return nil }
        var out = body
        for (k, v) in inputs { out = out.replacingOccurrences(of: "$[[ inputs.\(k) ]]", with: v) }
        return out.contains("$[[") ? nil : out
    }

    /// Default inputs rendered as YAML flow values, for `interpolate`.
    public static func defaultInputs(_ s: PipelineSpec) -> [String: String] {
        ["base_model": s.baseModel, "dataset": s.dataset, "epochs": String(s.epochs),
         "runner_tags": "[" + s.runnerTags.map { q($0) }.joined(separator: ", ") + "]",
         "image": s.trainImage, "stage": "train", "ciport": "ciport"]
    }

    /// The GitHub Actions workflow, produced by translating the GitLab pipeline with ciport's own translator.
    public static func githubWorkflow(_ s: PipelineSpec) throws(InputError) -> Conversion {
        try Translator.convert(gitlabCI(s), file: gitlabPath, from: .gitlab, to: .github)
    }
}
