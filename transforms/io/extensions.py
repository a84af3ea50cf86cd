"""What a file's name says: its compression and its container format. Apart from the readers
so that byte_ranges.py (which cuts only uncompressed JSON Lines files) reads the same table
without importing the readers, which import it (no cycle)."""
from __future__ import annotations

import posixpath

FORMATS = ("jsonl", "json", "csv", "tsv", "parquet", "text")
EXTENSIONS = {
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".jsonlines": "jsonl",
    ".json": "json",
    ".csv": "csv", ".tsv": "tsv",
    ".parquet": "parquet", ".pq": "parquet",
    ".txt": "text", ".text": "text", ".md": "text",
}
COMPRESSION_EXTENSIONS = (".gz", ".bz2", ".zst", ".zstd")


def container_format(uri: str, forced: str | None = None) -> str:
    """jsonl | json | csv | tsv | parquet | text, or "unknown" when the extension says nothing
    (read_items then sniffs the content)."""
    if forced:
        if forced not in FORMATS:
            raise ValueError(f"file format must be one of {FORMATS}, not {forced!r}")
        return forced
    name = posixpath.basename(uri.split("?", 1)[0]).lower()
    for ext in COMPRESSION_EXTENSIONS:
        if name.endswith(ext):
            name = name[: -len(ext)]
            break
    return EXTENSIONS.get(posixpath.splitext(name)[1], "unknown")
