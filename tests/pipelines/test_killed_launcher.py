"""A killed launcher does not block the rerun (issue 28, item 5): after `kill -9` the launcher
lingers as a zombie until its parent reaps it, and its pid is soon reused; the claim names the
launcher by its start time (/proc/PID/stat field 22), which neither a zombie nor a reused pid
matches, so `--overwrite` proceeds at once. A real run, SIGKILLed, rerun at once."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

from tuneprep.transforms.sink import claim
from tests.helpers import REPO, SAMPLES, layout, write_jsonl

RUN = ["run", "--target", "bedrock-text"]


def _start(cmd: list[str]) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", "tuneprep.pipelines.cli", *cmd], cwd=REPO,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _state(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


@pytest.mark.slow
def test_a_rerun_right_after_kill_9_proceeds_at_once(tmp_path):
    corpus = write_jsonl(tmp_path / "big.jsonl", [
        {"instruction": f"question {i} " * 8, "input": "", "output": f"answer {i} " * 12}
        for i in range(150_000)])
    out = tmp_path / "out"
    first = _start([*RUN, "--input", str(corpus), "--output", str(out), "--workers", "1",
                    "--batch-size", "500"])
    try:
        deadline = time.monotonic() + 90
        while not list(out.glob("_temporary/*/train/*.jsonl")):
            assert time.monotonic() < deadline and first.poll() is None, "no part in time"
            time.sleep(0.05)
        marker = orjson.loads((out / "_RUNNING").read_bytes())
        assert marker["pid"] == first.pid and claim.is_live(claim.holder(str(out)))
        os.kill(first.pid, signal.SIGKILL)
        while _state(first.pid) != "Z":   # killed, and not reaped: a zombie holds the pid
            time.sleep(0.01)
        started = time.monotonic()
        rerun = _start([*RUN, "--input", str(SAMPLES / "alpaca_sample.jsonl"), "--output",
                        str(out), "--overwrite"])
        _, err = rerun.communicate(timeout=120)
        took = time.monotonic() - started
        assert _state(first.pid) == "Z", "the killed launcher was reaped during the test"
    finally:
        first.kill()
        first.communicate()
    assert rerun.returncode == 0, err
    assert took < 60, f"the rerun took {took:.0f} s"
    assert layout(out) == sorted(["train/train.jsonl", "dead_letter/dead_letter.jsonl",
                                  "manifest.json", "report.json", "report.html",
                                  "training-request.json", "_SUCCESS"])


def test_a_reused_pid_or_a_zombie_is_not_the_launcher():
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        beat = time.time()
        start = claim._process(sleeper.pid)[1]
        marker = {"schema": claim.SCHEMA, "run_id": "r", "host": socket.gethostname(),
                  "pid": sleeper.pid, "pid_start": start, "boot_id": claim._boot_id(),
                  "heartbeat": beat}
        assert claim.is_live(marker)
        # the same pid, now another process's: its start time differs
        assert not claim.is_live({**marker, "pid_start": start + 1})
        # the same start after another boot
        assert not claim.is_live({**marker, "boot_id": "another-boot"})
        sleeper.kill()
        while _state(sleeper.pid) != "Z":
            time.sleep(0.01)
        assert not claim.is_live(marker)   # a zombie writes nothing
    finally:
        sleeper.kill()
        sleeper.wait()
