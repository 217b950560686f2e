"""Resolving and loading the base model, tokenizer and adapter: one path for tiny and real models."""

from __future__ import annotations

import os
from typing import Any

from .config import RunConfig
from .errors import ConfigError, ModelLoadError

BASE_DIR = "base"  # the tiny base model, inside the run directory
ADAPTER_DIR = "adapter"  # the trained adapter (or full model), inside the run directory
MERGED_DIR = "merged"


def base_model_path(cfg: RunConfig, records: list[dict] | None = None) -> str:
    """The hub id or local path to load; builds the tiny model first when asked for one."""
    family = cfg.tiny_family
    if family is None:
        return cfg.base_model
    from .tiny import MARKER, build_tiny

    out = os.path.join(os.path.abspath(cfg.output_dir), BASE_DIR)
    if records is None:
        if not os.path.exists(os.path.join(out, MARKER)):
            raise ModelLoadError(f"{out}: no tiny base model in this run; train first", path=out)
        return out
    return build_tiny(family, records, out, seed=cfg.seed, max_seq_length=cfg.max_seq_length)


def torch_dtype(precision: str):
    import torch

    if precision == "auto":
        if torch.cuda.is_available():
            return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return torch.float32
    return {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[precision]


def check_precision(precision: str) -> None:
    import torch

    if precision in ("bf16", "fp16") and not torch.cuda.is_available():
        raise ConfigError(f"precision: {precision} needs a CUDA GPU; use fp32 or auto on CPU",
                          field="precision")


def load_tokenizer(path: str):
    from transformers import AutoTokenizer

    try:
        tok = AutoTokenizer.from_pretrained(path)
    except Exception as exc:  # transformers raises OSError/ValueError/HF hub errors
        raise ModelLoadError(f"{path}: cannot load tokenizer: {_first_line(exc)}", path=path) from exc
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    if not tok.chat_template:
        raise ModelLoadError(f"{path}: tokenizer has no chat template; use an instruct/chat model",
                             path=path)
    return tok


def load_model(path: str, cfg: RunConfig, *, adapter_path: str | None = None, for_training: bool = False):
    """AutoModelForCausalLM from PATH (plus a PEFT adapter if given) in the configured precision."""
    from transformers import AutoModelForCausalLM

    kwargs: dict[str, Any] = {"dtype": torch_dtype(cfg.precision)}
    if cfg.adapter == "qlora" and for_training:
        kwargs["quantization_config"] = _bnb_config(cfg)
    try:
        model = AutoModelForCausalLM.from_pretrained(path, **kwargs)
    except Exception as exc:
        from .errors import is_out_of_memory

        if is_out_of_memory(exc):
            raise
        raise ModelLoadError(f"{path}: cannot load model: {_first_line(exc)}", path=path) from exc
    if adapter_path is not None:
        from peft import PeftModel

        try:
            model = PeftModel.from_pretrained(model, adapter_path)
        except Exception as exc:
            raise ModelLoadError(f"{adapter_path}: cannot load adapter: {_first_line(exc)}",
                                 path=adapter_path) from exc
    return model


def trained_model_paths(cfg: RunConfig, model_dir: str | None = None) -> tuple[str, str | None]:
    """(base path, adapter path or None) for a finished run, or for MODEL_DIR (adapter or full model)."""
    run = os.path.abspath(cfg.output_dir)
    target = os.path.abspath(model_dir) if model_dir else os.path.join(run, ADAPTER_DIR)
    if not os.path.isdir(target):
        raise ModelLoadError(f"{target}: no trained model there; train first", path=target)
    if os.path.exists(os.path.join(target, "adapter_config.json")):
        return base_model_path(cfg), target
    return target, None


def _bnb_config(cfg: RunConfig):
    import torch

    if not torch.cuda.is_available():
        raise ConfigError("adapter: qlora needs a CUDA GPU", field="adapter")
    try:
        import bitsandbytes  # noqa: F401
    except ImportError:
        raise ConfigError("adapter: qlora needs the bitsandbytes package (pip install bitsandbytes)",
                          field="adapter") from None
    from transformers import BitsAndBytesConfig

    return BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=torch_dtype(cfg.precision),
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
