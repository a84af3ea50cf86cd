"""Readers: one input file → a stream of raw items with provenance. Pure Python over fsspec.

Contract (used by the Beam read transform in transforms/read.py):

    read_items(uri: str, opts: ReadOptions) -> Iterator[RawItem]

- Never raises for bad content: a bad line/row becomes a RawItem with `error` set
  (RecordError with stage "read"), and reading goes on with the next line where that is possible.
  A file that cannot be opened or is cut short yields one RawItem with error "unreadable_file"
  at the line where reading stopped. An empty file yields one RawItem with error "empty_file".
- Compression by extension (.gz, .bz2, .zst); the container format by the remaining extension
  (.jsonl/.ndjson, .json, .csv, .tsv, .parquet, .txt/.text/.md) or opts.file_format, sniffed from
  the first bytes when the extension says nothing.
- A UTF-8 BOM and CRLF line ends are accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from transforms.records import RecordError


@dataclass(slots=True)
class RawItem:
    line: int                      # 1-based line / row / array index+1; 0 = the file as a whole
    value: Any = None              # parsed JSON value, CSV/Parquet row dict, or str document
    error: RecordError | None = None
    raw: Any = None                # the raw text of the item when it came from text (dead letters)


@dataclass(slots=True)
class ReadOptions:
    file_format: str | None = None      # force jsonl|json|csv|tsv|parquet|text
    text_unit: str = "file"             # plain text: one record per "file", "line" or "paragraph"
    max_record_bytes: int = 16 * 1024 * 1024
    csv_delimiter: str | None = None    # default "," (and "\t" for .tsv)
