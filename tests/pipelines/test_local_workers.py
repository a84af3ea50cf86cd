"""pipelines/local_workers.py and runs with local worker processes: how many workers a run
gets, and a real `tuneprep run` on two SDK worker processes over a file cut in byte ranges,
which must write exactly what the in-process run writes."""
from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from tuneprep.pipelines.local_workers import (PARALLEL_MIN_BYTES, check_workers_option, with_local_workers,
                                     worker_count, worker_environment)
from tuneprep.pipelines.options import UsageError
from tuneprep.transforms.steps import progress
from tuneprep.transforms.core.config import RunConfig

from tests.helpers import REPO, alpaca_lines, check_run, read_jsonl

MIB = 1024 * 1024


def sparse_file(path: Path, size: int) -> str:
    """A file of `size` bytes that takes no disk space: worker_count only looks at sizes."""
    with open(path, "wb") as f:
        f.truncate(size)
    return str(path)


def test_small_inputs_run_in_one_process(tmp_path):
    small = sparse_file(tmp_path / "a.jsonl", PARALLEL_MIN_BYTES - 1)
    assert worker_count([small], None, 32 * MIB, cpus=2) == 1


def test_one_worker_per_cpu_but_never_more_than_the_pieces_of_work(tmp_path):
    big = sparse_file(tmp_path / "big.jsonl", 400 * MIB)              # cut into 12 ranges
    assert worker_count([big], None, 32 * MIB, cpus=2) == 2
    assert worker_count([big], None, 32 * MIB, cpus=8) == 8
    assert worker_count([big], None, 32 * MIB, cpus=1) == 1
    gz = sparse_file(tmp_path / "big.jsonl.gz", 400 * MIB)            # cannot be cut: one piece
    assert worker_count([gz], None, 32 * MIB, cpus=8) == 1
    assert worker_count([big], None, 0, cpus=8) == 1                   # cutting turned off
    files = [sparse_file(tmp_path / f"f{i}.csv", 30 * MIB) for i in range(3)]
    assert worker_count(files, None, 32 * MIB, cpus=8) == 3


def test_worker_options_are_added_only_for_the_local_runner_and_never_override(tmp_path):
    cfg = RunConfig(target="bedrock-text", output="o",
                    inputs=[sparse_file(tmp_path / "big.jsonl", 400 * MIB)])
    added = with_local_workers([], 2, cfg)
    assert added == ["--direct_num_workers", "2", "--direct_running_mode", "multi_processing"]
    assert with_local_workers([], 1, cfg) == []
    mine = ["--direct_num_workers", "1"]
    assert with_local_workers(mine, None, cfg) == mine
    remote = ["--runner", "DataflowRunner"]
    assert with_local_workers(remote, None, cfg) == remote


def test_workers_never_outnumber_the_pieces_of_work_or_the_cpus(tmp_path, monkeypatch):
    """--workers 1000 for 50 records started 218 processes: now no more than the pieces of
    work (one small file: one piece, so in-process), and more than 4 a CPU is refused."""
    small = tmp_path / "s.jsonl"
    small.write_bytes(b"\n".join(alpaca_lines(50)) + b"\n")
    cfg = RunConfig(target="bedrock-text", output="o", inputs=[str(small)])
    notes = []
    assert with_local_workers([], 8, cfg, notes.append) == []
    # 3 ranges of ~32 MiB
    cfg = dataclasses.replace(cfg, inputs=[sparse_file(tmp_path / "big.jsonl", 100 * MIB)])
    assert with_local_workers([], 8, cfg, notes.append)[:2] == ["--direct_num_workers", "3"]
    assert with_local_workers([], 3, cfg, notes.append)[:2] == ["--direct_num_workers", "3"]
    assert notes == [f"--workers 8: {n} used, one per file or byte range to read (more would "
                     "only start and wait)" for n in (1, 3)]   # (none when all are used)
    monkeypatch.setattr("tuneprep.pipelines.local_workers.cpu_count", lambda: 2)
    check_workers_option(8, [])
    with pytest.raises(UsageError, match=r"^--workers 1,000: at most 8 on this machine "
                                         r"\(4 a CPU; each worker is a process of ~130 MiB\)$"):
        check_workers_option(1000, [])


def test_workers_option_errors():
    check_workers_option(None, ["--runner", "FlinkRunner"])
    check_workers_option(2, [])
    with pytest.raises(UsageError, match="--workers is for the local runner"):
        check_workers_option(2, ["--runner=DataflowRunner"])
    with pytest.raises(UsageError, match="give one or the other"):
        check_workers_option(2, ["--direct_running_mode", "in_memory"])


def test_worker_counts_reach_the_launcher_through_the_relay_folder(tmp_path, monkeypatch):
    worker = progress.Counters()           # a worker process: inactive, the folder inherited
    monkeypatch.setenv(progress.RELAY_ENV, str(tmp_path))
    worker.add_batch(4096, 7)
    worker.add_batch(100, 1)
    worker.file_done(5_000)                # a file of 5,000 bytes read
    launcher = progress.Counters()
    launcher.active = True
    launcher.add_batch(10, 0)              # its own in-process counts are added too
    assert launcher.with_relayed(str(tmp_path)) == (1, 4206, 8, 5_000)
    monkeypatch.delenv(progress.RELAY_ENV)
    idle = progress.Counters()
    idle.add_batch(5, 5)                   # no status line anywhere: a no-op
    assert idle.records == 0


# ---------------------------------------------------------------- real runs

def run_cli(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tuneprep.pipelines.cli", "run", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(REPO)})


def dataset_files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*.jsonl"))}


@pytest.mark.slow
def test_two_worker_processes_write_exactly_what_one_process_writes(tmp_path):
    path = tmp_path / "corpus.jsonl"
    path.write_bytes(b"\n".join(alpaca_lines(3000)) + b"\n")
    common = ["--input", str(path), "--target", "sagemaker-instruction", "--num-shards", "3",
              "--validation-split", "0.2", "--max-record-bytes", "200"]
    one = run_cli([*common, "--output", str(tmp_path / "one"), "--workers", "1"])
    two = run_cli([*common, "--output", str(tmp_path / "two"), "--workers", "2",
                   "--split-bytes", "20000"])
    assert one.returncode == 0, one.stderr
    assert two.returncode == 0, two.stderr
    assert two.stderr == ""                     # the workers' own logging stays off stderr
    assert one.stdout.splitlines()[0] == two.stdout.splitlines()[0]     # the counts
    assert dataset_files(tmp_path / "two") == dataset_files(tmp_path / "one")
    report = orjson.loads((tmp_path / "two" / "report.json").read_bytes())
    bad_json = sum(1 for i in range(1, 3001) if i % 37 == 0)
    too_large = sum(1 for i in range(1, 3001) if i % 43 == 0 and i % 37 and i % 41)
    blank = sum(1 for i in range(1, 3001) if i % 41 == 0 and i % 37)
    n_in = 3000 - blank
    dead = check_run(tmp_path / "two", report, two.stdout, n_in, n_in - bad_json - too_large,
                     report["output_records"],
                     {"invalid_json": bad_json, "record_too_large": too_large})
    # every dead letter names its true line, whichever range it was read in
    assert sorted(d["source"]["line"] for d in dead) == sorted(
        i for i in range(1, 3001) if (i % 37 == 0) or (i % 43 == 0 and i % 41))
    written = sum(len(read_jsonl(p)) for p in (tmp_path / "two").glob("*/part-*.jsonl"))
    assert written == n_in - bad_json - too_large


def test_worker_environment_is_set_for_the_run_only_and_never_over_the_users(monkeypatch):
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    with worker_environment(True):
        assert os.environ["MALLOC_ARENA_MAX"] == "2"
    assert "MALLOC_ARENA_MAX" not in os.environ
    with worker_environment(False):
        assert "MALLOC_ARENA_MAX" not in os.environ
    monkeypatch.setenv("MALLOC_ARENA_MAX", "8")
    with worker_environment(True):
        assert os.environ["MALLOC_ARENA_MAX"] == "8"
    assert os.environ["MALLOC_ARENA_MAX"] == "8"


WORKER_LOG_SCRIPT = """
import os, sys
from tuneprep.pipelines.worker_logs import workers_log_to_file
fail = sys.argv[1] == "fail"
try:
    with workers_log_to_file(True) as path:
        os.write(2, b"INFO:__main__:Logging handler created.\\n")   # what a worker writes
        print("progress line", file=sys.stderr)                     # what tuneprep writes
        if fail:
            raise RuntimeError("boom")
except RuntimeError:
    pass
print("log kept" if os.path.exists(path) else "log removed", open(path).read().strip()
      if os.path.exists(path) else "")
if os.path.exists(path):
    os.remove(path)
"""


@pytest.mark.parametrize("outcome", ["ok", "fail"])
def test_worker_logging_goes_to_a_file_and_ours_to_the_terminal(outcome):
    done = subprocess.run([sys.executable, "-c", WORKER_LOG_SCRIPT, outcome], cwd=REPO,
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr
    assert done.stderr == "progress line\n"
    if outcome == "ok":
        assert done.stdout.strip() == "log removed"
    else:   # kept for the error message, with what the worker wrote
        assert done.stdout.strip() == "log kept INFO:__main__:Logging handler created."


def test_a_default_run_never_reaches_for_prism(tmp_path, caplog, capsys):
    """Beam's DirectRunner first tries Prism for a pipeline Prism supports, downloading its
    binary from GitHub: a run must never fetch anything, and offline the attempt only costs
    time. tuneprep's graph (its exception-handling ParDos) keeps the DirectRunner on its own
    FnApiRunner; this fails if that ever changes."""
    from tuneprep.pipelines.cli import main
    caplog.set_level("INFO", logger="apache_beam.runners")
    code = main(["run", "--input", str(REPO / "samples" / "alpaca_sample.jsonl"),
                 "--target", "bedrock-text", "--output", str(tmp_path / "out")])
    assert code == 0, capsys.readouterr().err
    assert (tmp_path / "out" / "_SUCCESS").exists()
    assert not [r for r in caplog.records if "prism" in r.getMessage().lower()], caplog.text
