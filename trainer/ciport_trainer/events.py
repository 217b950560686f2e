"""JSON-lines events on stdout, logs to a file, and the TrainerCallback that emits progress.

stdout carries ONLY events: `claim_stdout()` moves the real stdout to a private descriptor for the
emitter and points fd 1 (where libraries print) at stderr, then at the run's log file once the run
directory is known.
"""

from __future__ import annotations

import json
import logging
import math
import os
import resource
import sys
import threading
import time
from typing import IO, Any

LOG_NAME = "worker.log"
log = logging.getLogger("ciport_trainer")


def _clean(value: Any) -> Any:
    """JSON has no NaN/Infinity; the Swift decoder would reject them."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


class Emitter:
    """Writes one JSON object per line: {"event": NAME, "time": UNIX_SECONDS, ...fields}."""

    def __init__(self, stream: IO[str], *, enabled: bool = True):
        self.stream = stream
        self.enabled = enabled
        self._lock = threading.Lock()

    def emit(self, event: str, **fields: Any) -> dict[str, Any]:
        record = {"event": event, "time": round(time.time(), 3), **_clean(fields)}
        if self.enabled:
            line = json.dumps(record, separators=(",", ":"), default=str)
            with self._lock:
                self.stream.write(line + "\n")
                self.stream.flush()
        return record


class ListEmitter(Emitter):
    """Keeps events in memory (tests and in-process callers)."""

    def __init__(self) -> None:
        super().__init__(stream=open(os.devnull, "w"))
        self.events: list[dict[str, Any]] = []

    def emit(self, event: str, **fields: Any) -> dict[str, Any]:
        record = super().emit(event, **fields)
        self.events.append(record)
        return record

    def of(self, event: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["event"] == event]


def claim_stdout() -> Emitter:
    """Reserves the process's stdout for events; anything else printed goes to stderr for now."""
    sys.stdout.flush()
    events_fd = os.dup(1)
    os.dup2(2, 1)
    stream = os.fdopen(events_fd, "w", buffering=1, encoding="utf-8")
    return Emitter(stream, enabled=is_main_process())


def redirect_logs(run_dir: str) -> str:
    """Sends fd 1, fd 2 and Python logging to RUN_DIR/worker.log; returns its path."""
    os.makedirs(run_dir, exist_ok=True)
    path = os.path.join(run_dir, LOG_NAME)
    sys.stdout.flush()
    sys.stderr.flush()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
        force=True,
    )
    return path


def is_main_process() -> bool:
    """Rank 0 under accelerate/torchrun (RANK is set by the launcher), or a single process."""
    return os.environ.get("RANK", "0") == "0"


def peak_memory_bytes() -> int:
    """Accelerator peak if there is one, else the process's peak resident set size."""
    try:
        import torch

        if torch.cuda.is_available() and torch.cuda.is_initialized():
            return int(torch.cuda.max_memory_allocated())
    except Exception:  # pragma: no cover - reporting must never fail a run
        pass
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024


def __getattr__(name: str):
    # EventCallback subclasses transformers' TrainerCallback; defining it on first use keeps
    # `import ciport_trainer.events` (and so a config error) free of the torch/transformers import.
    if name == "EventCallback":
        cls = _define_event_callback()
        globals()[name] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _define_event_callback():
    from transformers import TrainerCallback

    class EventCallback(_EventCallbackMixin, TrainerCallback):
        """Turns Trainer callbacks into events: start, step, eval, checkpoint."""

    return EventCallback


class _EventCallbackMixin:

    def __init__(self, emitter: Emitter, start_fields: dict[str, Any]):
        self.emitter = emitter
        self.start_fields = start_fields
        self._last_time: float | None = None
        self._last_tokens: float = 0.0

    def on_train_begin(self, args, state, control, **kwargs):
        if state.is_world_process_zero:
            self.emitter.emit(
                "start",
                max_steps=state.max_steps,
                epochs=args.num_train_epochs,
                resumed_from_step=state.global_step,
                **self.start_fields,
            )
        self._last_time = time.perf_counter()
        self._last_tokens = float(getattr(state, "num_input_tokens_seen", 0) or 0)

    def on_log(self, args, state, control, logs=None, **kwargs):
        if not state.is_world_process_zero or not logs:
            return
        if "loss" in logs:
            now = time.perf_counter()
            tokens = float(getattr(state, "num_input_tokens_seen", 0) or 0)
            elapsed = now - (self._last_time or now)
            tokens_per_s = (tokens - self._last_tokens) / elapsed if elapsed > 0 and tokens else None
            self._last_time, self._last_tokens = now, tokens
            self.emitter.emit(
                "step",
                step=state.global_step,
                max_steps=state.max_steps,
                loss=float(logs["loss"]),
                learning_rate=float(logs.get("learning_rate", 0.0)),
                grad_norm=_maybe_float(logs.get("grad_norm")),
                tokens_per_s=None if tokens_per_s is None else round(tokens_per_s, 1),
                tokens_seen=int(tokens),
                peak_mem_bytes=peak_memory_bytes(),
                epoch=_maybe_float(state.epoch),
            )
        metrics = {k[len("eval_"):]: v for k, v in logs.items() if k.startswith("eval_")}
        if metrics:
            self.emitter.emit(
                "eval",
                step=state.global_step,
                loss=_maybe_float(metrics.pop("loss", None)),
                epoch=_maybe_float(state.epoch),
                metrics={k: v for k, v in metrics.items() if isinstance(v, (int, float))},
            )

    def on_save(self, args, state, control, **kwargs):
        if state.is_world_process_zero:
            path = os.path.join(args.output_dir, f"checkpoint-{state.global_step}")
            mark_checkpoint_complete(path)
            self.emitter.emit("checkpoint", path=os.path.abspath(path), step=state.global_step)


COMPLETE_MARKER = ".ciport-complete"


def mark_checkpoint_complete(path: str) -> None:
    """Trainer calls on_save only after every file of the checkpoint is written."""
    if os.path.isdir(path):
        with open(os.path.join(path, COMPLETE_MARKER), "w") as fh:
            fh.write("ok\n")


def _maybe_float(value: Any) -> float | None:
    return None if value is None else float(value)
