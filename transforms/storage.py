"""Files on any fsspec filesystem (local disk, s3://, ...). Pure Python."""
from __future__ import annotations

import io

import fsspec

BUFFER = 1 << 20


def filesystem(uri: str):
    """(filesystem, path) for a URI."""
    return fsspec.core.url_to_fs(uri)


def join(base: str, *parts: str) -> str:
    return "/".join([base.rstrip("/"), *(p.strip("/") for p in parts)])


def open_read(uri: str):
    """A buffered binary reader: reading lines straight from an s3fs file was measured ~500x
    slower than through io.BufferedReader."""
    f = fsspec.open(uri, "rb").open()
    return f if isinstance(f, io.BufferedReader) else io.BufferedReader(f, BUFFER)


def open_write(uri: str, exclusive: bool = False):
    """A binary writer; local parent folders are made (object stores have none to make).
    exclusive: fail with FileExistsError when the file exists (If-None-Match on S3)."""
    fs, path = filesystem(uri)
    if _is_local(fs):
        fs.makedirs(fs._parent(path), exist_ok=True)
    return fs.open(path, "xb" if exclusive else "wb")


def _is_local(fs) -> bool:
    protocols = fs.protocol if isinstance(fs.protocol, (tuple, list)) else (fs.protocol,)
    return "file" in protocols or "local" in protocols


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
    fs, path = filesystem(uri)
    if fs.exists(path):
        fs.rm(path, recursive=True)
