"""Guards every command shares (run, validate, inspect, a --config job spec, a --template), so a
bad path is one `error:` line (exit 2) whichever command was given it, never a hang, a
traceback or gigabytes of memory:

- special files (FIFO, device, socket) are refused by their kind: reading one blocks or never
  ends (input_paths refuses them as inputs with the same words);
- the small files that hold settings (a job spec, a template.json) are read up to
  MAX_SETTINGS_FILE_BYTES, so `--template /dev/zero`-like input cannot fill the memory;
- an output folder that cannot be written is named, not a PermissionError's traceback;
- every error line is redacted (an error may quote a path as typed, with its secret), and an
  unexpected exception, a bug, is still one line (one_line_errors)."""
from __future__ import annotations

import os
import stat
import sys
from contextlib import contextmanager
from typing import Callable

from tuneprep.pipelines.options import UsageError
from tuneprep.transforms.io import storage

# a job spec or a template is a few kB; anything near this is not one
MAX_SETTINGS_FILE_BYTES = 1 << 20


def kind_of(mode: int) -> str:
    """A file's kind in words ("a FIFO"), from its st_mode."""
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device")):
        if test(mode):
            return name
    return "a special file"


def not_regular(mode: int) -> str:
    """Why a file that is no regular file is not read: the words every command uses."""
    return f"{kind_of(mode)}, not a regular file; only regular files are read"


def refuse_special_file(what: str, uri: str, folder_ok: bool = False) -> None:
    """UsageError naming `what` and `uri` when the local `uri` is a FIFO, device or socket (or a
    folder, unless `folder_ok`). A missing file or a remote URI passes: the caller says so.
    Never open(): a FIFO would block right there."""
    mode = _mode(uri)
    if mode is None or stat.S_ISREG(mode) or (folder_ok and stat.S_ISDIR(mode)):
        return
    raise UsageError(f"{_named(what, uri)}: {not_regular(mode)}")


def _mode(uri: str) -> int | None:
    """st_mode of a local file; None for a remote URI or a path that cannot be stat'ed."""
    path = storage.local_path(uri)
    if path is None:
        return None
    try:
        return os.stat(path).st_mode
    except OSError:
        return None


def read_settings_file(what: str, uri: str, typed: str | None = None) -> bytes:
    """The bytes of a job spec or template file, at most MAX_SETTINGS_FILE_BYTES of them;
    UsageError naming `what` and the path as `typed` for a special file, a bigger file or an
    OSError."""
    shown = _named(what, typed or uri)
    mode = _mode(uri)   # (None: open() says why)
    if mode is not None and not stat.S_ISREG(mode):
        raise UsageError(f"{shown}: {not_regular(mode)}")
    try:
        with storage.open_read(uri) as f:
            data = f.read(MAX_SETTINGS_FILE_BYTES + 1)
    except OSError as e:
        raise UsageError(f"{shown}: {e.strerror or e}") from None
    if len(data) > MAX_SETTINGS_FILE_BYTES:
        raise UsageError(f"{shown}: over {MAX_SETTINGS_FILE_BYTES:,} bytes; not a settings file")
    return data


@contextmanager
def output_writable(output: str):
    """An OSError of local disk inside the block (a read-only folder, no space, a file where
    a folder should be) becomes one line naming --output (exit 2): the run wrote nothing yet."""
    try:
        yield
    except OSError as e:
        if storage.local_path(output) is None or isinstance(e, BrokenPipeError):
            raise
        where = f" ({e.filename})" if e.filename and e.filename != output else ""
        raise UsageError(f"--output {output}: cannot write there{where}: "
                         f"{e.strerror or e}") from None


def one_line_errors(command: Callable[[], int]) -> int:
    """command()'s exit code; a UsageError is one `error:` line and exit 2, a failure of the
    store or an unexpected exception one line and exit 1; each line redacted."""
    try:
        return command()
    except UsageError as e:
        print(f"error: {storage.redact(str(e))}", file=sys.stderr)
        return 2
    except storage.StorageError as e:
        print(f"error: {storage.redact(str(e))}", file=sys.stderr)
        return 1
    except BrokenPipeError:   # (closed_pipe.py ends the command quietly)
        raise
    except Exception as e:   # a bug: still one line, with no secret in it
        print(f"error: internal error: {type(e).__name__}: {storage.redact(one_line(e))} "
              "(a bug in tuneprep: please report it)", file=sys.stderr)
        return 1


def one_line(e: BaseException) -> str:
    """An exception's message as one line: its last line (a worker's failure quotes its
    traceback)."""
    text = str(e).strip().splitlines()
    return text[-1] if text else repr(e)


def _named(what: str, uri: str) -> str:
    return f"{what} {uri}" if what else uri
