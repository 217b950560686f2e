"""Merging a LoRA adapter into its base model and saving the result as safetensors beside the adapter."""

from __future__ import annotations

import os
import shutil

from .config import RunConfig
from .errors import ConfigError
from .model import MERGED_DIR, load_model, load_tokenizer, trained_model_paths


def export_merged(cfg: RunConfig, *, model_dir: str | None = None, out_dir: str | None = None) -> dict:
    """Writes RUN/merged (or OUT_DIR) atomically; returns the `done` fields."""
    base, adapter = trained_model_paths(cfg, model_dir)
    if adapter is None:
        raise ConfigError("adapter: this run trained the full model; there is no adapter to merge",
                          field="adapter")
    model = load_model(base, cfg, adapter_path=adapter)
    merged = model.merge_and_unload()
    tokenizer = load_tokenizer(adapter)
    target = os.path.abspath(out_dir or os.path.join(os.path.dirname(adapter), MERGED_DIR))
    tmp = target + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    merged.save_pretrained(tmp, safe_serialization=True)
    tokenizer.save_pretrained(tmp)
    shutil.rmtree(target, ignore_errors=True)
    os.replace(tmp, target)
    files = sorted(f for f in os.listdir(target) if f.endswith(".safetensors"))
    return {"merged_path": target, "adapter_path": adapter, "files": files}
