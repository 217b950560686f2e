#!/usr/bin/env python3
"""GPU fine-tuning benchmark for ciport: tokens/s, MFU and peak memory, LoRA and full fine-tuning, at
sequence length 2048, on randomly initialised models with the exact shapes of StarCoderBase-1B,
Qwen2.5-Coder-1.5B and Qwen2.5-Coder-7B. Nothing is downloaded: every model is built from a config
written below.

Two configurations per (model, method):

* ``ciport``  -- what the worker does: bf16 weights and ``bf16=True``; flash-attention-2 when the
  ``flash_attn`` package is importable, else SDPA (the worker itself loads with transformers' default,
  SDPA); full-length 2048-token sequences with no padding (what packing produces); gradient
  checkpointing only where it is needed to fit (7B full fine-tuning); LoRA r 16 / alpha 32 / dropout
  0.05 on ciport's per-family TARGET_MODULES. The step is the worker's own: TRL ``SFTTrainer`` built
  with ``ciport_trainer.train._sft_config`` / ``_peft_config`` (``--trainer sft``, the default when TRL
  and the worker import). Without them it falls back to a ``transformers.Trainer`` with the same
  settings mirrored (``--trainer hf``); the JSON's ``trainer`` field says which ran.
* ``untuned`` -- an untuned ``transformers.Trainer``: default ``TrainingArguments`` (fp32 weights, no
  autocast, no TF32, no gradient checkpointing, default optimizer), ``attn_implementation="eager"``,
  the same batch and sequences, the same LoRA settings for LoRA. (transformers' own default attention
  is SDPA; eager is what a from-scratch / older setup gets, so part of the gap is attention alone.)

Timing: every case runs ``--warmup`` steps, then up to ``--steps`` timed optimizer steps (fewer when the
case's share of the overall ``--deadline-s`` runs out; at least one). tokens/s = timed steps x batch x
sequence length / wall time between the end of the last warm-up step and the end of the last step
(``torch.cuda.synchronize`` at each step end). Peak memory = ``torch.cuda.max_memory_allocated`` since
the case started (model, optimizer state, activations).

MFU = (6*N + 12*L*H*S) * tokens/s / peak, with N = weights of every linear layer incl. the LM head
(embedding lookups excluded; LoRA adapters excluded), L layers, H hidden size, S sequence length (the
PaLM appendix-B convention: the attention term counts the full S x S score matrix, not half of it) and
peak = the card's dense bf16 tensor peak (table below, or ``--peak-tflops``). The same model-FLOPs
count is used for LoRA (which skips the weight gradients, ~1/3 of 6N, so its hardware utilisation is
lower than the figure suggests is possible) and for the fp32 baseline (measured against the bf16 peak).

``--smoke`` runs the same code on CPU with tiny shapes (2 layers, hidden 64, sequence 128, 3 steps) so
the script can be tested without a GPU; its figures are not measurements.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import gc
import importlib.util
import inspect
import json
import math
import os
import re
import resource
import sys
import tempfile
import time
import traceback

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# --- model shapes -----------------------------------------------------------------------------------
# Exact shapes from each model card's config.json (hub repository, file config.json):
#
# bigcode/starcoderbase-1b: "model_type": "gpt_bigcode", "n_layer": 24, "n_embd": 2048, "n_head": 16,
#   "multi_query": true, "n_inner": 8192, "vocab_size": 49152, "n_positions": 8192,
#   "activation_function": "gelu_pytorch_tanh", "layer_norm_epsilon": 1e-05
# Qwen/Qwen2.5-Coder-1.5B: "model_type": "qwen2", "hidden_size": 1536, "intermediate_size": 8960,
#   "num_hidden_layers": 28, "num_attention_heads": 12, "num_key_value_heads": 2,
#   "vocab_size": 151936, "tie_word_embeddings": true, "max_position_embeddings": 32768,
#   "rope_theta": 1000000.0, "rms_norm_eps": 1e-06, "use_sliding_window": false, "hidden_act": "silu"
# Qwen/Qwen2.5-Coder-7B: "model_type": "qwen2", "hidden_size": 3584, "intermediate_size": 18944,
#   "num_hidden_layers": 28, "num_attention_heads": 28, "num_key_value_heads": 4,
#   "vocab_size": 152064, "tie_word_embeddings": false, "max_position_embeddings": 32768,
#   "rope_theta": 1000000.0, "rms_norm_eps": 1e-06, "use_sliding_window": false, "hidden_act": "silu"
MODELS: dict[str, dict] = {
    "StarCoderBase-1B": {
        "family": "gpt_bigcode",
        "config": dict(n_layer=24, n_embd=2048, n_head=16, multi_query=True, n_inner=8192,
                       vocab_size=49152, n_positions=8192, activation_function="gelu_pytorch_tanh",
                       layer_norm_epsilon=1e-5, bos_token_id=0, eos_token_id=0),
        "smoke": dict(n_layer=2, n_embd=64, n_head=4, multi_query=True, n_inner=128, vocab_size=1024,
                      n_positions=256, activation_function="gelu_pytorch_tanh", bos_token_id=0,
                      eos_token_id=0),
        "big": False,
    },
    "Qwen2.5-Coder-1.5B": {
        "family": "qwen2",
        "config": dict(hidden_size=1536, intermediate_size=8960, num_hidden_layers=28,
                       num_attention_heads=12, num_key_value_heads=2, vocab_size=151936,
                       tie_word_embeddings=True, max_position_embeddings=32768, rope_theta=1000000.0,
                       rms_norm_eps=1e-6, use_sliding_window=False, hidden_act="silu",
                       bos_token_id=151643, eos_token_id=151643),
        "smoke": dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                      num_key_value_heads=2, vocab_size=1024, tie_word_embeddings=True,
                      max_position_embeddings=256, use_sliding_window=False, bos_token_id=0,
                      eos_token_id=0),
        "big": False,
    },
    "Qwen2.5-Coder-7B": {
        "family": "qwen2",
        "config": dict(hidden_size=3584, intermediate_size=18944, num_hidden_layers=28,
                       num_attention_heads=28, num_key_value_heads=4, vocab_size=152064,
                       tie_word_embeddings=False, max_position_embeddings=32768, rope_theta=1000000.0,
                       rms_norm_eps=1e-6, use_sliding_window=False, hidden_act="silu",
                       bos_token_id=151643, eos_token_id=151643),
        "smoke": dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                      num_key_value_heads=2, vocab_size=1024, tie_word_embeddings=False,
                      max_position_embeddings=256, use_sliding_window=False, bos_token_id=0,
                      eos_token_id=0),
        "big": True,  # full fine-tuning needs an 80 GB-class card (bf16 weights+grads+AdamW ~ 61 GB)
    },
}
METHODS = ("lora", "full")
CONFIGS = ("ciport", "untuned")
BIG_FULL_MIN_GIB = 75.0  # an "80 GB" card reports ~79 GiB; 40/48 GB cards are skipped for 7B full FT

# Dense (no sparsity) bf16 tensor-core peaks, TFLOPS, from NVIDIA's data sheets; first match wins.
PEAK_BF16_TFLOPS: list[tuple[str, float]] = [
    (r"H100.*PCIe", 756.0),
    (r"H200", 989.0),
    (r"H100", 989.0),  # SXM
    (r"A100", 312.0),
    (r"L40S", 362.0),
    (r"\bL4\b", 121.0),
    (r"RTX 4090", 165.0),
]

# ciport's LoRA defaults (trainer/ciport_trainer/config.py LoraSettings); TARGET_MODULES is imported
# from the worker when it imports, else this copy of it is used.
LORA_R, LORA_ALPHA, LORA_DROPOUT = 16, 32, 0.05
TARGET_MODULES_FALLBACK = {
    "qwen2": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
    "gpt_bigcode": ["c_attn", "c_proj", "c_fc"],
}


def log(*parts) -> None:
    print(*parts, file=sys.stderr, flush=True)


def peak_tflops_for(name: str) -> float | None:
    for pattern, tflops in PEAK_BF16_TFLOPS:
        if re.search(pattern, name):
            return tflops
    return None


def worker_module():
    """ciport_trainer from this checkout (trainer/), or None when it (or TRL) does not import."""
    path = os.path.join(REPO, "trainer")
    if path not in sys.path:
        sys.path.insert(0, path)
    try:
        import trl  # noqa: F401

        from ciport_trainer import config as wconfig
        from ciport_trainer import train as wtrain
        return wconfig, wtrain
    except Exception as exc:  # noqa: BLE001 -- any import problem means: fall back
        log(f"[bench] worker/TRL not importable ({type(exc).__name__}: {exc}); using transformers.Trainer")
        return None


def target_modules(family: str, worker) -> list[str]:
    if worker is not None:
        return list(worker[0].target_modules_for(family))
    return TARGET_MODULES_FALLBACK[family]


def attention_for(config_name: str, on_cuda: bool) -> str:
    if config_name == "untuned":
        return "eager"
    if on_cuda and importlib.util.find_spec("flash_attn") is not None:
        try:
            from transformers.utils import is_flash_attn_2_available

            if is_flash_attn_2_available():
                return "flash_attention_2"
        except Exception:  # noqa: BLE001
            pass
    return "sdpa"


def build_model(spec: dict, shapes: dict, dtype, attn: str, device):
    import torch
    from transformers import AutoModelForCausalLM, GPTBigCodeConfig, Qwen2Config

    cls = {"gpt_bigcode": GPTBigCodeConfig, "qwen2": Qwen2Config}[spec["family"]]
    cfg = cls(**shapes)
    cfg.use_cache = False
    torch.manual_seed(0)
    with torch.device(device):  # initialise on the GPU: a 7B CPU init takes minutes
        model = AutoModelForCausalLM.from_config(cfg, dtype=dtype, attn_implementation=attn)
    return model


def flops_per_token(model, seq: int) -> tuple[int, float]:
    """(N, 6N + 12*L*H*S): N = weights of all nn.Linear layers (LM head included, embeddings not)."""
    import torch

    n = sum(m.weight.numel() for m in model.modules() if isinstance(m, torch.nn.Linear))
    cfg = model.config
    return n, 6.0 * n + 12.0 * cfg.num_hidden_layers * cfg.hidden_size * seq


def random_ids(n_rows: int, seq: int, vocab: int, device: str = "cpu"):
    import torch

    g = torch.Generator().manual_seed(1234)
    return torch.randint(0, vocab, (n_rows, seq), generator=g)


class _Rows:
    """A map-style dataset of full-length rows for transformers.Trainer."""

    def __init__(self, ids):
        self.ids = ids

    def __len__(self):
        return self.ids.shape[0]

    def __getitem__(self, i):
        import torch

        x = self.ids[i]
        return {"input_ids": x, "attention_mask": torch.ones_like(x), "labels": x.clone()}


def bench_tokenizer():
    """A 3-token tokenizer: SFTTrainer wants a processing class; the data is already token ids."""
    from tokenizers import Tokenizer, models
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.WordLevel({"<pad>": 0, "<eos>": 1, "<unk>": 2}, unk_token="<unk>"))
    return PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", eos_token="<eos>",
                                   unk_token="<unk>")


def step_timer(warmup: int, case_deadline: float, hard_deadline: float, sync):
    from transformers import TrainerCallback

    class StepTimer(TrainerCallback):
        def __init__(self):
            self.ends: list[float] = []

        def on_step_end(self, args, state, control, **kwargs):
            sync()
            now = time.perf_counter()
            self.ends.append(now)
            timed = len(self.ends) - warmup
            if now > hard_deadline or (timed >= 1 and now > case_deadline):
                control.should_training_stop = True
            return control

    return StepTimer()


def _supports(cls, name: str) -> bool:
    return name in inspect.signature(cls.__init__).parameters


def make_trainer(case: dict, model, ids, tmp: str, timer, worker, use_sft: bool):
    """The Trainer for a case. ciport + use_sft: the worker's SFTTrainer/_sft_config/_peft_config."""
    import torch
    from transformers import Trainer, TrainingArguments

    steps = case["max_steps"]
    batch = case["batch_size"]
    on_cuda = case["device"] == "cuda"
    if case["config"] == "untuned":
        if case["method"] == "lora":
            from peft import LoraConfig, get_peft_model

            model = get_peft_model(model, LoraConfig(
                r=LORA_R, lora_alpha=LORA_ALPHA, lora_dropout=LORA_DROPOUT,
                target_modules=case["target_modules"], bias="none", task_type="CAUSAL_LM"))
        # Default TrainingArguments apart from what a benchmark must set (steps, batch, no output).
        args = TrainingArguments(output_dir=tmp, max_steps=steps, per_device_train_batch_size=batch,
                                 report_to="none", save_strategy="no", disable_tqdm=True,
                                 use_cpu=not on_cuda)
        trainer = Trainer(model=model, args=args, train_dataset=_Rows(ids), callbacks=[timer])
        return trainer, "transformers.Trainer (default TrainingArguments)"

    if use_sft:
        from datasets import Dataset
        from trl import SFTTrainer

        wconfig, wtrain = worker
        run = wconfig.RunConfig(
            base_model="bench", dataset=wconfig.DatasetConfig(train="-"), output_dir=tmp,
            adapter=case["method"], max_seq_length=case["seq"], packing=False,
            assistant_only_loss=False, max_steps=steps, batch_size=batch,
            gradient_checkpointing=case["grad_ckpt"], precision="bf16" if on_cuda else "fp32",
            save_steps=1_000_000, logging_steps=1,
        )
        args = wtrain._sft_config(run, tmp, False)
        # The worker checkpoints; a benchmark must not (transformers saves at the last step too, and
        # a 7B save is ~15 GB of disk time).
        from transformers.trainer_utils import SaveStrategy

        args.save_strategy = SaveStrategy.NO
        if not on_cuda:
            args.use_cpu = True
        peft_config = wtrain._peft_config(run, model.config.model_type)
        trainer = SFTTrainer(model=model, args=args,
                             train_dataset=Dataset.from_dict({"input_ids": ids.tolist()}),
                             processing_class=bench_tokenizer(), peft_config=peft_config,
                             callbacks=[timer])
        return trainer, "trl.SFTTrainer (ciport_trainer.train._sft_config / _peft_config)"

    # Fallback: the worker's settings mirrored on a transformers.Trainer.
    if case["method"] == "lora":
        from peft import LoraConfig, get_peft_model

        model = get_peft_model(model, LoraConfig(
            r=LORA_R, lora_alpha=LORA_ALPHA, lora_dropout=LORA_DROPOUT,
            target_modules=case["target_modules"], bias="none", task_type="CAUSAL_LM"))
    kw = dict(output_dir=tmp, max_steps=steps, per_device_train_batch_size=batch, report_to="none",
              save_strategy="no", disable_tqdm=True, bf16=on_cuda and torch.cuda.is_bf16_supported(),
              lr_scheduler_type="cosine", learning_rate=2e-4, logging_steps=1,
              use_cpu=not on_cuda)
    if case["grad_ckpt"]:
        key = "activation_checkpointing" if _supports(TrainingArguments, "activation_checkpointing") \
            else "gradient_checkpointing"
        kw[key] = True
        kw[key + "_kwargs"] = {"use_reentrant": False}
    trainer = Trainer(model=model, args=TrainingArguments(**kw), train_dataset=_Rows(ids),
                      callbacks=[timer])
    return trainer, "transformers.Trainer (ciport settings mirrored, --trainer hf or TRL/worker not importable)"


def _drop_printer(trainer) -> None:
    with contextlib.suppress(Exception):
        from transformers.trainer_callback import PrinterCallback, ProgressCallback

        trainer.remove_callback(PrinterCallback)
        trainer.remove_callback(ProgressCallback)


def run_case(case: dict, spec: dict, shapes: dict, worker, use_sft: bool, case_deadline: float,
             hard_deadline: float) -> dict:
    import torch

    on_cuda = case["device"] == "cuda"
    sync = torch.cuda.synchronize if on_cuda else (lambda: None)
    dtype = torch.bfloat16 if (case["config"] == "ciport" and on_cuda) else torch.float32
    model = build_model(spec, shapes, dtype, case["attn"], case["device"])
    n_matmul, fpt = flops_per_token(model, case["seq"])
    n_total = sum(p.numel() for p in model.parameters())
    vocab = model.config.vocab_size
    ids = random_ids(case["batch_size"] * case["max_steps"], case["seq"], vocab)
    timer = step_timer(case["warmup"], case_deadline, hard_deadline, sync)
    with tempfile.TemporaryDirectory(prefix="ciport-bench-") as tmp:
        trainer, impl = make_trainer(case, model, ids, tmp, timer, worker, use_sft)
        _drop_printer(trainer)
        del model
        trainer.train()
        sync()
    ends = timer.ends
    timed = len(ends) - case["warmup"]
    out = {"trainer": impl, "n_params": n_total, "n_matmul_params": n_matmul,
           "flops_per_token": fpt, "steps_run": len(ends), "steps_timed": max(timed, 0)}
    if timed < 1:
        out.update(status="error: no timed step (deadline reached during warm-up)")
        return out
    span = ends[-1] - ends[case["warmup"] - 1] if case["warmup"] >= 1 else None
    if span is None or span <= 0:
        out.update(status="error: no timing span")
        return out
    tokens = timed * case["batch_size"] * case["seq"]
    out.update(status="ok", tokens_per_s=tokens / span, step_time_s=span / timed)
    del trainer
    return out


def _free_memory() -> None:
    import torch

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
        torch.cuda.empty_cache()


def peak_memory_gib(on_cuda: bool) -> float:
    import torch

    if on_cuda:
        return torch.cuda.max_memory_allocated() / 2**30
    # CPU smoke: the process's peak RSS (kilobytes on Linux), not per case
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def config_label(case: dict) -> str:
    if case["config"] == "untuned":
        return "untuned (fp32, eager)"
    dtype = "bf16" if case["device"] == "cuda" else "fp32"
    attn = {"flash_attention_2": "FA2", "sdpa": "SDPA"}.get(case["attn"], case["attn"])
    ckpt = ", grad-ckpt" if case["grad_ckpt"] else ""
    return f"ciport ({dtype}, {attn}{ckpt})"


def fmt(value, digits: int) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return f"{value:,.{digits}f}"


def markdown(result: dict) -> str:
    lines = []
    head = "SMOKE TEST on CPU (tiny shapes; not a measurement)" if result["smoke"] else "GPU benchmark"
    lines.append(f"**{head}** — {result['date']} — {result['device']}"
                 f" ({fmt(result.get('device_memory_gib'), 0)} GiB), peak {fmt(result.get('peak_tflops'), 0)}"
                 f" bf16 TFLOPS ({result['peak_source']}); seq {result['seq_len']}, batch"
                 f" {result['batch_size']}; torch {result['versions'].get('torch')}, transformers"
                 f" {result['versions'].get('transformers')}")
    lines.append("")
    lines.append("| model | method | config | tokens/s | MFU % | peak memory GiB | status |")
    lines.append("| --- | --- | --- | ---: | ---: | ---: | --- |")
    for r in result["rows"]:
        lines.append(f"| {r['model']} | {r['method']} | {r['config_label']} | {fmt(r.get('tokens_per_s'), 0)}"
                     f" | {fmt(r.get('mfu_pct'), 1)} | {fmt(r.get('peak_mem_gib'), 1)} | {r['status']} |")
    lines.append("")
    lines.append(f"MFU = {result['mfu_formula']}. Step: {result['step_note']}")
    return "\n".join(lines) + "\n"


def write_outputs(result: dict, out: str | None, md: str | None) -> None:
    for path, text in ((out, lambda: json.dumps(result, indent=2)), (md, lambda: markdown(result))):
        if not path:
            continue
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text())
        os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--smoke", action="store_true", help="CPU, tiny shapes, seq 128, 3 steps")
    ap.add_argument("--out", help="write the results as JSON here")
    ap.add_argument("--md", help="write the Markdown table here too")
    ap.add_argument("--seq", type=int, default=None, help="sequence length (2048; smoke 128)")
    ap.add_argument("--batch-size", type=int, default=1, help="sequences per step (ciport default 1)")
    ap.add_argument("--warmup", type=int, default=None, help="warm-up steps per case (3; smoke 1)")
    ap.add_argument("--steps", type=int, default=None, help="max timed steps per case (10; smoke 2)")
    ap.add_argument("--deadline-s", type=float, default=500.0,
                    help="overall wall-clock budget; later cases get what is left")
    ap.add_argument("--peak-tflops", type=float, default=None, help="override the bf16 peak")
    ap.add_argument("--models", default=",".join(MODELS), help="comma-separated subset")
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--configs", default=",".join(CONFIGS))
    ap.add_argument("--trainer", choices=("auto", "sft", "hf"), default="auto",
                    help="ciport step: the worker's SFTTrainer (sft), a mirrored Trainer (hf)")
    a = ap.parse_args(argv)

    started = time.perf_counter()
    hard_deadline = started + a.deadline_s
    import torch
    import transformers

    on_cuda = torch.cuda.is_available() and not a.smoke
    if not on_cuda and not a.smoke:
        log("[bench] no CUDA device; run with --smoke for the CPU smoke test")
        return 2
    seq = a.seq or (128 if a.smoke else 2048)
    warmup = a.warmup if a.warmup is not None else (1 if a.smoke else 3)
    steps = a.steps if a.steps is not None else (2 if a.smoke else 10)
    if warmup < 1 or steps < 1:
        ap.error("--warmup and --steps must be at least 1")
    if a.smoke:
        torch.set_num_threads(1)  # tiny shapes: threads only add contention

    worker = worker_module() if a.trainer in ("auto", "sft") else None
    if a.trainer == "sft" and worker is None:
        log("[bench] --trainer sft: the worker or TRL does not import")
        return 2
    use_sft = worker is not None

    if on_cuda:
        props = torch.cuda.get_device_properties(0)
        device_name, mem_gib = torch.cuda.get_device_name(0), props.total_memory / 2**30
        table_peak = peak_tflops_for(device_name)
    else:
        device_name, mem_gib, table_peak = "CPU (smoke test)", None, None
    peak = a.peak_tflops if a.peak_tflops is not None else table_peak
    peak_source = ("--peak-tflops" if a.peak_tflops is not None
                   else "table" if table_peak is not None else "unknown card: MFU not computed")

    versions = {"python": sys.version.split()[0], "torch": torch.__version__,
                "cuda": torch.version.cuda, "transformers": transformers.__version__}
    for mod in ("peft", "trl", "accelerate", "flash_attn"):
        with contextlib.suppress(Exception):
            versions[mod] = __import__(mod).__version__

    result = {
        "date": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "smoke": a.smoke, "device": device_name, "device_memory_gib": mem_gib,
        "peak_tflops": peak, "peak_source": peak_source, "seq_len": seq, "batch_size": a.batch_size,
        "warmup_steps": warmup, "max_timed_steps": steps, "deadline_s": a.deadline_s,
        "versions": versions,
        "peak_memory": ("torch.cuda.max_memory_allocated per case (GiB)" if on_cuda
                        else "process peak RSS (GiB), cumulative: CPU smoke test only"),
        "mfu_formula": "(6*N + 12*L*H*S) * tokens/s / (bf16 dense peak), N = linear-layer weights incl. "
                       "LM head (no embeddings, no LoRA), L layers, H hidden size, S sequence length",
        "step_note": ("ciport: trl.SFTTrainer built with the worker's _sft_config/_peft_config" if use_sft
                      else "ciport: transformers.Trainer with the worker's settings mirrored")
                     + "; untuned: transformers.Trainer, default TrainingArguments, fp32, eager attention. "
                     "Sequences are random full-length token ids (no padding, as packing gives).",
        "rows": [],
    }

    models = [m for m in a.models.split(",") if m]
    for m in models:
        if m not in MODELS:
            ap.error(f"--models: unknown model {m}; one of {', '.join(MODELS)}")
    cases = []
    for model_name in models:
        spec = MODELS[model_name]
        for method in [x for x in a.methods.split(",") if x]:
            for config_name in [x for x in a.configs.split(",") if x]:
                cases.append(dict(
                    model=model_name, family=spec["family"], method=method, config=config_name,
                    device="cuda" if on_cuda else "cpu", seq=seq, batch_size=a.batch_size,
                    warmup=warmup, max_steps=warmup + steps, attn=attention_for(config_name, on_cuda),
                    # ciport turns on gradient checkpointing only where it is needed to fit: 7B full FT
                    grad_ckpt=(config_name == "ciport" and method == "full" and spec["big"]),
                    target_modules=target_modules(spec["family"], worker),
                ))

    status_ok = True
    for i, case in enumerate(cases):
        spec = MODELS[case["model"]]
        shapes = spec["smoke"] if a.smoke else spec["config"]
        row = {k: case[k] for k in ("model", "family", "method", "config", "attn", "grad_ckpt",
                                     "seq", "batch_size")}
        row["dtype"] = "bf16" if (case["config"] == "ciport" and on_cuda) else "fp32"
        row["config_label"] = config_label(case)
        row["target_modules"] = case["target_modules"] if case["method"] == "lora" else None
        now = time.perf_counter()
        left = hard_deadline - now
        min_case = 0.0 if a.smoke else 20.0
        if on_cuda and spec["big"] and case["method"] == "full" and mem_gib < BIG_FULL_MIN_GIB:
            row["status"] = (f"skipped: 7B full fine-tuning needs an 80 GB-class card; this one has "
                             f"{mem_gib:.0f} GiB")
        elif left < min_case:
            row["status"] = "skipped: out of time (overall deadline)"
        else:
            share = left / (len(cases) - i)
            log(f"[bench] {case['model']} {case['method']} {row['config_label']}: budget {share:.0f}s")
            _free_memory()
            if on_cuda:
                torch.cuda.reset_peak_memory_stats()
            t0 = time.perf_counter()
            oom = False
            error = None
            got = None
            try:
                got = run_case(case, spec, shapes, worker, use_sft, now + share, hard_deadline)
            except torch.OutOfMemoryError:
                oom = True
            except Exception as exc:  # noqa: BLE001 -- one broken case must not end the run
                error = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
                log(traceback.format_exc())
            row["peak_mem_gib"] = peak_memory_gib(on_cuda)
            row["case_wall_s"] = time.perf_counter() - t0
            if oom:
                row["status"] = "OOM"
            elif error is not None:
                row["status"] = "error: " + error[:160]
                status_ok = False
            else:
                row.update(got)
                tps = row.get("tokens_per_s")
                if tps is not None and peak:
                    row["mfu_pct"] = 100.0 * row["flops_per_token"] * tps / (peak * 1e12)
                if row["status"] == "ok" and row["steps_timed"] < steps:
                    row["status"] = f"ok ({row['steps_timed']} timed steps, case budget)"
            got = None
            _free_memory()
            if on_cuda:
                row["mem_after_gib"] = torch.cuda.memory_allocated() / 2**30
        row.setdefault("tokens_per_s", None)
        row.setdefault("mfu_pct", None)
        row.setdefault("peak_mem_gib", None)
        result["rows"].append(row)
        log(f"[bench] -> {row['status']} tokens/s={fmt(row['tokens_per_s'], 0)}"
            f" peak={fmt(row['peak_mem_gib'], 2)} GiB")
        write_outputs(result, a.out, a.md)  # after every case: a killed run keeps what it measured

    result["wall_s"] = time.perf_counter() - started
    write_outputs(result, a.out, a.md)
    print(markdown(result), flush=True)
    return 0 if status_ok else 1


if __name__ == "__main__":
    sys.exit(main())
