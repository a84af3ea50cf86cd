"""How many times an S3 call is tried, and how long that may take. Pure Python.

Two kinds of failure, two budgets:
- silence (a frozen endpoint: connect or read timeouts): each try costs a whole timeout, so
  they are few: botocore tries a request S3_ATTEMPTS times and s3fs does not try the call
  again (S3FS_TRIES): a call waits at most S3_ATTEMPTS x the timeout plus 3 s of backoff
  (48 s by default). s3fs's own 5 tries of every call, each of botocore's, made a frozen
  endpoint cost 6.5 minutes a call. A call that sends a body gets 1 s more for each
  UPLOAD_FLOOR bytes of it, then ends as silence (see _upload_deadline).
- a quick refusal: throttling (503 SlowDown), a server error (5xx), a connection reset or a
  body cut short. Such a try costs milliseconds and the next one usually succeeds (S3 asks
  for it: "reduce your request rate"), so the call is tried again, TRANSIENT_TRIES times in
  all, after a growing pause: with half the requests refused, a run exited 1 half-way.
"""
from __future__ import annotations

import asyncio
import contextvars
import random

S3_ATTEMPTS = 3        # botocore's tries of one request ("standard" retry mode)
S3FS_TRIES = 1         # s3fs's tries of one call (quick refusals: tried again below)
TRANSIENT_TRIES = 5    # tries of a call refused quickly (throttled, 5xx, connection reset)
BACKOFF = 0.5          # s: the first pause after a refused call, doubled after each
MAX_BACKOFF = 4.0      # s
UPLOAD_FLOOR = 256 * 1024   # bytes/s: an upload slower than this is taken for silence

_TRANSIENT_CODES = {"SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout",
                    "Throttling", "ThrottlingException", "RequestLimitExceeded",
                    "TooManyRequestsException", "503", "500", "502", "504"}
# botocore / aiohttp names of a connection cut by the other side (not of a timeout: silence
# has its own, smaller budget; not of a refused connection: nothing listens there)
_CUT_NAMES = {"ConnectionClosedError", "ServerDisconnectedError", "ClientOSError",
              "ConnectionResetError", "BrokenPipeError", "IncompleteRead",
              "ClientPayloadError", "ResponseStreamingError", "ResponseParserError"}


_BOTOCORE_PAUSES = 1 + 2   # s, at most: between botocore's 3 tries (random x 2^n)


def silent_call_bound(timeout: float) -> float:
    """Seconds one call to an endpoint that does not answer may take before it fails."""
    return S3FS_TRIES * (S3_ATTEMPTS * timeout + _BOTOCORE_PAUSES)


def refused_call_bound() -> float:
    """Seconds one call refused on every try (503 on every request) may take."""
    return TRANSIENT_TRIES * S3FS_TRIES * _BOTOCORE_PAUSES + sum(_pauses())


def failed_run_bound(timeout: float) -> float:
    """Seconds from an endpoint's last answer to the run's exit (README "S3"): the call that
    fails, then the launcher's clean-up, given one call's time (pipelines/bounded_cleanup.py);
    the runner's own shutdown (a few seconds) comes on top. 96 s by default."""
    return 2 * silent_call_bound(timeout)


def _pauses() -> list[float]:
    return [min(MAX_BACKOFF, BACKOFF * 2 ** i) for i in range(TRANSIENT_TRIES - 1)]


def transient(exc: BaseException) -> bool:
    """A quick refusal worth trying again (see the module's docstring)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        response = getattr(exc, "response", None)
        if type(exc).__module__.startswith("botocore") and isinstance(response, dict):
            code = str(response.get("Error", {}).get("Code", ""))
            status = response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
            return code in _TRANSIENT_CODES or status >= 500
        if type(exc).__name__ in _CUT_NAMES:
            return True
        exc = exc.__cause__ or exc.__context__
    return False


# set while a call is tried: s3fs reads a range through its wrapper twice (_inner_fetch around
# _call_s3), and each level trying 5 times made a read refused by a 500 cost 75 requests, 77 s
_TRYING = contextvars.ContextVar("tuneprep_s3_trying", default=False)


def with_transient_retries(error_wrapper):
    """s3fs's retry loop (s3fs.core._error_wrapper, which every call goes through) wrapped:
    a call that still fails with a quick refusal is tried again after a pause; a call within
    a call is tried by the outer one only."""
    if getattr(error_wrapper, "tuneprep_retries", False):
        return error_wrapper

    async def tried(func, *, args=(), kwargs=None, retries):
        deadline = _upload_deadline(func, kwargs)
        outer = not _TRYING.get()
        token = _TRYING.set(True)
        try:
            return await _tries(error_wrapper, func, args, kwargs, retries, deadline,
                                _pauses() if outer else [])
        finally:
            _TRYING.reset(token)

    tried.tuneprep_retries = True
    return tried


async def _tries(error_wrapper, func, args, kwargs, retries, deadline, pauses):
    for pause in [*pauses, None]:
        try:
            call = error_wrapper(func, args=args, kwargs=kwargs, retries=retries)
            if deadline is None:
                return await call
            try:
                return await asyncio.wait_for(call, deadline)
            except asyncio.TimeoutError:
                raise _silence(func, deadline) from None
        except Exception as e:
            if pause is None or not transient(e):
                raise
        await asyncio.sleep(pause * random.uniform(0.5, 1.0))   # (jitter: many workers)


def _upload_deadline(func, kwargs) -> float | None:
    """Seconds a call that sends a body (a PUT, a part of a multipart upload) may take: aiohttp
    arms the read timeout only once the body is sent, so a body sent to a frozen endpoint
    waited forever once the socket's buffers were full (a 40 MiB PUT: until the connection
    closed). One silent call's bound, plus the body at UPLOAD_FLOOR."""
    body = (kwargs or {}).get("Body")
    if not isinstance(body, (bytes, bytearray, memoryview)):
        return None
    config = getattr(getattr(getattr(func, "__self__", None), "meta", None), "config", None)
    timeout = getattr(config, "read_timeout", None) or 15.0
    return silent_call_bound(timeout) + len(body) / UPLOAD_FLOOR


def _silence(func, deadline: float) -> Exception:
    """The error of an upload that did not end in time: the one a silent endpoint gives."""
    from botocore.exceptions import ReadTimeoutError
    client = getattr(func, "__self__", None)
    url = getattr(getattr(client, "meta", None), "endpoint_url", "S3")
    return ReadTimeoutError(endpoint_url=f"{url} (an upload not done in {deadline:.0f} s)")


def tune(cls):
    """s3fs tuned on its first use (storage.py): S3FileSystem.retries is a class attribute (no
    option sets it); every call goes through with_transient_retries; files being written abort
    on failure (s3_writers.py).

    And no "Expect: 100-continue" on uploads: botocore puts it on every PUT with a body, and
    aiohttp waits for the server's "100 Continue" before sending the body with no timeout at
    all (read_timeout is armed only once the body is sent), so a part written to a frozen
    endpoint waited forever. Without it a refused upload sends its body in vain: a part or one
    block of a multipart upload, worth less than a hung run. Removed before s3fs makes its first
    botocore session, which copies botocore's handler list."""
    import s3fs.core   # (the retry loop of every call, and the file class: module attributes)
    from botocore import handlers

    from tuneprep.transforms.io import s3_writers
    cls.retries = S3FS_TRIES
    s3fs.core._error_wrapper = with_transient_retries(s3fs.core._error_wrapper)
    s3_writers.tune_files(s3fs.core.S3File)
    kept = [spec for spec in handlers.BUILTIN_HANDLERS if spec[1] is not handlers.add_expect_header]
    if len(kept) != len(handlers.BUILTIN_HANDLERS):
        handlers.BUILTIN_HANDLERS[:] = kept
    return cls
