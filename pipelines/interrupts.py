"""Ctrl-C, SIGTERM and SIGHUP end a run with one line, not a screen of tracebacks.

A terminal's Ctrl-C (and a `kill` of the process group) reaches every process of the group,
the local runner's SDK worker processes too: they and Beam's threads here printed screens of
KeyboardInterrupt and gRPC tracebacks. So the job runs on a thread of its own while the main
thread waits and takes the signals (Python runs signal handlers on the main thread only): they
become Interrupted, and the launcher kills the worker processes itself (SIGKILL, as Beam does
when it stops them) and prints one line. The workers' own output goes to their log file
(pipelines/worker_logs.py); an exception that ends one of Beam's threads while the job runs is
logged (shown with --verbose), not printed on the terminal.
"""
from __future__ import annotations

import glob
import logging
import os
import signal
import sys
import threading
from contextlib import contextmanager
from typing import Callable, Iterator

# SIGHUP too (a closed terminal, a lost ssh session): its default ended the launcher at once,
# its claim left, and its worker processes ran on for minutes
EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143,
              **({signal.SIGHUP: 129} if hasattr(signal, "SIGHUP") else {})}   # (not on Windows)


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
    """While the block runs (on the main thread), the signals of EXIT_CODES raise Interrupted."""
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
    """While the block runs, the signals of EXIT_CODES are ignored: a second Ctrl-C must not cut
    short the launcher's report of the first."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = {s: signal.signal(s, signal.SIG_IGN) for s in EXIT_CODES}
    try:
        yield
    finally:
        for s, handler in saved.items():
            signal.signal(s, handler)


def run_on_thread(fn: Callable[[], None]) -> None:
    """Runs fn() on a thread and waits for it, taking signals meanwhile; fn's exception is
    raised here."""
    outcome: dict = {}

    def target():
        try:
            fn()
        except BaseException as e:   # handed to the waiting thread
            outcome["error"] = e

    thread = threading.Thread(target=target, name="tuneprep-job", daemon=True)
    saved_hook = threading.excepthook
    threading.excepthook = _log_thread_exception
    thread.start()
    while thread.is_alive():   # (Interrupted leaves the hook: Beam's threads go on meanwhile)
        thread.join(0.2)
    threading.excepthook = saved_hook
    if "error" in outcome:
        raise outcome["error"]


def _log_thread_exception(args) -> None:
    # Beam's threads that end with an error (a worker killed, a stream cut) say so as the job
    # itself fails; the launcher reports that failure in one line
    logging.getLogger("apache_beam").info("thread %s ended: %s", getattr(args.thread, "name", "?"),
                                          args.exc_value, exc_info=(args.exc_type, args.exc_value,
                                                                    args.exc_traceback))


def mute_stderr() -> int | None:
    """Points file descriptor 2 at /dev/null; returns a copy of the old one (None if none)."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 2)
        os.close(null)
    except (OSError, ValueError, AttributeError):
        return None
    return saved


def stop_worker_processes() -> None:
    """Kills this process's descendants (the local runner's SDK workers, started through a
    shell) and reaps its children, so none writes after the launcher has said how the dataset
    was left."""
    pids = _descendants(os.getpid())
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


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo and len(out) < 10_000:
        for child in _children(todo.pop()):
            if child not in out:
                out.append(child)
                todo.append(child)
    return out


def _children(pid: int) -> list[int]:
    pids = []
    for path in glob.glob(f"/proc/{pid}/task/*/children"):   # Linux
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
    try:
        return [p.pid for p in psutil.Process(pid).children()]
    except psutil.Error:
        return []
