"""Shared fixtures: one trained tiny llama run used by several tests."""

from __future__ import annotations

import pytest
import torch

from .helpers import EVAL, TRAIN, config_dict

torch.set_num_threads(2)


@pytest.fixture(scope="session")
def trained_llama(tmp_path_factory):
    """One tiny llama LoRA run long enough for the loss to fall, shared by several tests."""
    from ciport_trainer.config import parse_config
    from ciport_trainer.events import ListEmitter
    from ciport_trainer.train import train

    out = tmp_path_factory.mktemp("trained") / "run"
    cfg = parse_config(config_dict(out, max_steps=30, batch_size=4, learning_rate=0.005,
                                   dataset={"train": str(TRAIN), "eval": str(EVAL)}, eval_steps=15,
                                   save_steps=15))
    emitter = ListEmitter()
    result = train(cfg, emitter)
    return cfg, result, emitter
