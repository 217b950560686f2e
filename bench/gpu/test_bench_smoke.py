"""bench.py --smoke: the GPU benchmark's code path on CPU with tiny shapes, as a subprocess."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.join(HERE, "bench.py")
sys.path.insert(0, HERE)

import bench  # noqa: E402  (only the tables; importing it loads no torch)


def test_smoke_run_has_every_row(tmp_path):
    out = tmp_path / "results.json"
    md = tmp_path / "results.md"
    proc = subprocess.run(
        [sys.executable, BENCH, "--smoke", "--out", str(out), "--md", str(md)],
        capture_output=True, text=True, timeout=600,
        env={**os.environ, "CUDA_VISIBLE_DEVICES": ""},
    )
    assert proc.returncode == 0, proc.stderr[-4000:]

    result = json.loads(out.read_text())
    assert result["smoke"] is True
    assert result["seq_len"] == 128
    rows = {(r["model"], r["method"], r["config"]): r for r in result["rows"]}
    for model in bench.MODELS:
        for method in bench.METHODS:
            for config in bench.CONFIGS:
                row = rows.get((model, method, config))
                assert row is not None, f"missing row {model} {method} {config}"
                assert row["status"].startswith("ok"), row
                tps = row["tokens_per_s"]
                assert isinstance(tps, (int, float)) and math.isfinite(tps) and tps > 0, row
                assert row["steps_timed"] == 2 and row["steps_run"] == 3, row
    # the 7B full fine-tuning case takes ciport's gradient-checkpointing path even in the smoke test
    assert rows[("Qwen2.5-Coder-7B", "full", "ciport")]["grad_ckpt"] is True
    assert rows[("Qwen2.5-Coder-7B", "full", "untuned")]["attn"] == "eager"

    table = md.read_text()
    assert "SMOKE TEST" in table and "| model | method | config | tokens/s | MFU % |" in table
    assert "SMOKE TEST" in proc.stdout  # the table is printed too


def test_peak_table():
    assert bench.peak_tflops_for("NVIDIA H100 80GB HBM3") == 989
    assert bench.peak_tflops_for("NVIDIA H100 PCIe") == 756
    assert bench.peak_tflops_for("NVIDIA H200") == 989
    assert bench.peak_tflops_for("NVIDIA A100-SXM4-80GB") == 312
    assert bench.peak_tflops_for("NVIDIA L4") == 121
    assert bench.peak_tflops_for("NVIDIA L40S") == 362
    assert bench.peak_tflops_for("NVIDIA GeForce RTX 4090") == 165
    assert bench.peak_tflops_for("Tesla T4") is None


def test_model_shapes_match_the_model_cards():
    sc = bench.MODELS["StarCoderBase-1B"]["config"]
    assert (sc["n_layer"], sc["n_embd"], sc["n_head"], sc["multi_query"], sc["n_inner"],
            sc["vocab_size"], sc["n_positions"]) == (24, 2048, 16, True, 8192, 49152, 8192)
    q1 = bench.MODELS["Qwen2.5-Coder-1.5B"]["config"]
    assert (q1["hidden_size"], q1["intermediate_size"], q1["num_hidden_layers"],
            q1["num_attention_heads"], q1["num_key_value_heads"], q1["vocab_size"],
            q1["tie_word_embeddings"]) == (1536, 8960, 28, 12, 2, 151936, True)
    q7 = bench.MODELS["Qwen2.5-Coder-7B"]["config"]
    assert (q7["hidden_size"], q7["intermediate_size"], q7["num_hidden_layers"],
            q7["num_attention_heads"], q7["num_key_value_heads"], q7["vocab_size"],
            q7["tie_word_embeddings"]) == (3584, 18944, 28, 28, 4, 152064, False)
