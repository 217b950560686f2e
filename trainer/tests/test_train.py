"""Training in-process through the same code as the CLI: every tiny family, loss, reload, bad input."""

from __future__ import annotations

import json
import os
import statistics

import pytest

from ciport_trainer.config import parse_config
from ciport_trainer.errors import ConfigError, DataError, OutOfMemory
from ciport_trainer.events import ListEmitter
from ciport_trainer.generate import Generator, SamplingParams
from ciport_trainer.train import DONE_MARKER, train

from .helpers import TRAIN, config_dict

PROMPTS = [
    [{"role": "user", "content": "Translate to GitLab CI:\non: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n"}],
    [{"role": "system", "content": "Answer with YAML only."},
     {"role": "user", "content": "Translate to GitHub Actions:\ntest:\n  image: node:20\n"}],
]
EXPECTED_TARGETS = {
    "llama": {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"},
    "qwen2": {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"},
    "gpt_bigcode": {"c_attn", "c_proj", "c_fc"},
}


@pytest.mark.parametrize("family, extra", [
    ("llama", {}),
    ("gpt_bigcode", {}),
    ("qwen2", {"packing": True, "gradient_checkpointing": True, "max_seq_length": 256}),
])
def test_each_tiny_family_trains_with_lora(tmp_path, family, extra):
    cfg = parse_config(config_dict(tmp_path / "run", base_model=f"tiny:{family}", max_steps=3,
                                   save_steps=2, **extra))
    emitter = ListEmitter()
    result = train(cfg, emitter)

    names = [e["event"] for e in emitter.events]
    assert names[0] == "start" and names.count("step") == 3 and "checkpoint" in names
    start = emitter.of("start")[0]
    assert start["model_type"] == family and set(start["target_modules"]) == EXPECTED_TARGETS[family]
    for step in emitter.of("step"):
        assert step["loss"] > 0 and step["learning_rate"] > 0 and step["peak_mem_bytes"] > 0
        assert step["tokens_per_s"] > 0 and step["epoch"] > 0
    assert result.record["steps"] == 3
    adapter = result.record["adapter_path"]
    with open(os.path.join(adapter, "adapter_config.json")) as fh:
        assert set(json.load(fh)["target_modules"]) == EXPECTED_TARGETS[family]
    assert os.path.exists(os.path.join(adapter, "adapter_model.safetensors"))
    assert os.path.exists(os.path.join(cfg.output_dir, DONE_MARKER))
    if family == "gpt_bigcode":
        base = result.trainer.model.get_base_model()
        assert base.config.multi_query is True

    # Chat formatting: the answer-only mask covers the assistant turn and nothing before it.
    tok = result.trainer.processing_class
    out = tok.apply_chat_template(
        [{"role": "user", "content": "q"}, {"role": "assistant", "content": "answer: yes"}],
        tokenize=True, return_dict=True, return_assistant_tokens_mask=True)
    mask = out["assistant_masks"]
    assert 0 < sum(mask) < len(mask) and mask[0] == 0
    answer = tok.decode([t for t, m in zip(out["input_ids"], mask) if m])
    assert answer.startswith("answer: yes")


def test_loss_falls_on_a_fixed_seed(trained_llama):
    _, result, emitter = trained_llama
    losses = [e["loss"] for e in emitter.of("step")]
    assert len(losses) == 30
    first, last = statistics.mean(losses[:5]), statistics.mean(losses[-5:])
    assert last < first - 1.0, (first, last)
    evals = emitter.of("eval")
    assert evals and evals[-1]["loss"] < evals[0]["loss"]
    assert result.record["eval_loss"] == evals[-1]["loss"]


def test_saved_adapter_gives_the_same_greedy_generations(trained_llama):
    cfg, result, _ = trained_llama
    params = SamplingParams(max_new_tokens=24)
    in_memory = Generator(result.trainer.model, result.trainer.processing_class).complete(PROMPTS, params)
    reloaded = Generator.from_run(cfg).complete(PROMPTS, params)
    assert [c.text for c in reloaded] == [c.text for c in in_memory]
    assert all(c.completion_tokens > 0 for c in reloaded)


def test_finished_run_is_not_marked_again(trained_llama):
    cfg, result, _ = trained_llama
    done = os.path.join(cfg.output_dir, DONE_MARKER)
    before = open(done).read()
    again = train(cfg, ListEmitter())
    assert again.record["already_finished"] is True and again.record["steps"] == 30
    assert open(done).read() == before


def test_missing_dataset_names_the_file(tmp_path):
    cfg = parse_config(config_dict(tmp_path / "run", dataset={"train": str(tmp_path / "nope.jsonl")}))
    with pytest.raises(DataError, match="nope.jsonl: dataset.train file not found"):
        train(cfg, ListEmitter())
    assert not os.path.exists(os.path.join(cfg.output_dir, DONE_MARKER))


def test_empty_and_malformed_datasets_name_file_and_line(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n")
    with pytest.raises(DataError, match="empty.jsonl: dataset.train file has no records"):
        train(parse_config(config_dict(tmp_path / "a", dataset={"train": str(empty)})), ListEmitter())
    bad = tmp_path / "bad.jsonl"
    bad.write_text(TRAIN.read_text().splitlines()[0] + '\n{"messages": [{"role": "bot", "content": "x"}]}\n')
    with pytest.raises(DataError, match=r"bad.jsonl:2: messages\[0\].role"):
        train(parse_config(config_dict(tmp_path / "b", dataset={"train": str(bad)})), ListEmitter())


def test_unloadable_base_model_is_a_model_error(tmp_path):
    from ciport_trainer.errors import ModelLoadError

    cfg = parse_config(config_dict(tmp_path / "run", base_model=str(tmp_path / "no-such-model")))
    with pytest.raises(ModelLoadError, match="no-such-model: cannot load"):
        train(cfg, ListEmitter())


def test_existing_checkpoints_need_resume_from(tmp_path):
    (tmp_path / "run" / "checkpoint-2").mkdir(parents=True)
    with pytest.raises(ConfigError, match="resume_from") as info:
        train(parse_config(config_dict(tmp_path / "run")), ListEmitter())
    assert info.value.field == "output_dir"


def test_gpu_out_of_memory_is_reported_with_advice_mocked_no_gpu_here(tmp_path, monkeypatch):
    # A real CUDA OOM needs a GPU; the error path is exercised by raising the same exception type.
    import torch
    from trl import SFTTrainer

    def oom(self, *args, **kwargs):
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(SFTTrainer, "train", oom)
    cfg = parse_config(config_dict(tmp_path / "run"))
    with pytest.raises(OutOfMemory) as info:
        train(cfg, ListEmitter())
    assert info.value.kind == "oom" and info.value.exit_code == 5
    assert "batch_size" in info.value.message and "gradient_checkpointing" in info.value.message
    assert not os.path.exists(os.path.join(cfg.output_dir, DONE_MARKER))
