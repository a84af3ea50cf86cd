"""`tuneprep grade`'s calls to the user's reward function, each in the worker process
(pipelines/grade_worker.py) and each bounded by the per-call timeout: a call that runs over,
or a worker that dies, is that call's outcome, and the next call starts a fresh worker (the
handler loaded again, as a Lambda's cold start). Nothing here talks to AWS or the network."""
from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time

# Lambda's own limit on a function's init phase (loading the module): a handler file that takes
# longer to import would fail there too
INIT_SECONDS = 10.0


class HandlerLoadError(Exception):
    """The handler file cannot be loaded (one line: file:line: what)."""


class HandlerMissing(Exception):
    """The handler file loads but has no such function (a usage error of --handler)."""


class _Ended(Exception):
    """The worker ended or ran over before answering."""

    def __init__(self, timed_out: bool, detail: str = ""):
        super().__init__(detail)
        self.timed_out, self.detail = timed_out, detail


class Grader:
    def __init__(self, path: str, function: str, timeout: float, verbose: bool = False):
        self.path, self.function, self.timeout = path, function, timeout
        self.verbose = verbose
        self.process: subprocess.Popen | None = None
        self._buffer = b""

    def start(self) -> None:
        self._buffer = b""
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tuneprep.pipelines.grade_worker", self.path,
             self.function, str(self.timeout)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=None if self.verbose else subprocess.DEVNULL,
            start_new_session=True)   # its own group: what the handler started ends with it
        try:
            first = self._answer(max(INIT_SECONDS, self.timeout))
        except _Ended as e:
            self.close()
            raise HandlerLoadError(f"{self.path}: " + (
                f"loading it took over {max(INIT_SECONDS, self.timeout):g} s" if e.timed_out
                else f"the process ended while loading it{e.detail}")) from None
        if "load_error" in first:
            self.close()
            raise HandlerLoadError(first["load_error"])
        if "missing" in first:
            self.close()
            raise HandlerMissing(f"--handler: {self.path} has no function {self.function!r}")

    def call(self, event) -> dict:
        """One call's outcome: the worker's answer ({"result"}, {"exception"} or
        {"unserializable"}, with "seconds"), or {"timeout"} / {"crash"} when it gave none."""
        if self.process is None:
            self.start()
        started = time.perf_counter()
        try:
            self.process.stdin.write(json.dumps(event).encode() + b"\n")
            self.process.stdin.flush()
            return self._answer(self.timeout)
        except (_Ended, BrokenPipeError) as e:
            timed_out = isinstance(e, _Ended) and e.timed_out
            detail = "" if timed_out else getattr(e, "detail", "") or self._exit_note()
            self.close()
            return {"timeout" if timed_out else "crash": detail,
                    "seconds": time.perf_counter() - started}

    def _answer(self, seconds: float) -> dict:
        """The worker's next JSON line, waited for at most `seconds`."""
        deadline = time.monotonic() + seconds
        out = self.process.stdout.fileno()
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([out], [], [], left)[0]:
                raise _Ended(timed_out=True)
            chunk = os.read(out, 1 << 16)
            if not chunk:
                raise _Ended(timed_out=False, detail=self._exit_note())
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)

    def _exit_note(self) -> str:
        try:
            code = self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return ""
        return f" (signal {-code})" if code < 0 else f" (exit status {code})"

    def close(self) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:   # (the group is gone already)
            pass
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except OSError:
                pass
        self.process = None
