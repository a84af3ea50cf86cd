"""transforms/steps/progress.py and the progress line of `tuneprep run`: the formatting, the
terminal/plain/--quiet switch, a real run on a pseudo-terminal (bytes, percentage), and plain
lines every few seconds when stderr is a file (none for a run shorter than that)."""
from __future__ import annotations

import io
import os
import pty
import select
import subprocess
import sys
import time

from tuneprep.transforms.steps import progress
from tuneprep.transforms.steps.progress import (CLEAR_LINE, Counters, StatusLine, compact, format_elapsed,
                                 format_status, should_show)

import pytest

from tests.helpers import REPO, SAMPLES, write_jsonl


class _Tty(io.StringIO):
    def isatty(self):
        return True


# ---------------------------------------------------------------- formatting

def test_compact_numbers_and_elapsed_time():
    assert [compact(n) for n in (0, 999, 1234, 45_600, 2_300_000)] == [
        "0", "999", "1,234", "45.6k", "2.3M"]
    assert format_elapsed(7.9) == "0:07"
    assert format_elapsed(125) == "2:05"
    assert format_elapsed(3725) == "1:02:05"


def test_status_line_shows_files_records_rate_and_dead_letters():
    assert format_status(3, 10, 120_000, 12, 2.0) == (
        "files 3/10 · 120,000 records · 60.0k records/s · 12 dead letters · 0:02")
    assert format_status(0, 1, 0, 0, 0.0) == (
        "files 0/1 · 0 records · 0 records/s · 0 dead letters · 0:00")


def test_status_line_shows_bytes_of_the_total_percentage_and_time_left():
    assert format_status(1, 2, 5_000, 0, 10.0, 20_000_000, 80_000_000) == (
        "files 1/2 · 20.0 MB/80.0 MB (25%) · 5,000 records · 500 records/s · 0 dead letters · "
        "0:10 · 0:30 left")
    assert format_status(2, 2, 9_000, 1, 12.0, 80_000_000, 80_000_000).endswith(
        "80.0 MB/80.0 MB (100%) · 9,000 records · 750 records/s · 1 dead letters · 0:12")
    assert " left" not in format_status(0, 1, 0, 0, 3.0, 0, 950)     # nothing read: no guess
    assert "0 B/950 B (0%)" in format_status(0, 1, 0, 0, 3.0, 0, 950)
    assert "%" not in format_status(0, 1, 0, 0, 3.0, 0, None)       # size unknown (S3)


# ---------------------------------------------------------------- when to show it

def test_shown_only_on_a_terminal_and_never_under_quiet():
    assert should_show(_Tty(), quiet=False)
    assert not should_show(_Tty(), quiet=True)
    assert not should_show(io.StringIO(), quiet=False)
    closed = open(os.devnull, "w")
    closed.close()                                  # isatty() raises on a closed file
    assert not should_show(closed, quiet=False)
    assert not should_show(object(), quiet=False)


def test_counters_count_only_while_a_line_is_shown():
    c = Counters()
    c.add_batch(100, 3)
    c.file_done()
    assert (c.records, c.dead, c.files_done) == (0, 0, 0)     # inactive: a no-op
    stream = _Tty()
    with StatusLine(stream, True, files_total=2, interval=0.01, counters=c):
        c.add_batch(100, 3)
        c.add_batch(50, 0)
        c.file_done()
        time.sleep(0.05)
    assert not c.active
    text = stream.getvalue()
    assert text.startswith(CLEAR_LINE + "files 0/2 · 0 records")
    assert "files 1/2 · 150 records" in text and "3 dead letters" in text
    assert text.endswith(CLEAR_LINE)                # the line is cleared for what follows
    assert "\n" not in text


def test_plain_lines_come_every_interval_with_newlines_and_no_control_characters():
    stream, c = io.StringIO(), Counters()
    with StatusLine(stream, True, files_total=2, interval=0.02, counters=c, plain=True,
                    bytes_total=2000):
        c.add_batch(100, 3)
        c.file_done(1000)
        time.sleep(0.15)
    lines = stream.getvalue().splitlines(keepends=True)
    assert len(lines) >= 2 and all(line.endswith("\n") for line in lines)
    assert "\r" not in stream.getvalue() and "\x1b" not in stream.getvalue()
    assert lines[-1] == ("progress: files 1/2 · 1.0 kB/2.0 kB (50%) · 100 records · "
                         + lines[-1].split("100 records · ", 1)[1])
    assert "3 dead letters" in lines[-1] and " left\n" in lines[-1]
    stream = io.StringIO()   # a run shorter than the interval writes nothing at all
    with StatusLine(stream, True, files_total=1, counters=c, plain=True):
        c.add_batch(5, 0)
    assert stream.getvalue() == ""


def test_plain_lines_unless_a_terminal_or_quiet_and_the_interval_from_the_environment(
        monkeypatch):
    assert progress.display(_Tty(), quiet=False) == progress.TERMINAL
    assert progress.display(io.StringIO(), quiet=False) == progress.PLAIN
    assert progress.display(io.StringIO(), quiet=True) is None
    assert progress.display(object(), quiet=False) is None
    monkeypatch.delenv(progress.PLAIN_INTERVAL_ENV, raising=False)
    assert progress.plain_interval() == progress.PLAIN_INTERVAL == 10.0
    assert StatusLine(io.StringIO(), True, plain=True).interval == 10.0
    monkeypatch.setenv(progress.PLAIN_INTERVAL_ENV, "0.5")
    assert StatusLine(io.StringIO(), True, plain=True).interval == 0.5
    assert StatusLine(_Tty(), True).interval == progress.TERMINAL_INTERVAL
    for bad in ("soon", "0", "-1"):
        monkeypatch.setenv(progress.PLAIN_INTERVAL_ENV, bad)
        assert progress.plain_interval() == 10.0


def test_a_worker_relays_its_bytes_too(tmp_path, monkeypatch):
    worker = Counters()
    monkeypatch.setenv(progress.RELAY_ENV, str(tmp_path))
    worker.file_done(300, last=False)     # a byte range of a file: bytes, no file yet
    worker.add_batch(10, 1)
    worker.file_done(200, last=True)
    launcher = Counters()
    assert launcher.with_relayed(str(tmp_path)) == (1, 10, 1, 500)


def test_disabled_status_line_writes_nothing_and_counts_nothing():
    stream, c = _Tty(), Counters()
    with StatusLine(stream, False, files_total=2, interval=0.01, counters=c):
        c.add_batch(100, 3)
        time.sleep(0.03)
    assert stream.getvalue() == "" and c.records == 0


# ---------------------------------------------------------------- a real run

def _run_on_pty(args: list[str], cwd) -> tuple[int, bytes]:
    """Runs the CLI with stderr on a pseudo-terminal; returns (exit code, terminal bytes)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "tuneprep.pipelines.cli", *args], cwd=cwd,
                            stdout=subprocess.DEVNULL, stderr=slave,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    os.close(slave)
    data = b""
    while True:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:    # the child closed the terminal
                break
            if not chunk:
                break
            data += chunk
        elif proc.poll() is not None:
            break
    os.close(master)
    return proc.wait(timeout=120), data


@pytest.mark.slow
def test_run_draws_progress_on_a_terminal_and_not_under_quiet(tmp_path):
    args = ["run", "--input", str(SAMPLES / "alpaca_sample.jsonl"), "--target", "bedrock-text"]
    code, data = _run_on_pty(args + ["--output", str(tmp_path / "a")], REPO)
    assert code == 0, data
    text = data.decode("utf-8", "replace")
    size = progress.format_bytes((SAMPLES / "alpaca_sample.jsonl").stat().st_size)
    assert f"files 0/1 · 0 B/{size} (0%) · 0 records" in text                 # at the start
    assert f"files 1/1 · {size}/{size} (100%) · 94 records" in text          # the final counts
    assert "3 dead letters" in text and text.rstrip("\r\n").endswith("\x1b[K")

    code, data = _run_on_pty(args + ["--output", str(tmp_path / "b"), "--quiet"], REPO)
    assert code == 0 and b"records/s" not in data


@pytest.mark.slow
def test_a_run_shorter_than_the_interval_writes_no_progress_to_a_pipe(tmp_path):
    env = {**os.environ, progress.PLAIN_INTERVAL_ENV: "3600"}   # (not the clock's luck)
    done = subprocess.run([sys.executable, "-m", "tuneprep.pipelines.cli", "run", "--input",
                           str(SAMPLES / "alpaca_sample.jsonl"), "--target", "bedrock-text",
                           "--output", str(tmp_path / "out")], cwd=REPO, capture_output=True,
                          text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert progress.COUNTERS.active is False


@pytest.mark.slow
def test_a_run_with_stderr_to_a_file_writes_plain_progress_lines(tmp_path):
    """As under cron or CI: stderr is a file. With the interval lowered (the environment
    variable the README documents), a run of a few seconds writes several plain lines."""
    files = [write_jsonl(tmp_path / f"part-{i}.jsonl", (
        {"instruction": f"Question {i}-{n} " + "x" * 200, "input": "",
         "output": f"Answer {n} " + "y" * 200} for n in range(15_000))) for i in range(2)]
    total = sum(f.stat().st_size for f in files)
    log = tmp_path / "stderr.log"
    with open(log, "w") as stderr:
        done = subprocess.run(
            [sys.executable, "-m", "tuneprep.pipelines.cli", "run", "--input", str(files[0]),
             "--input", str(files[1]), "--target", "bedrock-text", "--workers", "1",
             "--output", str(tmp_path / "out")], cwd=REPO, stdout=subprocess.PIPE,
            stderr=stderr, text=True, timeout=300,
            env={**os.environ, progress.PLAIN_INTERVAL_ENV: "0.2"})
    assert done.returncode == 0
    assert done.stdout.startswith("records in: 30,000; accepted: 30,000;")
    text = log.read_text(encoding="utf-8")
    assert "\r" not in text and "\x1b" not in text
    lines = text.splitlines()
    assert len(lines) >= 3 and all(line.startswith("progress: files ") for line in lines)
    assert all(f"/{progress.format_bytes(total)} (" in line for line in lines)
    assert lines[0].startswith("progress: files 0/2 · 0 B/")
