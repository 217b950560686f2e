"""Test helpers: the bundled chat JSONL, run-config builders, and a real worker process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import torch

torch.set_num_threads(2)

FIXTURES = Path(__file__).parent / "fixtures"
TRAIN = FIXTURES / "chat_train.jsonl"
EVAL = FIXTURES / "chat_eval.jsonl"
TRAINER_ROOT = Path(__file__).parent.parent


def config_dict(out: Path, **overrides) -> dict:
    """A small, fast run config on the bundled dataset."""
    cfg = {
        "base_model": "tiny:llama",
        "dataset": {"train": str(TRAIN)},
        "output_dir": str(out),
        "adapter": "lora",
        "lora": {"r": 8, "alpha": 16, "dropout": 0.0, "target_modules": "auto"},
        "max_seq_length": 512,
        "max_steps": 4,
        "batch_size": 4,
        "learning_rate": 0.005,
        "lr_scheduler": "constant",
        "save_steps": 1000,
        "precision": "fp32",
        "seed": 7,
    }
    cfg.update(overrides)
    return cfg


def write_config(path: Path, cfg: dict) -> Path:
    path.write_text(json.dumps(cfg, indent=2))
    return path


def worker_env() -> dict:
    env = dict(os.environ)
    env["CIPORT_TORCH_THREADS"] = "2"
    env["OMP_NUM_THREADS"] = "2"
    env["PYTHONPATH"] = str(TRAINER_ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def start_worker(*args: str) -> subprocess.Popen:
    """A real worker process, as the Swift side starts it; stdout is the event stream."""
    return subprocess.Popen(
        [sys.executable, "-m", "ciport_trainer", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=worker_env(),
        cwd=TRAINER_ROOT,
    )


def run_worker(*args: str, timeout: float = 120) -> tuple[int, list[dict]]:
    proc = start_worker(*args)
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, parse_events(out, err)


def parse_events(out: str, err: str = "") -> list[dict]:
    events = []
    for line in out.splitlines():
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            raise AssertionError(f"stdout line is not a JSON event: {line!r}\nstderr: {err[-2000:]}")
        assert "event" in events[-1], line
    return events


