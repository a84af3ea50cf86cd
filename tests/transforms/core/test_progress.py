"""transforms/core/progress.py and the progress line of `tuneprep run`: the formatting, the
terminal/--quiet switch, and a real run on a pseudo-terminal (and none when stderr is a pipe)."""
from __future__ import annotations

import io
import os
import pty
import select
import subprocess
import sys
import time

from tuneprep.transforms.core import progress
from tuneprep.transforms.core.progress import (CLEAR_LINE, Counters, StatusLine, compact, format_elapsed,
                                 format_status, should_show)

from tests.helpers import REPO, SAMPLES


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


def test_run_draws_progress_on_a_terminal_and_not_under_quiet(tmp_path):
    args = ["run", "--input", str(SAMPLES / "alpaca_sample.jsonl"), "--target", "bedrock-text"]
    code, data = _run_on_pty(args + ["--output", str(tmp_path / "a")], REPO)
    assert code == 0, data
    text = data.decode("utf-8", "replace")
    assert "files 0/1 · 0 records" in text              # drawn at the start
    assert "files 1/1 · 94 records" in text             # the final counts
    assert "3 dead letters" in text and text.rstrip("\r\n").endswith("\x1b[K")

    code, data = _run_on_pty(args + ["--output", str(tmp_path / "b"), "--quiet"], REPO)
    assert code == 0 and b"records/s" not in data


def test_no_progress_when_stderr_is_not_a_terminal(tmp_path):
    done = subprocess.run([sys.executable, "-m", "tuneprep.pipelines.cli", "run", "--input",
                           str(SAMPLES / "alpaca_sample.jsonl"), "--target", "bedrock-text",
                           "--output", str(tmp_path / "out")], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert progress.COUNTERS.active is False
