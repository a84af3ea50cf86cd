"""transforms/core/tokens.py: exact token counts against the real tokenizer files the packages
ship (Llama 3 in llama-models, Mistral 7B's SentencePiece in mistral-common), loaded with no
network; the exact limit applied on the general path and on the fast lanes; the fallback to the
estimate when the package is missing, said once."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tuneprep.pipelines.cli import main
from tuneprep.transforms.core import tokens
from tuneprep.transforms.steps.batching import Batch
from tuneprep.transforms.core.config import RunConfig
from tuneprep.transforms.steps.process import BatchProcessor
from tuneprep.transforms.io.readers import RawItem
from tuneprep.transforms.targets import check_limits, get_target, run_context
from tuneprep.transforms.targets.models import MODELS

from tests.helpers import read_json, read_jsonl, write_jsonl

LLAMA_MISSING = tokens.missing("llama3")
MISTRAL_MISSING = tokens.missing("mistral-v1")
needs_llama = pytest.mark.skipif(
    LLAMA_MISSING is not None,
    reason=f"Llama 3 tokenizer not installed ({LLAMA_MISSING}): it is opt-in, not in the test "
           "extra, because llama-models is under Meta's Llama 3 Community License (not "
           "OSI-approved, accepted by use); pip install -e '.[test,llama-tokenizer]' runs these")
needs_mistral = pytest.mark.skipif(
    MISTRAL_MISSING is not None,
    reason=f"Mistral tokenizer not installed ({MISTRAL_MISSING}): make install (the test extra "
           "holds mistral-common[sentencepiece])")


# --- the real tokenizer files ------------------------------------------------------------------

@needs_llama
def test_llama3_counts_known_strings_exactly():
    encode = tokens.encoder("llama3")
    assert encode("Hello world") == [9906, 1917]      # Llama 3's ids for "Hello" and " world"
    assert encode("<|eot_id|>") != [128009]            # special-token text stays plain text
    assert tokens.count("llama3", ["Hello world", "Hello world"]) == 4
    assert tokens.count("llama3", ["", "1234567"]) == 3   # digits in threes: 123 456 7
    # Meta's own class, reading the same file, agrees on a mixed text
    from llama_models.llama3.tokenizer import Tokenizer
    meta = Tokenizer.get_instance()
    text = "Voilà: naïve café, 東京 🤗 — print('x')\n\n  indented\r\n"
    assert len(encode(text)) == len(meta.encode(text, bos=False, eos=False))
    # 128,000 BPE ranks in the file, as formats-2026.md says
    lines = tokens.TOKENIZERS["llama3"].file().read_bytes().splitlines()
    assert len([line for line in lines if line]) == 128_000


@needs_mistral
def test_mistral_v1_counts_known_strings_exactly():
    encode = tokens.encoder("mistral-v1")
    assert encode("Hello world") == [22557, 1526]
    assert tokens.count("mistral-v1", ["Hello world", "🤗"]) == 2 + 5   # "▁" + 4 byte pieces
    from mistral_common.tokens.tokenizers.mistral import MistralTokenizer
    theirs = MistralTokenizer.from_file(str(tokens.TOKENIZERS["mistral-v1"].file()))
    text = "Voilà: naïve café, 東京 🤗 — print('x')\n\n  indented"
    assert len(encode(text)) == len(theirs.instruct_tokenizer.tokenizer.encode(
        text, bos=False, eos=False))


@pytest.mark.parametrize("name", ["llama3", "mistral-v1"])
def test_the_upper_bound_holds(name):
    if tokens.missing(name):
        pytest.skip(f"{name} not installed: {tokens.missing(name)}")
    for text in ["🤗" * 50, "a", " ", "ﷺ①ｆ", "\x00\x01", "x" * 1000, "é" * 7]:
        assert tokens.count(name, [text]) <= tokens.upper_bound([text])


LOAD_OFFLINE = """
import os, socket, sys
def refuse(*a, **k):
    raise OSError("network refused by the test")
socket.socket = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
from tuneprep.transforms.core import tokens
print(tokens.count(sys.argv[1], ["Hello world"]))
"""


@pytest.mark.parametrize("name", ["llama3", "mistral-v1"])
def test_loads_with_no_network_and_no_tiktoken_download(name, tmp_path):
    if tokens.missing(name):
        pytest.skip(f"{name} not installed: {tokens.missing(name)}")
    cache = tmp_path / "tiktoken-cache"
    cache.mkdir()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TIKTOKEN_CACHE_DIR": str(cache)}
    done = subprocess.run([sys.executable, "-c", LOAD_OFFLINE, name], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "2"
    assert list(cache.iterdir()) == []    # tiktoken's loader (which caches) was never used


# --- the limit ---------------------------------------------------------------------------------

def _spaced(n: int) -> str:
    """n Llama 3 / Mistral tokens in 2n characters (" a" is one token in both)."""
    return " a" * n


def _batch(rows, adapter="alpaca"):
    return Batch(0, 0, "mem://in/a.jsonl", None, adapter,
                 [RawItem(i + 1, row) for i, row in enumerate(rows)])


def _refused_exactly(cfg, rows, adapter="alpaca"):
    """Runs rows through the run's one per-record path."""
    return BatchProcessor(cfg)(_batch(rows, adapter))


@pytest.mark.parametrize("name,model,target", [
    ("llama3", "llama3-1-8b-instruct", "bedrock-text"),
    ("llama3", "llama3-2-1b-instruct", "bedrock-conversation"),  # Converse
    ("mistral-v1", "mistral-7b", "sagemaker-instruction"),
])
def test_under_the_estimate_but_over_the_exact_limit_is_too_long(name, model, target):
    if tokens.missing(name):
        pytest.skip(f"{name} not installed: {tokens.missing(name)}")
    # 100 tokens allowed: the estimate takes 100 * 6 * 0.9 = 540 characters
    cfg = RunConfig(target=target, output="mem://out", model=model, max_tokens=100,
                    tokenizer=name)
    long, short = _spaced(150), _spaced(30)          # 300 + "q" characters: under 540
    rows = [{"instruction": "q", "output": long}, {"instruction": "q", "output": short}]
    out = _refused_exactly(cfg, rows)
    [dead] = [__import__("orjson").loads(line) for line in out.lines["dead_letter"]]
    assert dead["reason"] == "too_long"
    assert "counted exactly" in dead["message"] and "limit is 100 tokens" in dead["message"]
    assert len(out.lines["train"]) == 1
    assert out.stats["token_counts"]["limit"] == "exact"
    # the estimate alone takes both
    estimated = BatchProcessor(RunConfig(target=target, output="mem://out", model=model,
                                         max_tokens=100))(_batch(rows))
    assert len(estimated.lines["train"]) == 2 and "dead_letter" not in estimated.lines
    assert estimated.stats["token_counts"]["limit"].startswith("estimated")


@needs_llama
def test_the_chat_lane_applies_the_exact_limit():
    cfg = RunConfig(target="bedrock-multi-turn", output="mem://out", model="llama3-1-8b-instruct",
                    max_tokens=100, tokenizer="llama3")
    rows = [{"messages": [{"role": "user", "content": "q"},
                          {"role": "assistant", "content": text}]}
            for text in (_spaced(150), _spaced(99), _spaced(100))]
    # (the multi-turn target takes no Llama model; only its limits are checked here)
    out = _refused_exactly(cfg, rows, adapter="messages")
    assert len(out.lines["train"]) == 1 and len(out.lines["dead_letter"]) == 2


@needs_llama
def test_check_limits_counts_every_text_a_converse_record_holds():
    target = get_target("bedrock-conversation")
    cfg = RunConfig(target=target.name, output="mem://out", model="llama3-2-1b-instruct",
                    max_tokens=10, tokenizer="llama3")
    ctx = run_context.target_context(cfg)
    obj = {"schemaVersion": "bedrock-conversation-2024", "system": [{"text": _spaced(6)}],
           "messages": [{"role": "user", "content": [{"text": _spaced(3)}]},
                        {"role": "assistant", "content": [{"text": _spaced(2)}]}]}
    assert target.texts(obj) == [_spaced(6), _spaced(3), _spaced(2)]
    [(reason, message)] = check_limits(target, obj, ctx, target.measure(obj))
    assert reason == "too_long" and "record has 11 tokens" in message
    obj["messages"][1]["content"][0]["text"] = " a"
    assert check_limits(target, obj, ctx, target.measure(obj)) == []


# --- the catalogue -----------------------------------------------------------------------------

def test_every_llama3_model_names_the_llama3_tokenizer_with_its_source():
    for spec in MODELS.values():
        if spec.tokenizer is not None:
            assert spec.tokenizer in tokens.TOKENIZERS
            assert any("tokenizer" in source for source in spec.sources), spec.name
    assert {n for n, s in MODELS.items() if s.tokenizer == "llama3"} == {
        n for n in MODELS if "llama3" in n}
    assert not any(s.tokenizer for n, s in MODELS.items()
                   if n.startswith(("nova", "titan", "claude", "cohere", "distill-nova")))


# --- whole runs: the report, and the fallback said once ----------------------------------------

def _run(tmp_path, rows, model, *extra):
    data = write_jsonl(tmp_path / "in.jsonl", rows)
    out = tmp_path / "out"
    code = main(["run", "--input", str(data), "--target", "sagemaker-instruction",
                 "--model", model, "--max-tokens", "100", "--output", str(out), *extra])
    return code, out


ROWS = [{"instruction": f"q{i}", "output": _spaced(150 if i == 0 else 20)} for i in range(12)]


@needs_mistral
@pytest.mark.slow
def test_a_run_counts_exactly_and_says_so_in_the_report(tmp_path, capsys):
    code, out = _run(tmp_path, ROWS, "mistral-7b")
    _, err = capsys.readouterr()
    assert code == 0, err
    assert "tokenizer" not in err
    report = read_json(out / "report.json")
    assert report["dead_letter_reasons"] == {"too_long": 1}
    assert report["token_counts"]["limit"] == "exact"
    assert report["token_counts"]["tokenizer"].startswith("Mistral 7B v1 (SentencePiece) "
                                                          "(mistral-common ")
    assert report["token_counts"]["histogram"] == "estimated at 6 characters a token"
    [dead] = read_jsonl(out / "dead_letter" / "dead_letter.jsonl")
    assert "counted exactly with the Mistral 7B v1 (SentencePiece) tokenizer" in dead["message"]
    page = (out / "report.html").read_text()
    assert "counted exactly" in page


@pytest.mark.slow
def test_without_the_package_the_limit_is_estimated_and_said_once(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(tokens, "missing", lambda name: "mistral-common is not installed")
    code, out = _run(tmp_path, ROWS, "mistral-7b")
    _, err = capsys.readouterr()
    assert code == 0, err
    notes = [line for line in err.splitlines() if "tokenizer" in line]
    assert notes == ["warning: --model mistral-7b: the Mistral 7B v1 (SentencePiece) tokenizer "
                     "is not installed (mistral-common is not installed), so the per-record "
                     "limit is estimated at 6 characters a token; for exact counts: pip install "
                     "'tuneprep[mistral-tokenizer]' (mistral-common: Apache-2.0)"]
    report = read_json(out / "report.json")
    assert report["token_counts"]["limit"] == "estimated at 6 characters a token"
    assert "dead_letter_reasons" not in report or not report["dead_letter_reasons"]
    assert notes[0].removeprefix("warning: ") in report["warnings"]


def test_a_worker_without_the_tokenizer_fails_rather_than_estimate(monkeypatch):
    monkeypatch.setattr(tokens, "missing", lambda name: "llama-models is not installed")
    monkeypatch.setattr(tokens, "_LOADED", {})
    cfg = RunConfig(target="bedrock-text", output="mem://out", model="llama3-1-8b-instruct",
                    tokenizer="llama3")
    with pytest.raises(RuntimeError, match=r"tuneprep\[llama-tokenizer\]"):
        BatchProcessor(cfg)
