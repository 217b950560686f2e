# ciport — the two commands a new machine needs are `make demo` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

SWIFT ?= swift
PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
BIN := .build/debug/ciport
OUT := out
CIPORT_CORPUS ?= $(abspath ../shared/corpus)
export CIPORT_CORPUS

.PHONY: help build release python data demo test test-swift test-python bench clean

help:
	@echo "make demo    convert the bundled examples both ways and print the fidelity summary"
	@echo "make test    build, create .venv with the test oracles, run every Swift and Python test"
	@echo "make bench   release build; corpus conversion speed and fidelity figures"
	@echo "make python  (re)create .venv"

build:
	$(SWIFT) build

release:
	$(SWIFT) build -c release

# The venv is rebuilt when a requirements file changes.
$(VENV)/.stamp: requirements-test.txt $(wildcard trainer/requirements.txt)
	@test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet --disable-pip-version-check -r requirements-test.txt
	@if [ -f trainer/requirements.txt ]; then $(VPY) -m pip install --quiet --disable-pip-version-check -r trainer/requirements.txt && $(VPY) -m pip install --quiet --no-deps -e trainer; fi
	@touch $@

python: $(VENV)/.stamp

# The bundled dataset: pair files → records → seeded train/valid/test splits (generated, not committed).
SPLITS := data/splits/train.jsonl data/splits/valid.jsonl data/splits/test.jsonl
$(SPLITS) &: $(wildcard data/pairs/*.yml) | build
	@mkdir -p $(OUT)/dataset
	$(BIN) dataset build data/pairs -o $(OUT)/dataset/all.jsonl
	$(BIN) dataset split $(OUT)/dataset/all.jsonl -o data/splits --seed 1

data: build $(SPLITS)

export CIPORT_STATE_DIR := $(abspath $(OUT)/state)

demo: build python data
	@rm -rf $(OUT)/demo $(OUT)/runs $(OUT)/eval-rules $(OUT)/eval-tiny $(OUT)/state
	@mkdir -p $(OUT)/demo/gitlab $(OUT)/demo/github
	@echo "== 1. GitHub Actions → GitLab CI"
	$(BIN) convert examples/github -o $(OUT)/demo/gitlab --report json
	@echo
	@echo "== 2. GitLab CI → GitHub Actions"
	$(BIN) convert examples/gitlab -o $(OUT)/demo/github --report sarif
	@echo
	@echo "== 3. The bundled dataset"
	$(BIN) dataset validate data/
	$(BIN) dataset stats data/splits
	@echo
	@echo "== 4. Fine-tune the tiny model on CPU (configs/tiny.yml)"
	$(BIN) train configs/tiny.yml --runs-dir $(OUT)/runs
	@echo
	@echo "== 5. Evaluate: the rule engine, then the tiny model against it"
	$(BIN) eval --engine rules --bench data/splits/test.jsonl --out $(OUT)/eval-rules
	$(BIN) eval --engine checkpoint --model "$$(ls -d $(OUT)/runs/*/ | head -1)" --bench data/splits/test.jsonl \
	    --out $(OUT)/eval-tiny --baseline $(OUT)/eval-rules
	@echo
	@echo "== 6. Register the model"
	$(BIN) registry register "$$(ls -d $(OUT)/runs/*/ | head -1)" --as ciport-tiny --alias candidate --scores $(OUT)/eval-tiny/metrics.txt
	$(BIN) registry show ciport-tiny@candidate
	@echo
	@echo "Converted examples: $(OUT)/demo/   HTML report: $(abspath $(OUT)/eval-tiny/report.html)"

test: build python data test-swift test-python

test-swift:
	$(SWIFT) test

test-python:
	CIPORT_BIN=$(abspath $(BIN)) $(VPY) -m pytest -q tests $(wildcard trainer/tests) $(wildcard bench/gpu)

bench: release
	.build/release/ciport-bench $(CIPORT_CORPUS)

clean:
	rm -rf .build $(OUT) data/splits
