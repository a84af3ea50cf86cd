"""Keeps the local worker processes' logging off the user's terminal.

With --workers > 1, Beam starts each SDK worker as `python -m ...sdk_worker_main`, which logs a
few dozen INFO lines on the stderr it inherits before it reads any option. While the job runs,
file descriptor 2 (what the workers inherit) points at a log file, and this process's own
sys.stderr at a copy of the real one, so the progress line and errors still reach the user."""
from __future__ import annotations

import os
import sys
import tempfile
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def workers_log_to_file(enabled: bool) -> Iterator[str | None]:
    """Yields the log file's path (None when not enabled). The file is removed when the block
    ends without an error, and kept for the error message otherwise."""
    if not enabled:
        yield None
        return
    try:
        sys.stderr.flush()
        terminal = os.dup(2)
    except (OSError, ValueError, AttributeError):   # no real stderr: nothing to keep clean
        yield None
        return
    fd, path = tempfile.mkstemp(prefix="tuneprep-workers-", suffix=".log")
    saved_stderr = sys.stderr
    os.dup2(fd, 2)
    os.close(fd)
    sys.stderr = open(terminal, "w", buffering=1, encoding=getattr(saved_stderr, "encoding", None)
                      or "utf-8", errors="backslashreplace", closefd=False)
    ok = False
    try:
        yield path
        ok = True
    finally:
        sys.stderr.flush()
        sys.stderr.close()
        sys.stderr = saved_stderr
        os.dup2(terminal, 2)
        os.close(terminal)
        if ok:
            os.unlink(path)
