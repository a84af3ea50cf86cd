"""A closed pipe ends the command quietly: `tuneprep targets | head -1`, `tuneprep inspect … | less`
quit early.

Python ignores SIGPIPE, so a write to a pipe whose reader has gone raises BrokenPipeError where
the write happens (often at the last flush, as the interpreter exits), with a traceback on
stderr. Like interrupts.py does for Ctrl-C, the command ends with no traceback and the exit code
a shell gives any tool a closed pipe stopped, 128 + SIGPIPE; stdout is pointed at /dev/null so
the interpreter's own last flush of what is still buffered cannot raise again.
"""
from __future__ import annotations

import os
import signal
import sys
from typing import Callable

EXIT_CODE = 128 + signal.SIGPIPE   # 141, as for `yes | head -1` under `set -o pipefail`


def quiet_on_closed_pipe(command: Callable[[], int]) -> int:
    """command()'s exit code, or EXIT_CODE when its stdout was a pipe closed under it."""
    try:
        try:
            return command()
        finally:   # (argparse's --help exits through SystemExit: its text is flushed too)
            sys.stdout.flush()
    except BrokenPipeError:
        _stdout_to_devnull()
        return EXIT_CODE


def _stdout_to_devnull() -> None:
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError):   # no real stdout (a test's capture)
        pass
