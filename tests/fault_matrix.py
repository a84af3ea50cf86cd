"""The faults x phases of a run on S3 (issue 28, item 10): each fault of tests/s3_fault_proxy.py
starting at the first request of each phase of a real `tuneprep run` (a subprocess: a hang
fails the cell instead of hanging it), input and output on the moto test server. A lasting
fault (refused connections, a frozen endpoint, 500 on every request) must end the run with
exit 1, one error line and no _SUCCESS within its bound; a passing one (503 SlowDown, resets,
for FLURRY requests) must be tried again to a complete dataset whose accounting holds: records
in = written + dead letters. Used by tests/transforms/io/test_s3_faults.py and
benchmarks/fault_table.py (the whole table, on demand)."""
from __future__ import annotations

import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from tests.helpers import S3Bucket, S3Server, s3_cli_env
from tests.s3_fault_proxy import FaultProxy, lasting_from, passing_after
from tuneprep.transforms.io import s3_retries

TIMEOUT = 1        # s a try (TUNEPREP_S3_TIMEOUT): a frozen call fails in seconds
SHUTDOWN = 12      # s the runner may take to stop its threads once the run has failed
RECORDS = 200      # good input lines, and BAD ones (not JSON: dead letters)
BAD = 3
FLURRY = 7         # requests a passing fault meets: more than one call's botocore tries


def _key(path: str) -> str:
    return path.split("?", 1)[0]


# where each phase starts: its first request (method, path), path-style as the proxy sees it
PHASES = {
    "listing/launch": lambda method, path: True,
    "reading input": lambda method, path: method == "GET" and _key(path).endswith("/in/a.jsonl"),
    "writing parts": lambda method, path: method == "PUT" and "/_temporary/" in path,
    "commit: train.jsonl": lambda method, path: _key(path).endswith("/out/train/train.jsonl"),
    "commit: _SUCCESS": lambda method, path: _key(path).endswith("/out/_SUCCESS"),
}
LASTING = ("refuse", "freeze", "500")   # the run fails
PASSING = ("503", "reset")              # tried again: the run succeeds


def fail_bound(fault: str) -> float:
    """Seconds from the first fault to the launcher's exit (s3_retries' bounds): the call
    that fails, the launcher's clean-up (one call's time), the runner's shutdown."""
    if fault == "freeze":
        return s3_retries.failed_run_bound(TIMEOUT) + SHUTDOWN
    return s3_retries.refused_call_bound() + s3_retries.silent_call_bound(TIMEOUT) + SHUTDOWN


@dataclass
class Cell:
    fault: str
    phase: str
    code: int = -1
    stdout: str = ""
    stderr: str = ""
    seconds: float = 0.0          # from the first fault to the exit (the whole run if none)
    faulted: int = 0              # requests the fault met
    keys: list[str] = field(default_factory=list)   # what the run left in out/
    records: dict | None = None   # a complete dataset's accounting: in, written, dead letters


def corpus() -> bytes:
    lines = [orjson.dumps({"prompt": f"question {i}", "completion": f"answer {i}"})
             for i in range(RECORDS)]
    for i in range(BAD):   # spread through the file
        lines.insert(1 + i * RECORDS // BAD, b'{"prompt": "cut')
    return b"\n".join(lines) + b"\n"


def run_cell(server: S3Server, fault: str, phase: str, tmp_path: Path) -> Cell:
    first = PHASES[phase]
    rule = (lasting_from(fault, first) if fault in LASTING
            else passing_after(fault, first, FLURRY))
    bucket = S3Bucket(server, f"tp-{uuid.uuid4().hex[:12]}")
    source = bucket.put("in/a.jsonl", corpus())
    proxy = FaultProxy(server.port, rule, lifetime=150)
    started = time.monotonic()
    done, ended = run_through(proxy, source, bucket, tmp_path, timeout=150)
    cell = Cell(fault, phase, done.returncode, done.stdout, done.stderr,
                ended - (proxy.first_fault or started), proxy.faults(fault), bucket.keys("out/"))
    if done.returncode == 0:
        cell.records = accounting(bucket)
    return cell


def run_through(proxy: FaultProxy, source, bucket: S3Bucket, tmp_path: Path,
                timeout: float) -> tuple[subprocess.CompletedProcess, float]:
    """`tuneprep run` from `source` to the bucket's out/ through the proxy, in a subprocess (a
    hang fails it at `timeout` instead of hanging the test), the proxy stopped after: the run
    and the moment it ended (time.monotonic)."""
    try:
        done = subprocess.run([sys.executable, "-m", "tuneprep.pipelines.cli", "run", "--target",
                               "bedrock-text", "--s3-endpoint-url", proxy.endpoint, "--input",
                               str(source), "--output", bucket.uri("out")], cwd=tmp_path,
                              env=s3_cli_env(tmp_path, TIMEOUT), capture_output=True, text=True,
                              timeout=timeout)
        return done, time.monotonic()
    finally:
        proxy.stop()


def accounting(bucket: S3Bucket) -> dict:
    """What the dataset's report says and what its files hold."""
    report = orjson.loads(bucket.get("out/report.json"))
    return {"in": report["input_records"], "written": sum(report["output_records"].values()),
            "dead letters": report["dead_letter_records"],
            "train lines": len(bucket.get("out/train/train.jsonl").splitlines()),
            "dead letter lines": len(
                bucket.get("out/dead_letter/dead_letter.jsonl").splitlines())}


def check(cell: Cell) -> None:
    """The rule of a cell (AssertionError otherwise): see the module's docstring."""
    where = f"{cell.fault} at {cell.phase}"
    assert cell.faulted, f"{where}: the fault never met a request: {cell.stdout}{cell.stderr}"
    if cell.fault in PASSING:
        assert cell.code == 0 and "out/_SUCCESS" in cell.keys, (where, cell.stderr)
        n = cell.records
        assert n["in"] == RECORDS + BAD and n["in"] == n["written"] + n["dead letters"], (where, n)
        assert (n["train lines"], n["dead letter lines"]) == (n["written"], n["dead letters"])
        return
    lines = cell.stderr.splitlines()
    assert cell.code == 1 and cell.stdout == "", (where, cell.code, cell.stdout, cell.stderr)
    assert len(lines) == 1 and lines[0].startswith("error: "), (where, cell.stderr)
    if cell.phase != "listing/launch":   # once the output is claimed, the line says its state
        assert "/out is not complete (no _SUCCESS)" in lines[0], (where, lines[0])
    assert "out/_SUCCESS" not in cell.keys, (where, cell.keys)
    assert cell.seconds < fail_bound(cell.fault), (where, cell.seconds, fail_bound(cell.fault))
