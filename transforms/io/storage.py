"""Files on any fsspec filesystem (local disk, s3://, ...). Pure Python.

Why fsspec (with s3fs for s3://) and not Beam's FileSystems / `apache-beam[aws]`:
- Beam's file IO gives three things: glob matching, reading one file on several workers, and
  write finalisation (temporary files, then a rename). tuneprep needs each, and has its own:
  inputs are expanded once at launch with fsspec globs (so the file list, and with it the
  output order, is fixed and sorted before any worker starts); a file is read whole by one DoFn,
  or a big JSON Lines file in byte ranges that each know their first line number (a record's
  line number and the per-file report need that; byte_ranges.py; the Reshuffle of the read
  tasks spreads them over workers); and each batch is written to its own part file
  under OUT/_temporary/RUN/, which one assemble step concatenates in input order, writing
  `_SUCCESS` last. On S3 a rename is a copy plus a delete, so finalising by rename would double
  the bytes moved; concatenating the parts once costs the same and gives one file per channel,
  which Bedrock needs anyway.
- One filesystem layer for everything: readers (gzip/bz2/zstd, Parquet random access), image
  uploads (content-addressed, HEAD before PUT), conditional writes (the _RUNNING claim) and the
  launcher's checks all need more than Beam's FileSystems offer.
- Credentials stay out of the job graph: Beam's S3 options (--s3_access_key_id,
  --s3_secret_access_key) travel as pipeline options, visible in the graph and the runner UI.
  Here botocore takes credentials from each machine's own environment (AWS_PROFILE,
  AWS_ACCESS_KEY_ID..., instance or task roles); only the endpoint URL, which is not a secret,
  travels in the RunConfig.
- The same code runs on remote workers: every DoFn calls `s3_config.configure(cfg.s3_endpoint_url,
  timeout=cfg.s3_timeout)` in its setup(), since fsspec's defaults set on the launching machine
  do not travel with the job. Importing this module sets nothing (s3_config.py).
- Every file is read through open_read (a local buffer: unbuffered s3fs reads were measured
  ~500x slower) or, for Parquet, open_random_access.

Failures of the store itself (no connection, credentials refused, no such bucket, access
denied) become StorageError with a one-line message: they are never a record's fault, so they
stop the run (exit 1) instead of turning a whole file into dead letters.
"""
from __future__ import annotations

import io
import os
import re
import shutil
from contextlib import contextmanager
from typing import Iterator

import fsspec
import fsspec.utils

from tuneprep.transforms.io import s3_writers
from tuneprep.transforms.core.redaction import redact
from tuneprep.transforms.io.s3_config import S3_TIMEOUT_ENV, s3_timeout

BUFFER = 1 << 20


def filesystem(uri: str):
    """(filesystem, path) for a URI."""
    return fsspec.core.url_to_fs(uri)


def join(base: str, *parts: str) -> str:
    return "/".join([base.rstrip("/"), *(p.strip("/") for p in parts)])


def local_path(uri: str) -> str | None:
    """The path of a local file URI (a plain path or file://...), else None. Local files are
    opened with Python's own open(): through fsspec an open cost ~0.35 ms, which a run pays
    for every part file (a few µs a record)."""
    if uri.startswith("file://"):
        return uri[len("file://"):]
    return None if "://" in uri or "::" in uri else uri


@contextmanager
def open_read(uri: str, start: int = 0, decompress: bool = False) -> Iterator[io.BufferedIOBase]:
    """A buffered binary reader of `uri` from byte `start`, closed when the block ends.

    decompress: .gz, .bz2, .zst ... are decompressed, by the extension, as input files are read
    (byte ranges cut only uncompressed files, so `start` is then 0).
    Buffered because reading lines straight from an s3fs file was measured ~500x slower (31.7 MB
    in 76 s) than through io.BufferedReader (0.13 s), and the zstd reader has no readline buffer
    of its own. GzipFile and BZ2File buffer already: wrapping them again would lose up to a whole
    buffer of good lines before the point where a truncated file breaks."""
    path = local_path(uri)
    compression = compression_of(uri) if decompress else None
    if path is not None and compression is None:
        with open(path, "rb", buffering=BUFFER) as f:
            if start:
                f.seek(start)
            yield f
        return
    with fsspec.open(uri, "rb", compression=compression) as f:
        if start:
            f.seek(start)
        yield f if isinstance(f, io.BufferedIOBase) else io.BufferedReader(f, BUFFER)


def compression_of(uri: str) -> str | None:
    """fsspec's compression name for the file's extension; ".zstd" too, which fsspec does not
    know (the readers take it: readers/formats.py)."""
    if uri.lower().endswith(".zstd"):
        return "zstd"
    return fsspec.utils.infer_compression(uri)


@contextmanager
def open_random_access(uri: str) -> Iterator[io.IOBase]:
    """A seekable binary file for formats read by random access (Parquet): not wrapped in a
    buffer, since the reader jumps between byte ranges that s3fs's own block cache serves."""
    with fsspec.open(uri, "rb") as f:
        yield f


def open_write(uri: str, exclusive: bool = False):
    """A binary writer; local parent folders are made (object stores have none to make).
    exclusive: fail with FileExistsError when the file exists (If-None-Match on S3)."""
    mode = "xb" if exclusive else "wb"
    path = local_path(uri)
    if path is not None:
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        return open(path, mode, buffering=BUFFER)
    fs, path = filesystem(uri)
    return s3_writers.track(fs.open(path, mode))


def write_bytes(uri: str, data: bytes) -> None:
    with open_write(uri) as f:
        f.write(data)


def exists(uri: str) -> bool:
    fs, path = filesystem(uri)
    return fs.exists(path)


def is_empty_or_missing(uri: str) -> bool:
    fs, path = filesystem(uri)
    if not fs.exists(path):
        return True
    return fs.isdir(path) and not fs.ls(path, detail=False)


def remove_tree(uri: str) -> None:
    path = local_path(uri)
    if path is not None:   # (fsspec's rm walks the tree in Python: ~2 s for 10k part files)
        if os.path.isdir(path):
            shutil.rmtree(path)
        elif os.path.exists(path):
            os.remove(path)
        return
    fs, path = filesystem(uri)
    if fs.exists(path):
        fs.rm(path, recursive=True)


# --- store failures ------------------------------------------------------------------------------

class StorageError(Exception):
    """The store itself failed: no connection, credentials refused, no such bucket, access
    denied. The message is one line, without secrets. Its repr is the message alone, so it
    survives Beam's exception handling, which keeps only repr(exception)."""

    def __init__(self, message: str):
        super().__init__(redact(" ".join(str(message).split())))

    def __repr__(self) -> str:
        return str(self)


_CREDENTIAL_CODES = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken",
                     "ExpiredTokenException", "InvalidToken", "TokenRefreshRequired",
                     "InvalidClientTokenId", "UnrecognizedClientException", "AuthFailure",
                     "RequestExpired", "RequestTimeTooSkewed"}
# S3 error codes of a refused permission: a store failure for a listing or a write, a dead
# letter for one image that cannot be read (images.py)
DENIED_CODES = {"AccessDenied", "AllAccessDisabled", "AccessDeniedException", "Forbidden", "403"}
_CREDENTIAL_HINT = ("check AWS_PROFILE or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, and the "
                    "endpoint (--s3-endpoint-url, AWS_ENDPOINT_URL_S3)")


def _chain(exc: BaseException):
    seen = set()
    while exc is not None and id(exc) not in seen and len(seen) < 32:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def failure(exc: BaseException, uri: str | None = None) -> str | None:
    """A one-line description when `exc` is a failure of the store itself; None when it is not
    (a missing object, a bad file, a local error: those belong to the file or the record)."""
    where = f"{redact(uri)}: " if uri else ""
    for e in _chain(exc):
        if isinstance(e, StorageError):
            return str(e)
        cls = type(e)
        module = cls.__module__ or ""
        # (a ReadTimeoutError has a `response` too, None: requests' ReadTimeout is a base)
        if module.startswith("botocore") and isinstance(getattr(e, "response", None), dict):
            error = e.response.get("Error", {})
            code = str(error.get("Code", ""))
            status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
            if code == "NoSuchBucket":
                return f"{where}the bucket does not exist (NoSuchBucket)"
            if code in _CREDENTIAL_CODES:
                return f"{where}the credentials were refused ({code}); {_CREDENTIAL_HINT}"
            if code in DENIED_CODES:
                return (f"{where}access denied ({code}): the credentials lack permission, or "
                        f"were refused; {_CREDENTIAL_HINT}")
            if status >= 500 or code in ("SlowDown", "ServiceUnavailable", "InternalError"):
                return f"{where}the S3 service failed ({code or status}): {error.get('Message', '')}"
            return None
        if module.startswith("botocore"):
            name = cls.__name__
            if "Credential" in name or name in ("ProfileNotFound", "NoRegionError"):
                return f"{where}{name}: {e}; {_CREDENTIAL_HINT}"
            if name in ("ReadTimeoutError", "ConnectTimeoutError"):
                return (f"{where}S3 did not answer within the timeout ({name}, {s3_timeout():g} s "
                        f"a try, retried): {e}; is the endpoint up? {S3_TIMEOUT_ENV} sets the "
                        "timeout")
            return f"{where}cannot reach S3 ({name}): {e}"
        if module.startswith("aiohttp") or cls.__name__ == "FSTimeoutError":
            return f"{where}the connection to S3 failed ({cls.__name__}): {e}"
    return None


@contextmanager
def translate_failures(uri: str | None = None):
    """Turns a failure of the store inside the block into StorageError; anything else passes."""
    try:
        yield
    except StorageError:
        raise
    except Exception as e:
        message = failure(e, uri)
        if message is None:
            raise
        raise StorageError(message) from e


def is_s3(uri: str) -> bool:
    return uri.startswith(("s3://", "s3a://"))


def preflight(uri: str) -> None:
    """Fails fast with StorageError when an s3:// URI cannot be used: the bucket is missing, the
    credentials are refused, the endpoint is unreachable or listing is denied. Lists at most
    one key under the URI's prefix (up to its first wildcard). Other URIs are not checked."""
    if not is_s3(uri):
        return
    fs, path = filesystem(uri)
    bucket, _, key = path.partition("/")
    key = re.split(r"[*?\[]", key, maxsplit=1)[0]
    with translate_failures():
        fs.call_s3("list_objects_v2", Bucket=bucket, Prefix=key, MaxKeys=1)


def bucket_of(uri: str) -> str:
    """The bucket (or host) of a URI: s3://bucket/key → bucket; '' for a local path."""
    if "://" not in uri:
        return ""
    return uri.split("://", 1)[1].split("/", 1)[0]


def error_code(exc: BaseException) -> str | None:
    """The S3 error code (NoSuchKey, AccessDenied, 403, ...) somewhere in an exception's chain."""
    for e in _chain(exc):
        response = getattr(e, "response", None)
        if type(e).__module__.startswith("botocore") and isinstance(response, dict):
            code = response.get("Error", {}).get("Code")
            if code:
                return str(code)
    return None
