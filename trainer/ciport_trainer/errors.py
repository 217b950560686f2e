"""Errors the worker reports as `error` events, each with its exit code."""

from __future__ import annotations


class WorkerError(Exception):
    """An error a person can act on; `kind` and `exit_code` are part of the protocol."""

    kind = "internal"
    exit_code = 1

    def __init__(self, message: str, *, field: str | None = None, path: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.path = path

    def event_fields(self) -> dict:
        fields: dict = {"message": self.message, "kind": self.kind}
        if self.field is not None:
            fields["field"] = self.field
        if self.path is not None:
            fields["path"] = self.path
        return fields


class ConfigError(WorkerError):
    kind = "config"
    exit_code = 2


class DataError(WorkerError):
    kind = "data"
    exit_code = 3


class ModelLoadError(WorkerError):
    kind = "model"
    exit_code = 4


class OutOfMemory(WorkerError):
    kind = "oom"
    exit_code = 5


OOM_ADVICE = (
    "lower batch_size (raise gradient_accumulation_steps to keep the effective batch), "
    "lower max_seq_length, enable gradient_checkpointing, or use adapter: qlora"
)

EXIT_INTERRUPTED = 130


def is_out_of_memory(exc: BaseException) -> bool:
    """True for CUDA/accelerator OOM, Python MemoryError, and allocator failures torch raises as RuntimeError."""
    if isinstance(exc, MemoryError):
        return True
    try:
        import torch

        if isinstance(exc, torch.cuda.OutOfMemoryError):
            return True
        oom_type = getattr(torch, "OutOfMemoryError", None)
        if oom_type is not None and isinstance(exc, oom_type):
            return True
    except ImportError:  # pragma: no cover - torch is a hard dependency
        pass
    text = str(exc).lower()
    return isinstance(exc, RuntimeError) and (
        "out of memory" in text or "can't allocate memory" in text
    )
