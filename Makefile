# Set-up and everyday commands. Only Python 3.11 (python3), pip and make are needed.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SAMPLE_OUT ?= out/sample

.PHONY: sample test install oracle prism clean

$(BIN)/.installed: pyproject.toml setup.py
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

install: $(BIN)/.installed

# Runs the main job on the bundled sample corpus: an Alpaca-style JSONL → Bedrock text-to-text.
sample: $(BIN)/.installed
	$(BIN)/tuneprep run --input samples/alpaca_sample.jsonl --target bedrock-text \
	    --validation-split 0.1 --output $(SAMPLE_OUT) --overwrite

test: $(BIN)/.installed
	$(BIN)/python -m pytest -q

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
# skip, or fail under CI). No Beam Flink or Spark job server is served here: README, "Running
# elsewhere".
prism: $(BIN)/.installed
	PY=$(BIN)/python deploy/prism/fetch-prism.sh

clean:
	rm -rf $(VENV) $(ORACLE_VENV) out .pytest_cache
