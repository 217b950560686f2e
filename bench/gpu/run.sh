#!/usr/bin/env bash
# The one command for a lent GPU machine: prints the card, runs bench.py under a 540 s overall
# deadline and leaves $OUT/results.json, $OUT/results.md and $OUT/bench.log.
#   OUT=/some/dir bench/gpu/run.sh        (PYTHON=... to pick the interpreter)
set -u
cd "$(dirname "$0")/../.."
OUT="${OUT:-$PWD/bench-out}"
mkdir -p "$OUT"

if [ -n "${PYTHON:-}" ]; then PY="$PYTHON"
elif [ -x .venv/bin/python ]; then PY=.venv/bin/python
else PY=python3; fi

echo "== $(date -u +%Y-%m-%dT%H:%M:%SZ) $(hostname)"
nvidia-smi || echo "nvidia-smi: not available"
"$PY" - <<'PY' || { echo "bench: python environment is missing torch/transformers/peft/accelerate"; exit 2; }
import importlib
for name in ("torch", "transformers", "peft", "accelerate", "trl", "datasets", "flash_attn"):
    try:
        mod = importlib.import_module(name)
        print(f"{name} {getattr(mod, '__version__', '?')}")
    except Exception as exc:
        if name in ("torch", "transformers", "peft", "accelerate"):
            raise
        print(f"{name}: not importable ({type(exc).__name__})")
import torch
print("cuda", torch.version.cuda, "available", torch.cuda.is_available())
PY

# bench.py keeps its own deadline 40 s inside the hard one, and rewrites results.json after every
# case, so a run cut short still leaves what it measured.
timeout -k 10 540 "$PY" bench/gpu/bench.py --deadline-s 500 \
    --out "$OUT/results.json" --md "$OUT/results.md" "$@" 2>"$OUT/bench.log"
rc=$?
if [ $rc -ne 0 ]; then
    echo "== bench.py exit $rc; last lines of $OUT/bench.log:"
    tail -n 40 "$OUT/bench.log"
    [ -f "$OUT/results.md" ] && cat "$OUT/results.md"
fi
exit $rc
