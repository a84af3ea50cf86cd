"""Byte-identical datasets across processes: two runs of the same job in separate processes
with different hash seeds (PYTHONHASHSEED changes the order of every set and the hash of every
str) write the same bytes in every data file, the dead letters and the manifest's digests. In
one process the seed is fixed, so an in-process comparison could not catch a set or hash order
leaking into the output."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from tests.helpers import REPO, SAMPLES, layout, stable_files, stable_report

pytestmark = pytest.mark.slow   # (`pytest -m "not slow"` is the quick loop)

JOBS = {
    "bedrock-text, validation split": ["--input", str(SAMPLES / "alpaca_sample.jsonl"),
                                       "--input", str(SAMPLES / "chat_sample.jsonl"),
                                       "--target", "bedrock-text", "--validation-split", "0.2"],
    "sagemaker-instruction, 3 shards": ["--input", str(SAMPLES / "alpaca_sample.jsonl"),
                                        "--target", "sagemaker-instruction", "--num-shards", "3",
                                        "--validation-split", "0.1"],
    "bedrock-conversation": ["--input", str(SAMPLES / "chat_sample.jsonl"),
                             "--target", "bedrock-conversation", "--model", "nova-lite"],
}


def run_with_seed(out: Path, seed: str, args: list[str]) -> None:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run([sys.executable, "-m", "tuneprep", "run", *args, "--output", str(out)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("job", sorted(JOBS))
def test_two_processes_with_different_hash_seeds_write_the_same_bytes(job, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    run_with_seed(a, "1", JOBS[job])
    run_with_seed(b, "2", JOBS[job])
    assert layout(a) == layout(b)
    for rel in layout(a):
        if rel.endswith(".jsonl") or rel.endswith("template.json"):
            assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel
    digests = [{f["path"]: f["sha256"] for f in stable_files(orjson.loads(
        (d / "manifest.json").read_bytes())["files"])} for d in (a, b)]
    assert digests[0] == digests[1]
    reports = [stable_report(orjson.loads((d / "report.json").read_bytes())) for d in (a, b)]
    assert reports[0] == reports[1]
