"""S3 failing in every phase of a run, through a fault-injecting proxy on 127.0.0.1 in front of
the moto test server: an endpoint that freezes (at the first part, at the first request for
the dataset's train.jsonl) ends the run with one error line and exit 1 within the documented
bound, with no _SUCCESS and nothing left to hang the process's exit; throttling (503 SlowDown)
and connection resets on a large share of the requests are tried again until the dataset is
complete, and the exit code agrees with _SUCCESS; cells of the faults x phases table
(tests/fault_matrix.py: refused connections, 500s, 503 and resets at the start of a phase).
Each run is a real CLI in a subprocess, so a hang fails the test instead of hanging it. Unit
tests of the pieces (writers aborted, the retry classification, the launcher's bounded
clean-up) follow."""
from __future__ import annotations

import gc
import threading
import time
from pathlib import Path

import orjson
import pytest

from tests import fault_matrix
from tests.helpers import S3Bucket
from tests.s3_fault_proxy import FaultProxy, frozen_from
from tuneprep.pipelines import bounded_cleanup
from tuneprep.transforms.io import s3_config, s3_retries, s3_writers, storage

TIMEOUT, SHUTDOWN = fault_matrix.TIMEOUT, fault_matrix.SHUTDOWN   # (the same bounds)
RECORDS = 2000


# --- runs through the proxy ---------------------------------------------------------------------

@pytest.fixture
def bucket(s3_server) -> S3Bucket:
    import uuid
    return S3Bucket(s3_server, f"tp-{uuid.uuid4().hex[:12]}")


def run_through(proxy: FaultProxy, bucket: S3Bucket, tmp_path: Path) -> tuple[int, str, str]:
    source = tmp_path / "a.jsonl"
    source.write_bytes(b"".join(orjson.dumps({"prompt": f"question {i}", "completion": f"a {i}"})
                                + b"\n" for i in range(RECORDS)))
    done, _ = fault_matrix.run_through(proxy, source, bucket, tmp_path, timeout=120)
    return done.returncode, done.stdout, done.stderr


def one_error(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


@pytest.mark.slow
@pytest.mark.parametrize("where, first", [
    ("the first part", lambda method, path: method == "PUT" and "/_temporary/" in path),
    ("the final write", lambda method, path: "train/train.jsonl" in path),
])
def test_an_endpoint_frozen_in_a_phase_fails_the_run_within_the_bound(where, first, bucket,
                                                                      tmp_path):
    """Frozen in the final write, the run printed its error line, then hung in s3fs's clean-up
    at exit (train.jsonl's writer, left to the garbage collector, uploaded to the frozen
    endpoint): no exit within 900 s. Frozen at the first part it took 196 s, the launcher's
    clean-up waiting a whole call for each of its requests."""
    proxy = FaultProxy(bucket.server.port, frozen_from(first))
    code, out, err = run_through(proxy, bucket, tmp_path)
    ended = time.monotonic()
    assert proxy.first_freeze is not None, f"never froze at {where}: {out}{err}"
    assert code == 1 and out == "", (out, err)
    line = one_error(err)   # (nothing after it either: no "Fatal Python error", no traceback)
    assert line.startswith("error: the run failed: ") and "S3 did not answer" in line, line
    assert "is not complete (no _SUCCESS)" in line, line
    bound = s3_retries.failed_run_bound(TIMEOUT) + SHUTDOWN
    assert ended - proxy.first_freeze < bound, (ended - proxy.first_freeze, bound)
    keys = bucket.keys("out/")
    assert "out/_SUCCESS" not in keys and "out/train/train.jsonl" not in keys, keys


def refused_in_runs(kind: str, share: float, run: int = 7):
    """A rule: `kind` for runs of `run` consecutive requests, `share` of them in all: longer
    than the tries of one call used to be (6), so some call met nothing else."""
    period = round(run / share)
    return lambda number, method, path: kind if number % period >= period - run else None


@pytest.mark.slow
@pytest.mark.parametrize("kind, share", [("503", 0.5), ("reset", 0.4)])
def test_throttling_and_resets_are_tried_again_to_a_complete_dataset(kind, share, bucket,
                                                                    tmp_path):
    """503 SlowDown on half the requests, or connections reset on 40 %: before, a call that
    met only refusals failed the run (exit 1, sometimes after _SUCCESS was written)."""
    proxy = FaultProxy(bucket.server.port, refused_in_runs(kind, share))
    started = time.monotonic()
    code, out, err = run_through(proxy, bucket, tmp_path)
    assert code == 0, (out, err)
    assert proxy.faults(kind) >= 7, proxy.requests
    assert "out/_SUCCESS" in bucket.keys("out/")
    lines = bucket.get("out/train/train.jsonl").splitlines()
    assert [orjson.loads(line)["prompt"] for line in lines] == [
        f"question {i}" for i in range(RECORDS)]
    assert time.monotonic() - started < 90


# The faults x phases (tests/fault_matrix.py): with the cells above (a freeze at the first part
# and at train.jsonl; 503 and resets spread over every phase) and test_s3_timeouts' (a freeze at
# launch), each fault and each phase at least once; benchmarks/fault_table.py runs the whole
# table on demand. Each cell asserts its rule (fault_matrix.check): a lasting fault is exit 1,
# one error line and no _SUCCESS within its bound; a passing one a complete dataset whose
# records in = written + dead letters.
MATRIX_CELLS = [("refuse", "listing/launch"), ("500", "writing parts"),
                ("refuse", "commit: _SUCCESS"), ("reset", "reading input"),
                ("503", "commit: _SUCCESS")]


@pytest.mark.slow
@pytest.mark.parametrize("fault, phase", MATRIX_CELLS)
def test_a_fault_in_a_phase_fails_in_one_line_or_is_tried_again(fault, phase, s3_server,
                                                                tmp_path):
    fault_matrix.check(fault_matrix.run_cell(s3_server, fault, phase, tmp_path))


# --- the pieces ---------------------------------------------------------------------------------

def test_a_failed_write_block_leaves_no_object(store):
    """fsspec's files commit in __exit__ even when the block failed: half a file under its
    final name."""
    uri = store.uri("out/train/train.jsonl")
    with pytest.raises(RuntimeError):
        with storage.open_write(uri) as f:
            f.write(b'{"half": "a file"}\n')
            raise RuntimeError("the copy failed")
    assert store.keys("out/") == []


def test_a_writer_left_open_uploads_nothing_when_collected(store):
    f = storage.open_write(store.uri("out/left.jsonl"))
    f.write(b"x\n")
    del f
    gc.collect()
    assert store.keys("out/") == []


def test_writers_open_when_a_block_fails_are_aborted_and_others_closed(store):
    with pytest.raises(RuntimeError):
        with s3_writers.aborted_on_failure():
            done = storage.open_write(store.uri("out/done.jsonl"))
            done.write(b"kept\n")
            done.close()
            held = storage.open_write(store.uri("out/held.jsonl"))
            held.write(b"half\n")
            raise RuntimeError("the endpoint froze")
    assert held.closed
    assert store.keys("out/") == ["out/done.jsonl"]


def _client_error(code: str, status: int):
    from botocore.exceptions import ClientError
    return ClientError({"Error": {"Code": code, "Message": code},
                        "ResponseMetadata": {"HTTPStatusCode": status}}, "PutObject")


def test_what_is_tried_again():
    from botocore.exceptions import (ConnectionClosedError, EndpointConnectionError,
                                     ReadTimeoutError)
    translated = OSError(5, "SlowDown")   # (s3fs's form, with the ClientError as its cause)
    translated.__cause__ = _client_error("SlowDown", 503)
    assert s3_retries.transient(translated)
    assert s3_retries.transient(_client_error("InternalError", 500))
    assert s3_retries.transient(ConnectionClosedError(endpoint_url="http://s3"))
    assert s3_retries.transient(ConnectionResetError())
    assert not s3_retries.transient(ReadTimeoutError(endpoint_url="http://s3"))   # silence
    assert not s3_retries.transient(EndpointConnectionError(endpoint_url="http://s3"))
    assert not s3_retries.transient(_client_error("AccessDenied", 403))
    assert not s3_retries.transient(FileNotFoundError("no such key"))


def test_a_refused_call_is_tried_again_and_a_lasting_refusal_is_raised(monkeypatch):
    import asyncio
    monkeypatch.setattr(s3_retries, "BACKOFF", 0.001)
    calls = []

    async def s3fs_loop(func, *, args=(), kwargs=None, retries):
        calls.append(1)
        return await func()

    async def refused_twice():
        if len(calls) <= 2:
            raise _client_error("SlowDown", 503)
        return "ok"

    tried = s3_retries.with_transient_retries(s3fs_loop)
    assert asyncio.run(tried(refused_twice, retries=1)) == "ok" and len(calls) == 3
    calls.clear()

    async def always_refused():
        raise _client_error("SlowDown", 503)

    with pytest.raises(Exception, match="SlowDown"):
        asyncio.run(tried(always_refused, retries=1))
    assert len(calls) == s3_retries.TRANSIENT_TRIES


def test_a_call_within_a_call_is_tried_by_the_outer_one_only(monkeypatch):
    """s3fs reads a range through its wrapper twice (_inner_fetch around _call_s3): each level
    tried TRANSIENT_TRIES times, a read refused by 500s made 75 requests and failed the run
    after 77 s instead of 20 (the fault table's 500 at reading input)."""
    import asyncio
    monkeypatch.setattr(s3_retries, "BACKOFF", 0.001)
    requests = []

    async def s3fs_loop(func, *, args=(), kwargs=None, retries):
        return await func()

    tried = s3_retries.with_transient_retries(s3fs_loop)

    async def get_object():
        requests.append(1)
        raise _client_error("InternalError", 500)

    async def call_and_read():   # (s3fs's _call_and_read: the request, through the wrapper)
        return await tried(get_object, retries=1)

    with pytest.raises(Exception, match="InternalError"):
        asyncio.run(tried(call_and_read, retries=1))
    assert len(requests) == s3_retries.TRANSIENT_TRIES


def test_the_launchers_clean_up_is_given_one_calls_time(monkeypatch):
    monkeypatch.setattr(bounded_cleanup, "silent_call_bound", lambda timeout: 0.2)
    release = threading.Event()
    started = time.monotonic()
    assert bounded_cleanup.within_one_call(lambda: release.wait(30), "gave up") == "gave up"
    assert time.monotonic() - started < 2
    release.set()
    assert bounded_cleanup.within_one_call(lambda: "done", "gave up") == "done"
    assert bounded_cleanup.within_one_call(lambda: 1 / 0, "gave up") == "gave up"


@pytest.mark.slow
def test_an_upload_to_a_frozen_endpoint_ends_by_its_deadline(store, monkeypatch):
    """aiohttp arms its read timeout only once the body is sent: a 40 MiB PUT to a frozen
    endpoint waited until the connection closed (200 s, the proxy's lifetime, measured)."""
    monkeypatch.setattr(s3_retries, "UPLOAD_FLOOR", 64 << 20)   # (the body's share: < 1 s)
    proxy = FaultProxy(store.server.port, lambda number, method, path: "freeze", lifetime=40)
    s3_config.configure(proxy.endpoint, fresh=True, timeout=TIMEOUT)
    started = time.monotonic()
    try:
        with pytest.raises(storage.StorageError, match="S3 did not answer within the timeout"):
            with storage.translate_failures():
                storage.write_bytes(store.uri("big.bin"), bytes(32 << 20))
        took = time.monotonic() - started
    finally:
        proxy.stop()
    assert took < s3_retries.silent_call_bound(TIMEOUT) + 5, took
    assert proxy.faults("freeze") == 1   # (a deadline is not tried again: it is silence)
