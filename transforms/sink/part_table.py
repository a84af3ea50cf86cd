"""Part descriptions gathered compactly (issue 28, item 7). Pure Python.

Every batch writes its parts (parts.py) and describes each with a Part; a run of 100,000 tiny
files has 100,000 of them, gathered on one worker, held by the runner encoded, decoded and
cached as a side input twice (the parallel files' plan and the assembly): ~440 bytes a Part
each time. PartTable holds them as columns: the part's URI not at all (it is
temp_root(cfg)/part_file(kind, key), see parts.write_part), the source URI once per file, the
counts as arrays; it pickles as a few blobs. `parts(cfg)` gives the Parts back where they are
used.
"""
from __future__ import annotations

from array import array

from tuneprep.transforms.core.layout import part_file
from tuneprep.transforms.sink.parts import Part
from tuneprep.transforms.sink.staged_files import temp_root
from tuneprep.transforms.io.storage import join


class PartTable:
    __slots__ = ("kinds", "keys", "records", "sizes", "sources", "source_of", "sha256",
                 "uris")

    def __init__(self):
        self.kinds: list[str] = []             # (the few kind names, shared)
        self.keys: list[str] = []
        self.records, self.sizes = array("q"), array("q")
        self.sources: dict[str, int] = {}      # source URI -> its number
        self.source_of = array("q")            # part -> its source's number
        self.sha256: dict[int, str] = {}       # part -> its digest (on S3 only)
        self.uris: dict[int, str] = {}         # part -> its URI, where not the usual one

    def __len__(self) -> int:
        return len(self.keys)

    def add(self, cfg, part: Part) -> None:
        row = len(self.keys)
        self.kinds.append(_KINDS.setdefault(part.kind, part.kind))
        self.keys.append(part.key)
        self.records.append(part.records)
        self.sizes.append(part.bytes)
        self.source_of.append(self.sources.setdefault(part.source_uri, len(self.sources)))
        if part.sha256 is not None:
            self.sha256[row] = part.sha256
        if part.uri != _uri(temp_root(cfg), part.kind, part.key):
            self.uris[row] = part.uri

    def merge(self, other: PartTable) -> PartTable:
        base = len(self.keys)
        number = [self.sources.setdefault(uri, len(self.sources)) for uri in other.sources]
        self.kinds += other.kinds
        self.keys += other.keys
        self.records += other.records
        self.sizes += other.sizes
        self.source_of.extend(number[i] for i in other.source_of)
        self.sha256.update((base + row, sha) for row, sha in other.sha256.items())
        self.uris.update((base + row, uri) for row, uri in other.uris.items())
        return self

    def parts(self, cfg) -> list[Part]:
        root, sources = temp_root(cfg), list(self.sources)
        return [Part(kind, key, self.uris.get(row) or _uri(root, kind, key),
                     self.records[row], self.sizes[row], sources[self.source_of[row]],
                     self.sha256.get(row))
                for row, (kind, key) in enumerate(zip(self.kinds, self.keys))]

    def __reduce__(self):
        return (_unpickle, ("\0".join(self.kinds), "\0".join(self.keys), self.records.tobytes(),
                            self.sizes.tobytes(), list(self.sources), self.source_of.tobytes(),
                            self.sha256, self.uris))


_KINDS: dict[str, str] = {}   # one str object a kind name, however many parts hold it


def _uri(root: str, kind: str, key: str) -> str:
    return join(root, part_file(kind, key))


def _unpickle(kinds: str, keys: str, records: bytes, sizes: bytes, sources: list,
              source_of: bytes, sha256: dict, uris: dict) -> PartTable:
    out = PartTable()
    out.kinds = [_KINDS.setdefault(k, k) for k in kinds.split("\0")] if kinds else []
    out.keys = keys.split("\0") if keys else []
    out.records.frombytes(records)
    out.sizes.frombytes(sizes)
    out.sources = {uri: i for i, uri in enumerate(sources)}
    out.source_of.frombytes(source_of)
    out.sha256, out.uris = sha256, uris
    return out
