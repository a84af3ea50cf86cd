"""S3 files being written (s3fs file objects) end on every path by a close or an abort, never
in the garbage collector. Pure Python.

fsspec's files commit in __exit__ whatever happened in the block, and in __del__ when nobody
closed them: a write that failed half-way then uploaded what it had under the final name, and
a writer left open by a failure (the dataset's train.jsonl when the endpoint froze) uploaded
from the garbage collector, at interpreter exit, to the endpoint that had just failed: the
process stayed up to 600 s after its error line, then died with "Fatal Python error:
Aborted". Here a failed block aborts its writers (the buffer dropped, a started multipart
upload aborted: one bounded call), and __del__ only drops the buffer (no network at all)."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator

_scopes = threading.local()   # the writers opened under each open aborted_on_failure() block


def abort(f) -> None:
    """Ends a writer without creating its object. A failure of the abort itself is not
    raised: the failure that stopped the write is the one to report (an upload left behind
    holds no object; S3's lifecycle rule AbortIncompleteMultipartUpload removes it)."""
    if getattr(f, "closed", True):
        return
    try:
        if hasattr(f, "discard"):   # s3fs: drops the buffer and aborts a multipart upload
            f.discard()
    except Exception:
        pass
    finally:
        f.buffer = None
        f.closed = True


def track(f):
    """Registers a writer just opened with the enclosing aborted_on_failure() blocks."""
    for scope in getattr(_scopes, "stack", ()):
        scope.append(f)
    return f


@contextmanager
def aborted_on_failure() -> Iterator[None]:
    """Every S3 writer opened (by storage.open_write) in the block on this thread and still
    open when the block raises is aborted: a writer held across calls (assemble's output
    files) has no `with` of its own to do it."""
    stack = _scopes.__dict__.setdefault("stack", [])
    opened: list = []
    stack.append(opened)
    try:
        yield
    except BaseException:
        for f in opened:
            abort(f)
        raise
    finally:
        stack.remove(opened)


def _exit(self, exc_type, exc, tb):
    if exc_type is None or "r" in self.mode:
        self.close()
    else:   # a failed block: no object with what was written so far
        abort(self)


def _del(self):
    if not self.closed and "r" not in self.mode:   # (a reader's close is local only)
        self.buffer = None
        self.closed = True
    elif not self.closed:
        self.close()


def tune_files(file_class) -> None:
    """s3fs's S3File: abort on a failed `with`, and nothing sent from __del__."""
    file_class.__exit__ = _exit
    file_class.__del__ = _del
