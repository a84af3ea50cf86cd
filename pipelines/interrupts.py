"""Ctrl-C and SIGTERM end a run with one line, not a screen of tracebacks.

A terminal's Ctrl-C goes to every process of the foreground group: the local runner's SDK
worker processes printed their own KeyboardInterrupt and gRPC tracebacks. So the job runs on a
thread started with SIGINT blocked, a mask every thread it starts and every worker process they
start inherits: only this process's main thread takes the signal. It turns SIGINT and SIGTERM
into Interrupted; the launcher then stops the worker processes itself and prints one line.
"""
from __future__ import annotations

import glob
import os
import signal
import threading
from contextlib import contextmanager
from typing import Callable, Iterator

EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}


class Interrupted(BaseException):
    """A stop asked for by a signal (a BaseException, like KeyboardInterrupt, so that no
    `except Exception` on the way swallows it)."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum
        self.exit_code = EXIT_CODES.get(signum, 128 + signum)


def _raise(signum, frame):
    raise Interrupted(signum)


@contextmanager
def signals_raise() -> Iterator[None]:
    """While the block runs (on the main thread), SIGINT and SIGTERM raise Interrupted."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = {s: signal.signal(s, _raise) for s in EXIT_CODES}
    try:
        yield
    finally:
        for s, handler in saved.items():
            signal.signal(s, handler)


@contextmanager
def ignored() -> Iterator[None]:
    """While the block runs, SIGINT and SIGTERM are ignored: a second Ctrl-C must not cut short
    the launcher's report of the first."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = {s: signal.signal(s, signal.SIG_IGN) for s in EXIT_CODES}
    try:
        yield
    finally:
        for s, handler in saved.items():
            signal.signal(s, handler)


def run_shielded(fn: Callable[[], None]) -> None:
    """Runs fn() on a thread whose SIGINT is blocked (so are the threads and processes it
    starts) and waits for it; its exception is raised here. The wait itself takes signals."""
    outcome: dict = {}

    def target():
        try:
            fn()
        except BaseException as e:   # handed to the waiting thread
            outcome["error"] = e

    thread = threading.Thread(target=target, name="tuneprep-job", daemon=True)
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        thread.start()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    while thread.is_alive():
        thread.join(0.2)
    if "error" in outcome:
        raise outcome["error"]


def stop_worker_processes() -> None:
    """Kills this process's child processes (the local runner's SDK workers) and reaps them,
    so none writes after the launcher has said how the dataset was left."""
    pids = _children()
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for pid in pids:
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass


def _children() -> list[int]:
    pids = []
    for path in glob.glob(f"/proc/{os.getpid()}/task/*/children"):   # Linux
        try:
            with open(path) as f:
                pids += [int(p) for p in f.read().split()]
        except OSError:
            continue
    if pids or os.path.isdir("/proc"):
        return sorted(set(pids))
    try:   # elsewhere, when psutil is there; else the workers end with their control channel
        import psutil
    except ImportError:
        return []
    return [p.pid for p in psutil.Process().children()]
