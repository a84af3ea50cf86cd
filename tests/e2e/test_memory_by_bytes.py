"""Memory bounded by bytes (issue 28, item 7): whatever the records' sizes, a hostile Parquet
file, the shard count or the worker count asked for, a command's memory stays bounded. Each
case is the whole command in a subprocess, its peak RSS measured (tests/helpers.cli_measured).
"""
from __future__ import annotations

import sys

import orjson
import pytest

from tests.helpers import MEMORY_BOUND, MiB, check_run, cli_measured, gzip_members, read_json

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(sys.platform == "win32", reason="resource.getrusage")]


def alpaca(i: int, output: str = "") -> bytes:
    return orjson.dumps({"instruction": f"Question {i}?", "input": "",
                         "output": output or f"Answer {i}."}) + b"\n"


def test_big_records_after_small_ones_make_small_batches(tmp_path):
    """20 tiny records, then 15 of 15 MB in a 1 MB .jsonl.gz: the batch size was set from the
    first records (1,024 of them: every big record in one batch, ~1.5 GiB); a batch now closes
    once it holds its bytes."""
    big = alpaca(0, "words " * (15_000_000 // 6))
    path = gzip_members(tmp_path / "big.jsonl.gz",
                        [(b"".join(alpaca(i) for i in range(20)), 1), (big, 15)])
    out = tmp_path / "out"
    code, stdout, stderr, peak = cli_measured(tmp_path, "run", "--target", "bedrock-text",
                                              "--input", path, "--output", out)
    assert code == 0, stderr
    check_run(out, read_json(out / "report.json"), stdout, 35, 35, {"train": 35}, {})
    assert peak < MEMORY_BOUND, f"peak RSS {peak / MiB:.0f} MiB"
