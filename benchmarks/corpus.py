"""Deterministic synthetic corpora for the benchmark, cached in the work folder by parameters.

alpaca:   {"instruction", "input", "output"} JSONL; lengths vary from a few words to ~2,000
          characters; ~0.5% bad lines (half invalid JSON, half an empty "output").
messages: {"system"?, "messages": [user, assistant, ...]} JSONL with 1-6 exchanges; ~0.5% bad
          role order (two user turns in a row, or an assistant turn first).
A few texts hold U+2028 / U+2029 / U+0085 so both sides exercise the line-separator escaping.
"""
from __future__ import annotations

import os
import random

import orjson

GENERATOR_VERSION = 1
BAD_RATE = 0.005
_WORDS = ("the model data record train answer question explain why how river mountain "
          "python pipeline batch token limit summary write list three reasons paragraph "
          "colour blue green quick brown fox jumps over lazy dog café naïve über 東京 "
          "数据 ответ résumé 😀 — “quoted” tab\tand line\nbreak").split(" ")
_SEPARATORS = ("\u2028", "\u2029", "\u0085")


def _text(rng: random.Random, lo: int, hi: int) -> str:
    # log-uniform word count: many short texts, some long ones (varied lengths)
    n = int(round(lo * (hi / lo) ** rng.random()))
    words = rng.choices(_WORDS, k=n)
    if rng.random() < 0.01:
        words.insert(rng.randrange(len(words) + 1), rng.choice(_SEPARATORS))
    return " ".join(words)


def _alpaca_line(rng: random.Random) -> bytes:
    roll = rng.random()
    record = {"instruction": _text(rng, 3, 60),
              "input": _text(rng, 2, 120) if rng.random() < 0.4 else "",
              "output": _text(rng, 2, 300)}
    if roll < BAD_RATE / 2:
        return orjson.dumps(record)[:-7]            # truncated: invalid JSON
    if roll < BAD_RATE:
        record["output"] = ""                       # empty output
    return orjson.dumps(record)


def _messages_line(rng: random.Random) -> bytes:
    roll = rng.random()
    record = {}
    if rng.random() < 0.5:
        record["system"] = _text(rng, 3, 40)
    messages = []
    for _ in range(rng.randint(1, 6)):
        messages.append({"role": "user", "content": _text(rng, 3, 80)})
        messages.append({"role": "assistant", "content": _text(rng, 3, 200)})
    if roll < BAD_RATE / 2:                         # two user turns in a row
        i = rng.randrange(len(messages) // 2) * 2 + 1
        messages[i] = {"role": "user", "content": messages[i]["content"]}
        messages.append({"role": "assistant", "content": "ok"})
    elif roll < BAD_RATE:                           # starts with the assistant
        messages.insert(0, {"role": "assistant", "content": _text(rng, 3, 20)})
    record["messages"] = messages
    return orjson.dumps(record)


def corpus_dir(workdir: str, shape: str, records: int, files: int, seed: int) -> str:
    return os.path.join(workdir, f"corpus-{shape}-{records}-{files}f-s{seed}-v{GENERATOR_VERSION}")


def ensure_corpus(workdir: str, shape: str, records: int, files: int = 1,
                  seed: int = 1234) -> tuple[list[str], int, bool]:
    """(file paths, total bytes, reused?): generates the corpus unless the same one is cached."""
    folder = corpus_dir(workdir, shape, records, files, seed)
    done = os.path.join(folder, "_DONE")
    paths = [os.path.join(folder, f"part-{i:03d}.jsonl") for i in range(files)]
    if os.path.exists(done) and all(os.path.exists(p) for p in paths):
        return paths, sum(os.path.getsize(p) for p in paths), True
    os.makedirs(folder, exist_ok=True)
    rng = random.Random(f"{shape}:{records}:{seed}")   # the same records however many files
    make = _alpaca_line if shape == "alpaca" else _messages_line
    per_file = [records // files + (1 if i < records % files else 0) for i in range(files)]
    for path, n in zip(paths, per_file):
        with open(path, "wb") as f:
            buf = []
            for _ in range(n):
                buf.append(make(rng))
                if len(buf) >= 8192:
                    f.write(b"\n".join(buf) + b"\n")
                    buf = []
            if buf:
                f.write(b"\n".join(buf) + b"\n")
    with open(done, "w") as f:
        f.write(f"{shape} {records} {files} {seed} v{GENERATOR_VERSION}\n")
    return paths, sum(os.path.getsize(p) for p in paths), False
