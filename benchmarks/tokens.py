"""What exact token counts cost, side by side in one run: the per-record loop (BatchProcessor,
the worker's whole job but reading and writing) on the same generated corpus, with the limit
estimated (6 characters a token) and counted exactly (transforms/core/tokens.py).

    python -m benchmarks.tokens [--records 50000] [--shape alpaca|messages] [--repeat 3]
        [--tokenizer llama3|mistral-v1]

Rows (µs a record, best of --repeat, and the ratio to the estimate):
- estimate: --model's limit at 6 characters a token (no tokenizer);
- exact, model limit: the model's own limit (Llama 3.1 8B: 16,000 tokens) counted exactly; a
  record whose characters cannot reach it is not tokenized (tokens.upper_bound), so most are not;
- exact, every record: the same limit, with the no-count shortcut off (tokens.cannot_reach and
  tokens.upper_bound patched), so every record is tokenized: the cost of counting them all;
- tokenize only: tokens.count over each record's texts alone, outside the pipeline's loop.
Fast lanes stay on in every row (alpaca → bedrock-text, messages → bedrock-multi-turn), as in a run.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time

import orjson

from benchmarks.corpus import ensure_corpus
from tuneprep.transforms.core import tokens
from tuneprep.transforms.steps.batching import Batch
from tuneprep.transforms.core.config import RunConfig
from tuneprep.transforms.steps.process import BatchProcessor
from tuneprep.transforms.io.readers import RawItem
from tuneprep.transforms.targets import get_target

MODELS = {"llama3": "llama3-1-8b-instruct", "mistral-v1": "mistral-7b"}
TARGETS = {("alpaca", "llama3"): "bedrock-text", ("messages", "llama3"): "bedrock-multi-turn",
           ("alpaca", "mistral-v1"): "sagemaker-instruction"}


def _batches(path: str, adapter: str, size: int = 1024) -> list[Batch]:
    items = []
    with open(path, "rb") as f:
        for line_no, line in enumerate(f, 1):
            try:
                items.append(RawItem(line_no, orjson.loads(line)))
            except orjson.JSONDecodeError:
                continue
    return [Batch(0, i, path, None, adapter, items[i:i + size])
            for i in range(0, len(items), size)]


def _time(run, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--shape", choices=("alpaca", "messages"), default="alpaca")
    parser.add_argument("--tokenizer", choices=tuple(MODELS), default="llama3")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "tuneprep-bench"))
    a = parser.parse_args(argv)
    why = tokens.missing(a.tokenizer)
    if why:
        print(f"the {a.tokenizer} tokenizer is not installed ({why}): {tokens.install_hint(a.tokenizer)}")
        return 1
    target = TARGETS.get((a.shape, a.tokenizer))
    if target is None:
        parser.error(f"--shape {a.shape} with --tokenizer {a.tokenizer}: no target benchmarked")
    paths, size, _ = ensure_corpus(a.workdir, a.shape, a.records)
    adapter = "alpaca" if a.shape == "alpaca" else "messages"
    batches = _batches(paths[0], adapter)
    n = sum(len(b.items) for b in batches)
    model = MODELS[a.tokenizer]
    load = time.perf_counter()
    tokens.encoder(a.tokenizer)
    load = time.perf_counter() - load

    def pipeline(**options):
        processor = BatchProcessor(RunConfig(target=target, output="mem://out", model=model,
                                             **options))

        def run():
            for batch in batches:
                processor(batch)
        return run, processor

    rows = []
    for label, options in (("estimate", {}), ("exact, model limit", {"tokenizer": a.tokenizer})):
        run, _ = pipeline(**options)
        rows.append((label, _time(run, a.repeat)))
    counted = []
    bound, reach, count = tokens.upper_bound, tokens.cannot_reach, tokens.count
    tokens.upper_bound = lambda texts: float("inf")
    tokens.cannot_reach = lambda chars, limit: False
    tokens.count = lambda name, texts: counted.append(1) or count(name, texts)
    try:
        run, _ = pipeline(tokenizer=a.tokenizer)
        rows.append(("exact, every record", _time(run, a.repeat)))
    finally:
        tokens.upper_bound, tokens.cannot_reach, tokens.count = bound, reach, count
    assert len(counted) >= n * 0.9 * a.repeat, "the shortcut was not off"
    t = get_target(target)
    objs = []
    for batch in batches:   # what the pipeline writes, to tokenize alone
        out = BatchProcessor(RunConfig(target=target, output="mem://out", model=model))(batch)
        objs += [orjson.loads(line) for line in out.lines.get("train", [])]
    texts = [t.texts(obj) for obj in objs]
    seconds = _time(lambda: [tokens.count(a.tokenizer, ts) for ts in texts], a.repeat)
    rows.append(("tokenize only", seconds * n / max(len(texts), 1)))

    base = rows[0][1]
    print(f"{n:,} {a.shape} records ({size / 1e6:.1f} MB) → {target} --model {model}; "
          f"{tokens.describe(a.tokenizer)}, loaded in {load:.2f} s; best of {a.repeat}")
    print(f"{'':22} {'µs/record':>10} {'× estimate':>11}")
    for label, seconds in rows:
        print(f"{label:22} {seconds / n * 1e6:10.1f} {seconds / base:11.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
