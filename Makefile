# Set-up and everyday commands. Only Python 3.11 (python3), pip and make are needed.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SAMPLE_OUT ?= out/sample

.PHONY: sample test install clean

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

clean:
	rm -rf $(VENV) out .pytest_cache
