"""Fine-tuning: TRL's SFTTrainer with a PEFT LoRA adapter (or full fine-tuning), one code path for tiny
and real models, unchanged under `accelerate launch`.

Run directory (= output_dir): base/ (tiny model), checkpoint-N/ (Trainer checkpoints), adapter/ (the
result), worker.log, done.json (written once, atomically, when the run has finished).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import time
from dataclasses import dataclass
from typing import Any

from .config import RunConfig, target_modules_for
from .data import read_chat_jsonl
from .errors import OOM_ADVICE, ConfigError, OutOfMemory, is_out_of_memory
from .events import COMPLETE_MARKER, Emitter, EventCallback, is_main_process
from .model import ADAPTER_DIR, base_model_path, check_precision, load_model, load_tokenizer

DONE_MARKER = "done.json"
_CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")


@dataclass
class StopRequest:
    """Set by SIGINT/SIGTERM; the trainer saves a checkpoint at the end of the current step and stops."""

    requested: bool = False
    signal_name: str | None = None

    def install(self) -> dict[int, Any]:
        previous = {}
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, self._handle)
        return previous

    def _handle(self, signum, frame) -> None:
        if self.requested:  # a second Ctrl-C while saving: give up at once
            raise KeyboardInterrupt
        self.requested = True
        self.signal_name = signal.Signals(signum).name


class Interrupted(Exception):
    """Training stopped on request after saving a resumable checkpoint."""

    def __init__(self, step: int, checkpoint: str | None):
        super().__init__(f"interrupted at step {step}")
        self.step = step
        self.checkpoint = checkpoint


def _stop_callback(stop: StopRequest):
    from transformers import TrainerCallback

    class StopOnRequest(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            if stop.requested:
                control.should_save = True
                control.should_training_stop = True
            return control

    return StopOnRequest()


def checkpoints(run_dir: str) -> list[tuple[int, str]]:
    """(step, path) of every checkpoint dir, complete or not, sorted by step."""
    if not os.path.isdir(run_dir):
        return []
    found = []
    for name in os.listdir(run_dir):
        m = _CHECKPOINT.match(name)
        if m and os.path.isdir(os.path.join(run_dir, name)):
            found.append((int(m.group(1)), os.path.join(run_dir, name)))
    return sorted(found)


def latest_complete_checkpoint(run_dir: str) -> str | None:
    """The newest checkpoint whose save finished; a kill -9 mid-save leaves one that is skipped."""
    complete = [p for _, p in checkpoints(run_dir) if os.path.exists(os.path.join(p, COMPLETE_MARKER))]
    return complete[-1] if complete else None


def read_done(run_dir: str) -> dict | None:
    path = os.path.join(run_dir, DONE_MARKER)
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def _write_done(run_dir: str, record: dict) -> None:
    """Atomic and exclusive: a run is marked finished exactly once."""
    path = os.path.join(run_dir, DONE_MARKER)
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(record, fh, indent=2)
        fh.flush()
        os.fsync(fh.fileno())
    try:
        os.link(tmp, path)  # fails if a done marker already exists
    finally:
        os.unlink(tmp)


def _resolve_resume(cfg: RunConfig, run_dir: str) -> str | None:
    if cfg.resume_from is None:
        if checkpoints(run_dir):
            raise ConfigError(
                f"output_dir: {run_dir} already holds checkpoints; set resume_from to \"latest\" "
                "to continue that run, or use a new output_dir",
                field="output_dir",
            )
        return None
    if cfg.resume_from == "latest":
        latest = latest_complete_checkpoint(run_dir)
        if latest is not None and is_main_process():
            # Half-written checkpoints newer than the one resumed from would confuse later resumes.
            step = int(_CHECKPOINT.match(os.path.basename(latest)).group(1))
            for s, path in checkpoints(run_dir):
                if s > step:
                    shutil.rmtree(path, ignore_errors=True)
        return latest
    path = os.path.abspath(cfg.resume_from)
    if not os.path.isdir(path) or not os.path.exists(os.path.join(path, "trainer_state.json")):
        raise ConfigError(f"resume_from: {cfg.resume_from} is not a checkpoint directory",
                          field="resume_from")
    return path


def _sft_config(cfg: RunConfig, run_dir: str, has_eval: bool):
    import torch
    from trl import SFTConfig

    precision = cfg.precision
    if precision == "auto":
        precision = "fp32"
        if torch.cuda.is_available():
            precision = "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    early = cfg.early_stopping_patience is not None
    return SFTConfig(
        output_dir=run_dir,
        max_length=cfg.max_seq_length,
        packing=cfg.packing,
        assistant_only_loss=cfg.assistant_only_loss,
        num_train_epochs=cfg.epochs,
        max_steps=cfg.max_steps if cfg.max_steps is not None else -1,
        learning_rate=cfg.learning_rate,
        lr_scheduler_type=cfg.lr_scheduler,
        # transformers 5 takes a ratio as a float in [0, 1) through warmup_steps
        warmup_steps=cfg.warmup_ratio if cfg.warmup_ratio > 0 else cfg.warmup_steps,
        per_device_train_batch_size=cfg.batch_size,
        per_device_eval_batch_size=cfg.eval_batch_size or cfg.batch_size,
        gradient_accumulation_steps=cfg.gradient_accumulation_steps,
        activation_checkpointing=cfg.gradient_checkpointing,
        activation_checkpointing_kwargs={"use_reentrant": False} if cfg.gradient_checkpointing else None,
        bf16=precision == "bf16",
        fp16=precision == "fp16",
        seed=cfg.seed,
        logging_steps=cfg.logging_steps,
        logging_first_step=True,
        eval_strategy="steps" if has_eval and cfg.eval_steps else "no",
        eval_steps=cfg.eval_steps,
        save_strategy="steps",
        save_steps=cfg.save_steps,
        save_total_limit=cfg.save_total_limit,
        load_best_model_at_end=early,
        metric_for_best_model="eval_loss" if early else None,
        greater_is_better=False if early else None,
        include_num_input_tokens_seen=True,
        report_to="none",
        disable_tqdm=True,
        dataloader_num_workers=0,
        dataloader_pin_memory=torch.cuda.is_available(),
    )


def _peft_config(cfg: RunConfig, model_type: str):
    if cfg.adapter == "full":
        return None
    from peft import LoraConfig

    targets = cfg.lora.target_modules
    if targets == "auto":
        targets = target_modules_for(model_type)
    return LoraConfig(
        r=cfg.lora.r,
        lora_alpha=cfg.lora.alpha,
        lora_dropout=cfg.lora.dropout,
        target_modules=targets,
        bias="none",
        task_type="CAUSAL_LM",
    )


def _final_eval_loss(trainer) -> float | None:
    """The eval loss at the last step: logged already when eval_steps divides it, else computed now
    (by every process: evaluation is distributed)."""
    step = trainer.state.global_step
    for entry in reversed(trainer.state.log_history):
        if "eval_loss" in entry and entry.get("step") == step:
            return entry["eval_loss"]
    return trainer.evaluate().get("eval_loss")


@dataclass
class TrainResult:
    record: dict  # the `done` event's fields, also saved in done.json
    trainer: Any = None  # the SFTTrainer, in memory (None when the run had finished before)


def train(cfg: RunConfig, emitter: Emitter, stop: StopRequest | None = None) -> TrainResult:
    """Runs (or resumes) the configured training.

    Raises WorkerError subclasses for bad input, Interrupted after a requested stop.
    """
    run_dir = os.path.abspath(cfg.output_dir)
    finished = read_done(run_dir)
    if finished is not None:
        return TrainResult({**finished, "already_finished": True})

    check_precision(cfg.precision)
    train_records = read_chat_jsonl(cfg.dataset.train, field="dataset.train")
    eval_records = (read_chat_jsonl(cfg.dataset.eval, field="dataset.eval")
                    if cfg.dataset.eval else None)
    os.makedirs(run_dir, exist_ok=True)
    resume = _resolve_resume(cfg, run_dir)

    from datasets import Dataset
    from trl import SFTTrainer

    model_path = base_model_path(cfg, train_records)
    tokenizer = load_tokenizer(model_path)
    model = load_model(model_path, cfg, for_training=True)
    peft_config = _peft_config(cfg, model.config.model_type)

    callbacks: list = []
    start_fields = {
        "run_dir": run_dir,
        "base_model": cfg.base_model,
        "model_path": model_path,
        "model_type": model.config.model_type,
        "adapter": cfg.adapter,
        "target_modules": None if peft_config is None else sorted(peft_config.target_modules),
        "train_records": len(train_records),
        "eval_records": len(eval_records) if eval_records else 0,
        "resume_from": resume,
    }
    callbacks.append(EventCallback(emitter, start_fields))
    if stop is not None:
        callbacks.append(_stop_callback(stop))
    if cfg.early_stopping_patience is not None:
        from transformers import EarlyStoppingCallback

        callbacks.append(EarlyStoppingCallback(early_stopping_patience=cfg.early_stopping_patience))

    trainer = SFTTrainer(
        model=model,
        args=_sft_config(cfg, run_dir, eval_records is not None),
        train_dataset=Dataset.from_list(train_records),
        eval_dataset=Dataset.from_list(eval_records) if eval_records else None,
        processing_class=tokenizer,
        peft_config=peft_config,
        callbacks=callbacks,
    )

    started = time.monotonic()
    try:
        result = trainer.train(resume_from_checkpoint=resume)
    except Exception as exc:
        if is_out_of_memory(exc):
            raise OutOfMemory(f"out of memory during training: {OOM_ADVICE}") from exc
        raise
    step = trainer.state.global_step

    if stop is not None and stop.requested:
        ckpt = os.path.join(run_dir, f"checkpoint-{step}")
        raise Interrupted(step, ckpt if os.path.isdir(ckpt) else latest_complete_checkpoint(run_dir))

    adapter_path = os.path.join(run_dir, ADAPTER_DIR)
    record: dict = {
        "adapter_path": adapter_path,
        "adapter": cfg.adapter,
        "steps": step,
        "epoch": trainer.state.epoch,
        "train_loss": result.training_loss,
        "runtime_s": round(time.monotonic() - started, 3),
        "resumed_from": resume,
        "run_dir": run_dir,
    }
    if trainer.is_world_process_zero():
        tmp = adapter_path + ".tmp"
        shutil.rmtree(tmp, ignore_errors=True)
    trainer.save_model(adapter_path + ".tmp")
    if eval_records is not None:
        record["eval_loss"] = _final_eval_loss(trainer)
    if trainer.is_world_process_zero():
        tokenizer.save_pretrained(adapter_path + ".tmp")
        shutil.rmtree(adapter_path, ignore_errors=True)
        os.replace(adapter_path + ".tmp", adapter_path)
        _write_done(run_dir, record)
    return TrainResult(record, trainer)
