"""Inputs pinned at listing (issue 28, item 2): each input file's size and modification time
(mtime_ns on local disk, the ETag of an object) as the launcher listed it, checked when the
workers list it again, when a reader opens it and after its last record. Without it a file
rewritten or cut short mid-run gave exit 0 and _SUCCESS over part of its records. Pure Python.

A pin is one small value a file: an int, size << 64 | mtime_ns, for a local file; "SIZE ETAG"
for an object (the listing's own details: no request of its own when a folder or glob was
listed); None when the file could not be looked at (the reader then reports it)."""
from __future__ import annotations

import os
import time

from tuneprep.transforms.io.storage import StorageError, filesystem, is_s3, local_path

_LOW = 64   # bits of mtime_ns in a local pin (enough until the year 2554)
# an object's pin from the listing that found it, until pin_of takes it: tuneprep's listings
# cache is off (s3_config.py), so without it each pin would be a HEAD request
_LISTED: dict[str, str] = {}


def files_pinned(found: dict) -> list[str]:
    """The files of a listing's details ({path: info}: glob or find with detail=True), each
    one's pin kept for pin_of."""
    files = []
    for path, info in found.items():
        if info.get("type") == "file":
            _LISTED[path] = _object_pin(info)
            files.append(path)
    return files


def pin_of(uri: str, cached: bool = True) -> int | str | None:
    """The file's pin now. cached: an object's details may come from the listing just made
    (fsspec's directory cache); the checks while reading pass False, to ask the store."""
    path = local_path(uri)
    try:
        if path is not None:
            st = os.stat(path)
            return st.st_size << _LOW | st.st_mtime_ns
        fs, path = filesystem(uri)
        if cached and path in _LISTED:
            return _LISTED.pop(path)
        if cached:
            info = fs.info(path)
        elif is_s3(uri):   # (a HEAD; invalidating would drop the whole folder's listing)
            info = fs.info(path, refresh=True)
        else:
            fs.invalidate_cache(path)
            info = fs.info(path)
    except FileNotFoundError:
        return None
    return _object_pin(info)


def _object_pin(info: dict) -> str:
    stamp = next((info[k] for k in ("ETag", "etag", "generation", "mtime", "LastModified")
                  if info.get(k)), "")
    return f"{int(info.get('size') or 0)} {str(stamp).strip(chr(34))}"


def size_of(pin: int | str) -> int:
    return pin >> _LOW if isinstance(pin, int) else int(pin.split(" ", 1)[0])


def modified_after(pin, when_ns: int) -> bool:
    """A local pin's modification time is `when_ns` or later (an object's pin has no time)."""
    return isinstance(pin, int) and pin & ((1 << _LOW) - 1) >= when_ns


class InputChanged(StorageError):
    """An input differs from its pin: the run stops with one line naming it (a StorageError: the
    launcher reports it as a failure of the store, not a record's)."""


WHILE_READ, SINCE_LISTED = "while it was read", "since the run listed it"


def check(uri: str, pin, when: str = WHILE_READ) -> None:
    """Raises InputChanged when the file is no longer as pinned (a pin of None: not pinned)."""
    if pin is None:
        return
    now = pin_of(uri, cached=False)
    if now != pin:
        raise InputChanged(changed(uri, pin, now, when))


def changed(uri: str, before, now, when: str = WHILE_READ) -> str:
    """'input URI changed while it was read (size 30,000,000 -> 18,933,000 bytes); ...'"""
    if now is None:
        how = "it no longer exists"
    elif size_of(before) != size_of(now):
        how = f"size {size_of(before):,} -> {size_of(now):,} bytes"
    elif isinstance(now, int):
        how = f"modified at {_clock(now & ((1 << _LOW) - 1))}, same size"
    else:
        how = f"ETag {before.split(' ', 1)[1]} -> {now.split(' ', 1)[1]}, same size"
    return f"input {uri} changed {when} ({how}); run again once it is stable"


def _clock(ns: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ns / 1e9))
