# Set-up and everyday commands. Only Python 3.11 (python3), pip and make are needed.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SAMPLE_OUT ?= out/sample

.PHONY: sample test quick install lock oracle prism clean

# Every install takes its versions from requirements.lock (`make lock` remakes it): the run's
# own dependencies for `make sample`, the test extra on top for `make test`. pip's and
# setuptools' build chatter goes to $(VENV)/install.log; a failed install prints its tail.
LOCK := requirements.lock
PIP_INSTALL = $(BIN)/pip install -q --disable-pip-version-check -c $(LOCK)
LOGGED = >>$(VENV)/install.log 2>&1 || { tail -n 30 $(VENV)/install.log; exit 1; }

$(BIN)/.installed: pyproject.toml setup.py $(LOCK)
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	@echo "installing tuneprep and its locked dependencies into $(VENV)/ (first time: about a minute)"
	@$(PIP_INSTALL) --upgrade pip $(LOGGED)
	@$(PIP_INSTALL) -e . $(LOGGED)
	@touch $@

$(BIN)/.installed-test: $(BIN)/.installed
	@echo "installing the test extra into $(VENV)/"
	@$(PIP_INSTALL) -e '.[test]' $(LOGGED)
	@touch $@

install: $(BIN)/.installed

# Runs the main job on the bundled sample corpus: an Alpaca-style JSONL → Bedrock text-to-text.
sample: $(BIN)/.installed
	$(BIN)/tuneprep run --input samples/alpaca_sample.jsonl --target bedrock-text \
	    --validation-split 0.1 --output $(SAMPLE_OUT) --overwrite

# The whole suite, one test file at a time on each of TEST_WORKERS processes (pytest-xdist; a
# file's module fixtures, such as the packaging venv, are built once). TEST_WORKERS=0: in-process.
TEST_WORKERS ?= 2
test: $(BIN)/.installed-test
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile

# The quick loop: every test but those marked slow (subprocess runs, servers, big inputs).
quick: $(BIN)/.installed-test
	$(BIN)/python -m pytest -q -m "not slow"

# Recompiles requirements.lock from pyproject.toml and requirements.in (the Beam version) with uv.
lock: $(BIN)/.installed
	@$(BIN)/pip install -q --disable-pip-version-check uv
	$(BIN)/uv pip compile pyproject.toml requirements.in --extra test --extra images \
	    --extra mistral-tokenizer --extra dask --python-version 3.11 \
	    --python-platform x86_64-manylinux_2_28 --custom-compile-command "make lock" -o $(LOCK)

# AWS's Nova dataset validator (the Nova Forge SDK) as a test oracle, in a venv of its own: it
# needs Python 3.12, which tuneprep does not. Without it, tests/oracles skip.
ORACLE_VENV ?= .venv-oracle
ORACLE_PY ?= $(firstword $(shell for p in python3.12 $(HOME)/.pyenv/versions/3.12*/bin/python; do \
	$$p -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null && echo $$p; done))

$(ORACLE_VENV)/bin/.installed: tests/oracles/requirements.txt
	@test -n "$(ORACLE_PY)" || { echo "make oracle: no Python 3.12 found (set ORACLE_PY)"; exit 1; }
	$(ORACLE_PY) -m venv $(ORACLE_VENV)
	$(ORACLE_VENV)/bin/pip install -q -r tests/oracles/requirements.txt
	touch $@

oracle: $(ORACLE_VENV)/bin/.installed

# Beam's Prism runner (Go), at the venv's apache-beam version, built with `go install` from the Go
# module proxy into .cache/prism/ (tests/e2e/test_prism.py runs tuneprep on it; without it they
# skip, or fail under CI).
prism: $(BIN)/.installed
	PY=$(BIN)/python deploy/prism/fetch-prism.sh

clean:
	rm -rf $(VENV) $(ORACLE_VENV) out .pytest_cache

# `make flink`: a Flink 1.19 session cluster's and Beam's Flink job server's classpath from Maven
# (deploy/flink/README.md; tests/e2e/test_flink.py, not yet run by .ci/run).
include deploy/flink/local/flink.mk
