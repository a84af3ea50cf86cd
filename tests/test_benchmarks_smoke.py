"""Smoke test of the benchmark harness: ~2,000 records, baseline and tuneprep side by side."""
import os
import subprocess
import sys

import orjson
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _bench(tmp_path, *extra):
    out_json = tmp_path / "result.json"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--records", "2000", "--workdir",
         str(tmp_path / "work"), "--json", str(out_json), *extra],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout, orjson.loads(out_json.read_bytes())


@pytest.mark.slow
def test_benchmark_runs_and_both_sides_agree(tmp_path):
    stdout, result = _bench(tmp_path, "--append-results", str(tmp_path / "results.md"))
    assert "| wall time (s) |" in stdout and "tuneprep / baseline" in stdout
    assert "WARNING" not in stdout
    runs = {r["tool"]: r for r in result["runs"]}
    base, tune = runs["baseline"], runs["tuneprep"]
    assert base["returncode"] == tune["returncode"] == 0
    # ~0.5% bad lines: some dead letters, the rest written, nothing lost
    assert 0 < base["dead_letters"] < 40
    assert base["output_lines"] + base["dead_letters"] == 2000
    assert (base["output_lines"], base["dead_letters"], base["reasons"]) == \
        (tune["output_lines"], tune["dead_letters"], tune["reasons"])
    assert result["summary"]["counts_agree"]
    assert base["peak_rss"] > 0 and tune["peak_rss"] > 0
    assert "| wall time (s) |" in (tmp_path / "results.md").read_text()


def test_corpus_is_deterministic_and_cached(tmp_path):
    from benchmarks.corpus import ensure_corpus
    a, size_a, reused_a = ensure_corpus(str(tmp_path / "a"), "messages", 300, 2)
    b, size_b, _ = ensure_corpus(str(tmp_path / "b"), "messages", 300, 2)
    _, _, reused_again = ensure_corpus(str(tmp_path / "a"), "messages", 300, 2)
    assert not reused_a and reused_again and size_a == size_b
    assert [open(p, "rb").read() for p in a] == [open(p, "rb").read() for p in b]
