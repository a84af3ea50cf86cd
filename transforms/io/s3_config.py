"""How this process talks to S3: the endpoint, how long a request waits, how often it is tried.
fsspec's and botocore's settings are process-wide, so nothing is set when this module is
imported: `configure()` sets them where a command starts (pipelines/cli.py, for every command
that may touch S3) and in every DoFn's setup() on the workers (transforms/beam/dofns.py), since
settings made on the launching machine do not travel with the job; the endpoint and the timeout
travel in the RunConfig.
"""
from __future__ import annotations

import os
import sys

import fsspec
import fsspec.config

from tuneprep.transforms.core.redaction import has_credentials, redact
from tuneprep.transforms.io.s3_retries import S3_ATTEMPTS, tune as _tune

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


def _s3_classes():
    try:
        from s3fs import S3FileSystem
    except ImportError:
        return []
    return [S3FileSystem]
