"""The resolved run config the Swift side writes (JSON), and its validation.

Every problem is a ConfigError naming the field (dotted for nested keys, e.g. `lora.r`).
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass, field
from typing import Any

from .errors import ConfigError

ADAPTERS = ("lora", "qlora", "full")
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
SCHEDULERS = (
    "linear",
    "cosine",
    "cosine_with_restarts",
    "polynomial",
    "constant",
    "constant_with_warmup",
    "inverse_sqrt",
)
TINY_FAMILIES = ("llama", "gpt_bigcode", "qwen2")

# LoRA target modules per model family (model.config.model_type). Unknown families fall back to
# PEFT's "all-linear".
TARGET_MODULES: dict[str, list[str]] = {
    "llama": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
    "qwen2": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
    "qwen3": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
    "mistral": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
    "gemma": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
    "gpt_bigcode": ["c_attn", "c_proj", "c_fc"],
    "gpt2": ["c_attn", "c_proj", "c_fc"],
    "starcoder2": ["q_proj", "k_proj", "v_proj", "o_proj", "c_fc", "c_proj"],
}


def target_modules_for(model_type: str) -> list[str] | str:
    return TARGET_MODULES.get(model_type, "all-linear")


@dataclass(frozen=True)
class DatasetConfig:
    train: str
    eval: str | None = None


@dataclass(frozen=True)
class LoraSettings:
    r: int = 16
    alpha: int = 32
    dropout: float = 0.05
    target_modules: str | list[str] = "auto"


@dataclass(frozen=True)
class RunConfig:
    base_model: str
    dataset: DatasetConfig
    output_dir: str
    adapter: str = "lora"
    lora: LoraSettings = field(default_factory=LoraSettings)
    max_seq_length: int = 2048
    packing: bool = False
    assistant_only_loss: bool = True
    epochs: float = 1.0
    max_steps: int | None = None
    learning_rate: float = 2e-4
    lr_scheduler: str = "cosine"
    warmup_ratio: float = 0.0
    warmup_steps: int = 0
    batch_size: int = 1
    eval_batch_size: int | None = None
    gradient_accumulation_steps: int = 1
    gradient_checkpointing: bool = False
    precision: str = "auto"
    seed: int = 42
    logging_steps: int = 1
    eval_steps: int | None = None
    save_steps: int = 500
    save_total_limit: int | None = None
    early_stopping_patience: int | None = None
    resume_from: str | None = None

    @property
    def tiny_family(self) -> str | None:
        """`tiny` → llama, `tiny:FAMILY` → FAMILY; None for a real model."""
        if self.base_model == "tiny":
            return "llama"
        if self.base_model.startswith("tiny:"):
            return self.base_model.split(":", 1)[1]
        return None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# key → (allowed types, required). bool is checked apart from int because bool is an int in Python.
_TOP_KEYS = {
    "base_model", "dataset", "output_dir", "adapter", "lora", "max_seq_length", "packing",
    "assistant_only_loss", "epochs", "max_steps", "learning_rate", "lr_scheduler", "warmup_ratio",
    "warmup_steps", "batch_size", "eval_batch_size", "gradient_accumulation_steps",
    "gradient_checkpointing", "precision", "seed", "logging_steps", "eval_steps", "save_steps",
    "save_total_limit", "early_stopping_patience", "resume_from",
}
_DATASET_KEYS = {"train", "eval"}
_LORA_KEYS = {"r", "alpha", "dropout", "target_modules"}


def _type_name(value: Any) -> str:
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "array",
            dict: "object", type(None): "null"}.get(type(value), type(value).__name__)


class _Reader:
    def __init__(self, data: dict[str, Any], prefix: str = ""):
        self.data = data
        self.prefix = prefix

    def name(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def fail(self, key: str, message: str) -> ConfigError:
        return ConfigError(f"{self.name(key)}: {message}", field=self.name(key))

    def string(self, key: str, default: Any = ..., *, nullable: bool = False,
               choices: tuple[str, ...] | None = None) -> Any:
        value = self._get(key, default)
        if value is None and nullable:
            return None
        if not isinstance(value, str):
            raise self.fail(key, f"expected a string, got {_type_name(value)}")
        if not value.strip():
            raise self.fail(key, "must not be empty")
        if choices is not None and value not in choices:
            raise self.fail(key, f"must be one of {', '.join(choices)}; got '{value}'")
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self._get(key, default)
        if not isinstance(value, bool):
            raise self.fail(key, f"expected true or false, got {_type_name(value)}")
        return value

    def integer(self, key: str, default: Any = ..., *, minimum: int | None = None,
                nullable: bool = False) -> Any:
        value = self._get(key, default)
        if value is None and nullable:
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, f"expected an integer, got {_type_name(value)}")
        if minimum is not None and value < minimum:
            raise self.fail(key, f"must be at least {minimum}; got {value}")
        return value

    def number(self, key: str, default: Any = ..., *, minimum: float | None = None,
               maximum: float | None = None, exclusive_minimum: bool = False) -> float:
        value = self._get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(key, f"expected a number, got {_type_name(value)}")
        value = float(value)
        if not math.isfinite(value):
            raise self.fail(key, "must be a finite number")
        if minimum is not None:
            if exclusive_minimum and value <= minimum:
                raise self.fail(key, f"must be greater than {minimum:g}; got {value:g}")
            if not exclusive_minimum and value < minimum:
                raise self.fail(key, f"must be at least {minimum:g}; got {value:g}")
        if maximum is not None and value > maximum:
            raise self.fail(key, f"must be at most {maximum:g}; got {value:g}")
        return value

    def obj(self, key: str, allowed: set[str], required: bool) -> dict[str, Any]:
        value = self._get(key, ... if required else {})
        if not isinstance(value, dict):
            raise self.fail(key, f"expected an object, got {_type_name(value)}")
        check_unknown(value, allowed, f"{self.name(key)}.")
        return value

    def _get(self, key: str, default: Any) -> Any:
        if key in self.data:
            return self.data[key]
        if default is ...:
            raise self.fail(key, "is required")
        return default


def check_unknown(data: dict[str, Any], allowed: set[str], prefix: str = "") -> None:
    for key in data:
        if key not in allowed:
            raise ConfigError(f"{prefix}{key}: unknown key", field=f"{prefix}{key}")


def parse_config(data: Any) -> RunConfig:
    """Validates a decoded JSON object into a RunConfig; raises ConfigError naming the field."""
    if not isinstance(data, dict):
        raise ConfigError(f"the run config must be a JSON object, got {_type_name(data)}")
    check_unknown(data, _TOP_KEYS)
    top = _Reader(data)

    base_model = top.string("base_model")
    if base_model.startswith("tiny:") and base_model.split(":", 1)[1] not in TINY_FAMILIES:
        raise top.fail("base_model", f"unknown tiny family; use one of "
                       f"{', '.join('tiny:' + f for f in TINY_FAMILIES)}")

    ds = _Reader(top.obj("dataset", _DATASET_KEYS, required=True), "dataset.")
    dataset = DatasetConfig(train=ds.string("train"), eval=ds.string("eval", None, nullable=True))

    lo = _Reader(top.obj("lora", _LORA_KEYS, required=False), "lora.")
    targets = lo._get("target_modules", "auto")
    if isinstance(targets, str):
        if targets not in ("auto", "all-linear"):
            raise lo.fail("target_modules", "must be \"auto\", \"all-linear\" or a list of module names")
    elif isinstance(targets, list):
        if not targets or not all(isinstance(t, str) and t.strip() for t in targets):
            raise lo.fail("target_modules", "must be a non-empty list of module names")
    else:
        raise lo.fail("target_modules", f"expected \"auto\" or a list of strings, got {_type_name(targets)}")
    lora = LoraSettings(
        r=lo.integer("r", 16, minimum=1),
        alpha=lo.integer("alpha", 32, minimum=1),
        dropout=lo.number("dropout", 0.05, minimum=0.0, maximum=0.99),
        target_modules=targets,
    )

    cfg = RunConfig(
        base_model=base_model,
        dataset=dataset,
        output_dir=top.string("output_dir"),
        adapter=top.string("adapter", "lora", choices=ADAPTERS),
        lora=lora,
        max_seq_length=top.integer("max_seq_length", 2048, minimum=16),
        packing=top.boolean("packing", False),
        assistant_only_loss=top.boolean("assistant_only_loss", True),
        epochs=top.number("epochs", 1.0, minimum=0.0, exclusive_minimum=True),
        max_steps=top.integer("max_steps", None, minimum=1, nullable=True),
        learning_rate=top.number("learning_rate", 2e-4, minimum=0.0, maximum=1.0, exclusive_minimum=True),
        lr_scheduler=top.string("lr_scheduler", "cosine", choices=SCHEDULERS),
        warmup_ratio=top.number("warmup_ratio", 0.0, minimum=0.0, maximum=0.99),
        warmup_steps=top.integer("warmup_steps", 0, minimum=0),
        batch_size=top.integer("batch_size", 1, minimum=1),
        eval_batch_size=top.integer("eval_batch_size", None, minimum=1, nullable=True),
        gradient_accumulation_steps=top.integer("gradient_accumulation_steps", 1, minimum=1),
        gradient_checkpointing=top.boolean("gradient_checkpointing", False),
        precision=top.string("precision", "auto", choices=PRECISIONS),
        seed=top.integer("seed", 42, minimum=0),
        logging_steps=top.integer("logging_steps", 1, minimum=1),
        eval_steps=top.integer("eval_steps", None, minimum=1, nullable=True),
        save_steps=top.integer("save_steps", 500, minimum=1),
        save_total_limit=top.integer("save_total_limit", None, minimum=1, nullable=True),
        early_stopping_patience=top.integer("early_stopping_patience", None, minimum=1, nullable=True),
        resume_from=top.string("resume_from", None, nullable=True),
    )

    if cfg.warmup_ratio > 0 and cfg.warmup_steps > 0:
        raise ConfigError("warmup_steps: set warmup_ratio or warmup_steps, not both", field="warmup_steps")
    if cfg.early_stopping_patience is not None:
        if cfg.dataset.eval is None:
            raise ConfigError("early_stopping_patience: needs dataset.eval", field="early_stopping_patience")
        if cfg.eval_steps is None:
            raise ConfigError("early_stopping_patience: needs eval_steps", field="early_stopping_patience")
        if cfg.save_steps % cfg.eval_steps != 0:
            raise ConfigError("save_steps: must be a multiple of eval_steps when early stopping is on",
                              field="save_steps")
    if cfg.eval_steps is not None and cfg.dataset.eval is None:
        raise ConfigError("eval_steps: needs dataset.eval", field="eval_steps")
    if cfg.tiny_family is not None and cfg.adapter == "qlora":
        raise ConfigError("adapter: qlora needs a real base model and a CUDA GPU, not a tiny one",
                          field="adapter")
    return cfg


def load_config(path: str) -> RunConfig:
    """Reads and validates a run-config file; relative dataset/output paths resolve against the cwd."""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except FileNotFoundError:
        raise ConfigError(f"{path}: run config not found", path=path) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read run config: {exc.strerror}", path=path) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}", path=path) from None
    cfg = parse_config(data)
    return cfg


def run_dir(cfg: RunConfig) -> str:
    return os.path.abspath(cfg.output_dir)
