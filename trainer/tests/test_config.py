"""Run-config validation: every problem names its field."""

from __future__ import annotations

import json

import pytest

from ciport_trainer.config import load_config, parse_config, target_modules_for
from ciport_trainer.errors import ConfigError

from .helpers import config_dict, run_worker, write_config


def test_minimal_config_gets_defaults(tmp_path):
    cfg = parse_config({"base_model": "tiny", "dataset": {"train": "t.jsonl"}, "output_dir": "out"})
    assert cfg.adapter == "lora" and cfg.lora.r == 16 and cfg.lora.target_modules == "auto"
    assert cfg.tiny_family == "llama" and cfg.max_steps is None and cfg.precision == "auto"


def test_full_config_parses(tmp_path):
    cfg = parse_config(config_dict(tmp_path, dataset={"train": "a", "eval": "b"}, eval_steps=5,
                                   save_steps=10, early_stopping_patience=2, packing=True,
                                   warmup_ratio=0.1, gradient_checkpointing=True, resume_from="latest"))
    assert cfg.dataset.eval == "b" and cfg.early_stopping_patience == 2 and cfg.packing


@pytest.mark.parametrize("overrides, field, fragment", [
    ({"bogus": 1}, "bogus", "unknown key"),
    ({"lora": {"r": 8, "rank": 4}}, "lora.rank", "unknown key"),
    ({"dataset": {"train": "a", "test": "b"}}, "dataset.test", "unknown key"),
    ({"base_model": 3}, "base_model", "expected a string"),
    ({"base_model": "tiny:mamba"}, "base_model", "unknown tiny family"),
    ({"adapter": "dora"}, "adapter", "must be one of"),
    ({"lora": {"r": 0}}, "lora.r", "at least 1"),
    ({"lora": {"r": "8"}}, "lora.r", "expected an integer"),
    ({"lora": {"dropout": 1.5}}, "lora.dropout", "at most"),
    ({"lora": {"target_modules": []}}, "lora.target_modules", "non-empty"),
    ({"lora": {"target_modules": "everything"}}, "lora.target_modules", "auto"),
    ({"max_seq_length": 8}, "max_seq_length", "at least 16"),
    ({"packing": "yes"}, "packing", "true or false"),
    ({"assistant_only_loss": 1}, "assistant_only_loss", "true or false"),
    ({"epochs": 0}, "epochs", "greater than 0"),
    ({"max_steps": 0}, "max_steps", "at least 1"),
    ({"max_steps": 2.5}, "max_steps", "expected an integer"),
    ({"learning_rate": "1e-4"}, "learning_rate", "expected a number"),
    ({"learning_rate": 0}, "learning_rate", "greater than 0"),
    ({"lr_scheduler": "step"}, "lr_scheduler", "must be one of"),
    ({"warmup_ratio": 1.0}, "warmup_ratio", "at most"),
    ({"warmup_ratio": 0.1, "warmup_steps": 5}, "warmup_steps", "not both"),
    ({"batch_size": True}, "batch_size", "expected an integer"),
    ({"gradient_accumulation_steps": 0}, "gradient_accumulation_steps", "at least 1"),
    ({"gradient_checkpointing": None}, "gradient_checkpointing", "true or false"),
    ({"precision": "fp8"}, "precision", "must be one of"),
    ({"seed": -1}, "seed", "at least 0"),
    ({"eval_steps": 5}, "eval_steps", "needs dataset.eval"),
    ({"save_steps": 0}, "save_steps", "at least 1"),
    ({"early_stopping_patience": 2}, "early_stopping_patience", "needs dataset.eval"),
    ({"output_dir": ""}, "output_dir", "must not be empty"),
    ({"resume_from": 5}, "resume_from", "expected a string"),
    ({"adapter": "qlora"}, "adapter", "qlora needs a real base model"),
    ({"dataset": "train.jsonl"}, "dataset", "expected an object"),
])
def test_bad_field_is_named(tmp_path, overrides, field, fragment):
    with pytest.raises(ConfigError) as info:
        parse_config(config_dict(tmp_path, **overrides))
    assert info.value.field == field
    assert info.value.message.startswith(f"{field}:")
    assert fragment in info.value.message


def test_missing_required_fields_are_named():
    with pytest.raises(ConfigError, match="^base_model: is required"):
        parse_config({"dataset": {"train": "a"}, "output_dir": "o"})
    with pytest.raises(ConfigError, match=r"^dataset\.train: is required"):
        parse_config({"base_model": "tiny", "dataset": {}, "output_dir": "o"})


def test_invalid_json_names_file_and_line(tmp_path):
    path = tmp_path / "run.json"
    path.write_text('{\n  "base_model": "tiny",\n  oops\n}')
    with pytest.raises(ConfigError, match=r"run\.json:3:3: invalid JSON"):
        load_config(str(path))


def test_target_modules_per_family():
    assert "q_proj" in target_modules_for("llama") and "o_proj" in target_modules_for("qwen2")
    assert target_modules_for("gpt_bigcode") == ["c_attn", "c_proj", "c_fc"]
    assert target_modules_for("some_new_arch") == "all-linear"


def test_cli_config_error_is_an_event_and_exit_2(tmp_path):
    path = write_config(tmp_path / "run.json", config_dict(tmp_path / "out", lora={"r": -1}))
    code, events = run_worker("train", "--config", str(path))
    assert code == 2
    assert events == [e for e in events if e["event"] == "error"] and len(events) == 1
    assert events[0]["kind"] == "config" and events[0]["field"] == "lora.r"


def test_cli_usage_error_is_a_config_error(tmp_path):
    code, events = run_worker("train")
    assert code == 2 and events[0]["kind"] == "config" and "--config" in events[0]["message"]
