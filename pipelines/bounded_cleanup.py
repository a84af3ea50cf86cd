"""The launcher's clean-up after a failed run, in bounded time. Pure Python.

The clean-up (the run's claim and parts removed, what a rerun needs) talks to the store that
may just have failed: against a frozen endpoint each of its calls waited the whole bound of a
call (transforms/io/s3_retries.py), and a run frozen at its first part took 196 s to end
instead of one call's 90 s. It now gets the time of one call; what it has not done by then
is left (the claim stays, and the error line says to rerun with --overwrite)."""
from __future__ import annotations

import threading
from typing import Callable, TypeVar

from tuneprep.transforms.io import s3_config
from tuneprep.transforms.io.s3_retries import silent_call_bound

T = TypeVar("T")


def within_one_call(work: Callable[[], T], otherwise: T) -> T:
    """work()'s result when it ends within the time of one S3 call, else `otherwise`. work runs
    on a daemon thread: one left behind ends by the store's own timeouts, or with the
    process."""
    result: list = []

    def run():
        try:
            result.append(work())
        except Exception:   # (the store may be what failed: `otherwise` says so)
            pass

    thread = threading.Thread(target=run, daemon=True, name="tuneprep-cleanup")
    thread.start()
    thread.join(silent_call_bound(s3_config.s3_timeout()))
    return result[0] if result else otherwise
