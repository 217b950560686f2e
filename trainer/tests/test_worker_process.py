"""The worker as the Swift side runs it: a real process, JSON events on stdout, signals, exit codes."""

from __future__ import annotations

import json
import os
import signal
import urllib.error
import urllib.request

from ciport_trainer.config import parse_config
from ciport_trainer.events import COMPLETE_MARKER, ListEmitter
from ciport_trainer.train import DONE_MARKER, train

from .helpers import EVAL, config_dict, parse_events, run_worker, start_worker, write_config


def _read_until(proc, wanted: str, *, count: int = 1) -> list[dict]:
    """Events up to and including the COUNT-th WANTED event."""
    events, seen = [], 0
    for line in proc.stdout:
        events.append(json.loads(line))
        if events[-1]["event"] == wanted:
            seen += 1
            if seen == count:
                return events
    proc.wait()
    raise AssertionError(f"no {wanted} event; got {events}; stderr: {proc.stderr.read()[-2000:]}")


def test_kill_9_then_resume_reaches_the_same_final_step_and_finishes_once(tmp_path):
    run = tmp_path / "run"
    fresh = write_config(tmp_path / "run.json", config_dict(run, max_steps=12, save_steps=3))
    proc = start_worker("train", "--config", str(fresh))
    before = _read_until(proc, "checkpoint")
    proc.kill()  # SIGKILL: no handler runs, nothing is tidied up
    proc.wait()
    proc.stdout.close()
    proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    checkpoint_step = before[-1]["step"]
    assert checkpoint_step < 12
    assert not (run / DONE_MARKER).exists() and not (run / "adapter").exists()

    # Resume in this process (the same train() the CLI calls; saves a second import of torch).
    resumed = parse_config(config_dict(run, max_steps=12, save_steps=3, resume_from="latest"))
    emitter = ListEmitter()
    result = train(resumed, emitter)
    start = emitter.of("start")[0]
    assert start["resumed_from_step"] >= checkpoint_step
    assert start["resume_from"].endswith(f"checkpoint-{start['resumed_from_step']}")
    steps = [e["step"] for e in emitter.of("step")]
    assert steps[0] == start["resumed_from_step"] + 1 and steps[-1] == 12
    assert result.record["steps"] == 12
    marker = json.loads((run / DONE_MARKER).read_text())
    assert marker["steps"] == 12 and (run / "adapter" / "adapter_model.safetensors").exists()

    # Asking again does not train or mark the run a second time.
    again = train(resumed, ListEmitter())
    assert again.record["already_finished"] is True and again.trainer is None
    assert json.loads((run / DONE_MARKER).read_text()) == marker
    assert [p for p in os.listdir(run) if p.startswith(DONE_MARKER)] == [DONE_MARKER]


def test_sigint_leaves_a_resumable_checkpoint(tmp_path):
    run = tmp_path / "run"
    path = write_config(tmp_path / "run.json", config_dict(run, max_steps=500, save_steps=1000))
    proc = start_worker("train", "--config", str(path))
    events = _read_until(proc, "step", count=2)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    events += parse_events(out, err)
    assert proc.returncode == 130, err[-2000:]
    last = events[-1]
    assert last["event"] == "interrupted" and last["resumable"] is True and last["signal"] == "SIGINT"
    checkpoint = last["checkpoint"]
    assert os.path.basename(checkpoint) == f"checkpoint-{last['step']}" and last["step"] >= 2
    for name in ("trainer_state.json", "adapter_model.safetensors", "optimizer.pt", COMPLETE_MARKER):
        assert os.path.exists(os.path.join(checkpoint, name)), name
    assert any(e["event"] == "checkpoint" and e["path"] == checkpoint for e in events)
    assert not (run / DONE_MARKER).exists()


def _run_config(trained_llama, tmp_path):
    cfg, _, _ = trained_llama
    return write_config(tmp_path / "run.json", cfg.to_dict())


def test_generate_emits_one_event_per_record_in_order(trained_llama, tmp_path):
    path = _run_config(trained_llama, tmp_path)
    code, events = run_worker("generate", "--config", str(path), "--input", str(EVAL),
                              "--max-new-tokens", "12", "--batch-size", "4")
    assert code == 0, events
    gens = [e for e in events if e["event"] == "generation"]
    assert [g["index"] for g in gens] == list(range(6))
    assert all(isinstance(g["text"], str) and 0 < g["completion_tokens"] <= 12 for g in gens)
    assert events[-1]["event"] == "done" and events[-1]["records"] == 6


def test_export_merge_writes_safetensors_that_generate_like_the_adapter(trained_llama, tmp_path):
    # In-process: `export --merge` is this function behind the same CLI plumbing generate tests.
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from ciport_trainer.export import export_merged
    from ciport_trainer.generate import Generator, SamplingParams

    from .test_train import PROMPTS

    cfg, _, _ = trained_llama
    done = export_merged(cfg, out_dir=str(tmp_path / "merged"))
    assert done["files"] == ["model.safetensors"]
    merged = done["merged_path"]
    params = SamplingParams(max_new_tokens=16)
    model = AutoModelForCausalLM.from_pretrained(merged)
    assert not hasattr(model, "peft_config")
    via_merged = Generator(model, AutoTokenizer.from_pretrained(merged)).complete(PROMPTS, params)
    via_adapter = Generator.from_run(cfg).complete(PROMPTS, params)
    assert [c.text for c in via_merged] == [c.text for c in via_adapter]

    default = export_merged(cfg)  # RUN/merged, beside RUN/adapter
    assert os.path.dirname(default["merged_path"]) == os.path.dirname(default["adapter_path"])
    assert os.path.exists(os.path.join(default["merged_path"], "model.safetensors"))


def _post(url: str, body: dict) -> tuple[int, dict]:
    req = urllib.request.Request(url, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_serve_answers_an_openai_chat_completion(trained_llama, tmp_path):
    proc = start_worker("serve", "--config", str(_run_config(trained_llama, tmp_path)), "--port", "0",
                        "--model-name", "tiny-test")
    try:
        listening = _read_until(proc, "listening")[-1]
        assert listening["host"] == "127.0.0.1" and listening["port"] > 0
        url = listening["url"]
        status, body = _post(f"{url}/v1/chat/completions", {
            "model": "tiny-test", "max_tokens": 8, "temperature": 0,
            "messages": [{"role": "user", "content": "Translate to GitLab CI:\non: push\n"}],
        })
        assert status == 200, body
        assert body["object"] == "chat.completion" and body["model"] == "tiny-test"
        choice = body["choices"][0]
        assert choice["message"]["role"] == "assistant" and isinstance(choice["message"]["content"], str)
        assert choice["finish_reason"] in ("stop", "length")
        assert 0 < body["usage"]["completion_tokens"] <= 8
        with urllib.request.urlopen(f"{url}/v1/models", timeout=10) as resp:
            assert json.loads(resp.read())["data"][0]["id"] == "tiny-test"
        status, body = _post(f"{url}/v1/chat/completions", {"messages": []})
        assert status == 400 and "messages" in body["error"]["message"]
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err[-2000:]
    assert parse_events(out, err)[-1]["event"] == "done"
