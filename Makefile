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

.PHONY: help build release python demo test test-swift test-python bench clean

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

demo: build
	@rm -rf $(OUT)/demo && mkdir -p $(OUT)/demo/gitlab $(OUT)/demo/github
	@echo "== GitHub Actions → GitLab CI"
	$(BIN) convert examples/github -o $(OUT)/demo/gitlab --report json
	@echo
	@echo "== GitLab CI → GitHub Actions"
	$(BIN) convert examples/gitlab -o $(OUT)/demo/github --report sarif
	@echo
	@echo "Outputs in $(OUT)/demo/ (ledgers beside them)."

test: build python test-swift test-python

test-swift:
	$(SWIFT) test

test-python:
	CIPORT_BIN=$(abspath $(BIN)) $(VPY) -m pytest -q tests $(wildcard trainer/tests)

bench: release
	.build/release/ciport-bench $(CIPORT_CORPUS)

clean:
	rm -rf .build $(OUT)
