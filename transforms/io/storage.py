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
- The same code runs on remote workers: every DoFn calls `configure(cfg.s3_endpoint_url,
  timeout=cfg.s3_timeout)` in its setup(), since fsspec's defaults set on the launching machine
  do not travel with the job.
- Every file is read through open_read (a local buffer: unbuffered s3fs reads were measured
  ~500x slower) or, for Parquet, open_random_access.

Failures of the store itself (no connection, credentials refused, no such bucket, access
denied) become StorageError with a one-line message: they are never a record's fault, so they
stop the run (exit 1) instead of turning a whole file into dead letters.
"""
from __future__ import annotations

import io
import os
import sys
import re
import shutil
from contextlib import contextmanager
from typing import Iterator

import fsspec
import fsspec.config
import fsspec.utils

from tuneprep.transforms.io import s3_writers
from tuneprep.transforms.io.redaction import has_credentials, redact
from tuneprep.transforms.io.s3_retries import S3_ATTEMPTS, tune as _tune

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


# --- configuration, redaction and store failures -----------------------------------------------

ENDPOINT_ENV = ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")


def endpoint_from_env() -> str | None:
    """The S3 endpoint botocore would take from the environment (AWS_ENDPOINT_URL_S3, then
    AWS_ENDPOINT_URL), so the launcher can hand it to remote workers, whose environment may not
    have it. botocore (through aiobotocore, which s3fs uses) honours both itself on this machine.
    Raises ValueError (one line, redacted) for one that carries credentials, which would travel
    in the RunConfig, or that is not http(s)://."""
    if os.environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() == "true":
        return None
    for name in ENDPOINT_ENV:
        url = os.environ.get(name)
        if not url:
            continue
        if has_credentials(url):
            raise ValueError(f"{name}={redact(url)}: credentials in the endpoint URL are not "
                             f"accepted; use AWS_PROFILE or AWS_ACCESS_KEY_ID / "
                             f"AWS_SECRET_ACCESS_KEY (or an instance/task role)")
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"{name}={url}: not an http(s):// URL")
        return url
    return None


# --- how long a silent S3 endpoint is waited for -----------------------------------------------
# A frozen endpoint (it accepts connections, then never answers) was waited for 6.5 minutes a
# call: botocore tries a request 5 times (legacy mode) and s3fs retries each call 5 times more
# (S3FileSystem.retries), each try waiting s3fs's 15 s read timeout. The tries and the bound of
# one call are in s3_retries.py; an upload no longer waits for a "100 Continue" that never comes
# (s3_retries.tune), and files being written are aborted, never left to the garbage collector
# (s3_writers.py).

S3_TIMEOUT_ENV = "TUNEPREP_S3_TIMEOUT"
DEFAULT_S3_TIMEOUT = 15.0   # s (s3fs's own read timeout): to connect, and for each read
_RETRY_ENV = ("AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE")   # set: botocore takes its retries from them


def s3_timeout_from_env() -> float:
    """TUNEPREP_S3_TIMEOUT (seconds), else DEFAULT_S3_TIMEOUT; ValueError for a bad value."""
    text = os.environ.get(S3_TIMEOUT_ENV, "").strip()
    if not text:
        return DEFAULT_S3_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise ValueError(f"{S3_TIMEOUT_ENV}={text}: not a positive number of seconds")
    return value


def s3_timeout() -> float:
    """The timeout in effect in this process (set by configure())."""
    kwargs = fsspec.config.conf.get("s3", {}).get("config_kwargs") or {}
    return kwargs.get("read_timeout", DEFAULT_S3_TIMEOUT)


def _s3_config_kwargs(timeout: float) -> dict:
    """botocore Config arguments: bounded waits, and a bounded number of tries unless the
    environment sets botocore's own (AWS_MAX_ATTEMPTS, AWS_RETRY_MODE)."""
    kwargs = {"connect_timeout": timeout, "read_timeout": timeout}
    if not any(os.environ.get(name) for name in _RETRY_ENV):
        kwargs["retries"] = {"total_max_attempts": S3_ATTEMPTS, "mode": "standard"}
    return kwargs


def _bound_s3fs() -> None:
    """s3fs is imported only when a run first touches s3:// (0.26 s), so until then fsspec is
    pointed at this module's S3FileSystem name (see __getattr__), which tunes it on first use."""
    if "s3fs" in sys.modules:
        # another thread may still be importing it (an SDK worker sets up DoFns in several
        # bundle threads at once): an import waits for that to finish, an attribute would not
        from s3fs import S3FileSystem
        _tune(S3FileSystem)
        return
    for protocol in ("s3", "s3a"):
        if protocol not in fsspec.registry:
            fsspec.register_implementation(protocol, f"{__name__}.S3FileSystem", clobber=True,
                                           errtxt="Install s3fs to access S3")


def __getattr__(name: str):
    if name == "S3FileSystem":   # fsspec's first use of s3:// (see _bound_s3fs)
        from s3fs import S3FileSystem
        return _tune(S3FileSystem)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def configure(endpoint_url: str | None = None, fresh: bool = False,
              timeout: float | None = None) -> None:
    """Sets fsspec's defaults for s3:// in this process. Called on the launcher and in every
    DoFn's setup() (and before assembling), so remote workers use the same endpoint and timeout.

    The listings cache is off: parts, markers and images are written by other workers and
    processes, and a cached listing would hide them (or show deleted ones).
    fresh: drop cached filesystems, whose clients hold the credentials they were made with (the
    launcher does, so a run always takes the environment's current credentials).
    timeout: seconds an S3 request waits to connect and for each read (None: TUNEPREP_S3_TIMEOUT,
    else 15; a bad value is refused by the launcher's checks, and is the default here)."""
    if fresh and "s3fs" in sys.modules:  # not imported yet: nothing cached (and 0.26 s saved)
        for cls in _s3_classes():
            cls.clear_instance_cache()
    conf = fsspec.config.conf.setdefault("s3", {})
    if endpoint_url:
        conf["endpoint_url"] = endpoint_url
    else:
        conf.pop("endpoint_url", None)
    conf["use_listings_cache"] = False
    if timeout is None:
        try:
            timeout = s3_timeout_from_env()
        except ValueError:
            timeout = DEFAULT_S3_TIMEOUT
    _bound_s3(timeout)


def _bound_s3(timeout: float) -> None:
    conf = fsspec.config.conf.setdefault("s3", {})
    ours = ("connect_timeout", "read_timeout", "retries")
    kept = {k: v for k, v in (conf.get("config_kwargs") or {}).items() if k not in ours}
    conf["config_kwargs"] = {**kept, **_s3_config_kwargs(timeout)}
    _bound_s3fs()


try:   # bounded waits for every command that touches S3 (inspect, validate), not only a run
    _bound_s3(s3_timeout_from_env())
except ValueError:
    _bound_s3(DEFAULT_S3_TIMEOUT)


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


def _s3_classes():
    try:
        from s3fs import S3FileSystem
    except ImportError:
        return []
    return [S3FileSystem]


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
