"""The dataset's files as they are written: each counts its records and bytes and hashes itself
for the manifest; the dead-letter file also keeps a few examples per reason for report.html."""
from __future__ import annotations

import hashlib
from concurrent.futures import Future, ThreadPoolExecutor

import orjson

from tuneprep.transforms.sink.staged_files import staged_uri
from tuneprep.transforms.io.storage import open_write

EXAMPLES_PER_REASON = 3      # dead letters shown per reason in report.html

_HASHER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tuneprep-sha256")


class OutputFile:
    """One output file being written, with its count, size and digest for the manifest."""

    def __init__(self, cfg, relpath: str):
        self.relpath, self.uri = relpath, staged_uri(cfg, relpath)   # (its place at commit)
        self.f = open_write(self.uri)
        self.records, self.bytes, self.sha = 0, 0, hashlib.sha256()
        self._hashing: Future | None = None

    def write(self, line: bytes):
        self._hashed()
        self.f.write(line)
        self.sha.update(line)
        self.records += 1
        self.bytes += len(line)

    def write_block(self, data: bytes, records: int):
        """Whole lines at once (a part copied as it is). The block is hashed on another thread
        while it is written (both let go of the GIL): the digest of a 3 GB file then costs no
        time of its own."""
        self._hashed()
        self._hashing = _HASHER.submit(self.sha.update, data)
        self.f.write(data)
        self.records += records
        self.bytes += len(data)

    def _hashed(self) -> None:
        if self._hashing is not None:   # blocks are hashed in order, one at a time
            self._hashing.result()
            self._hashing = None

    def close(self) -> dict:
        self._hashed()
        self.f.close()
        return {"path": self.relpath, "records": self.records, "bytes": self.bytes,
                "sha256": self.sha.hexdigest()}


class DeadLetterFile(OutputFile):
    """The dead-letter file, keeping the first few lines of each reason as report.html's
    examples while they are copied (no second pass over the dead letters)."""

    PREFIX = b'{"reason":"'

    def __init__(self, cfg, relpath: str, per_reason: int = EXAMPLES_PER_REASON):
        super().__init__(cfg, relpath)
        self.per_reason = per_reason
        self.examples: dict[str, list[dict]] = {}

    def write(self, line: bytes):
        super().write(line)
        if line.startswith(self.PREFIX):   # dead_letter() puts the reason first: no parse needed
            end = line.find(b'"', len(self.PREFIX))
            reason = line[len(self.PREFIX):end].decode("utf-8", "replace")
            if len(self.examples.get(reason, ())) >= self.per_reason:
                return
        try:
            example = orjson.loads(line)
        except orjson.JSONDecodeError:
            return
        if isinstance(example, dict):
            kept = self.examples.setdefault(str(example.get("reason")), [])
            if len(kept) < self.per_reason:
                kept.append(example)


def file_entry(relpath: str, data: bytes) -> dict:
    """The manifest entry of a file that holds no records (report.html, side files, requests)."""
    return {"path": relpath, "records": None, "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest()}
