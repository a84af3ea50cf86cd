"""Readers: one input file → a stream of raw items with provenance. Pure Python over fsspec.

Contract (used by the Beam read transform in transforms/beam/read.py):

    read_items(uri: str, opts: ReadOptions) -> Iterator[RawItem]

- Never raises for bad content: a bad line/row becomes a RawItem with `error` set
  (RecordError with stage "read"), and reading goes on with the next line where that is possible.
  A file that cannot be opened or is cut short yields one RawItem with error "unreadable_file"
  at the line where reading stopped. An empty file yields one RawItem with error "empty_file".
- Compression by extension (.gz, .bz2, .zst); the container format by the remaining extension
  (.jsonl/.ndjson, .json, .csv, .tsv, .parquet, .txt/.text/.md) or opts.file_format, sniffed from
  the first bytes when the extension says nothing.
- A UTF-8 BOM and CRLF line ends are accepted.
- Memory stays about opts.max_record_bytes a file whatever its size once decompressed: a line,
  row, text unit or JSON document element over it is one "record_too_large" item, read past
  without being held (a JSON document over it is streamed, json_stream.py). A JSON value nested
  over 254 levels (nesting.MAX_DEPTH) is one "too_deep" item: orjson cannot write it again, and
  no value a reader gives is deeper. In a JSON document, reading goes on with the element after
  either; invalid JSON gives the elements before it, then one error item.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator

from tuneprep.transforms.core.records import READ, RecordError
from tuneprep.transforms.io.storage import StorageError, failure, open_read

if TYPE_CHECKING:
    from tuneprep.transforms.io.byte_ranges import ByteRange

RAW_PREFIX_BYTES = 4096   # raw bytes kept in an error item: a 40 MB bad line must stay cheap


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


def read_error(line: int, reason: str, message: str, raw: Any = None) -> RawItem:
    """An error item; RecordError puts the message on one line, whatever text it quotes."""
    return RawItem(line, error=RecordError(reason, message, READ), raw=raw)


UTF8_BOM = b"\xef\xbb\xbf"


def strip_bom(data: bytes) -> bytes:
    return data[len(UTF8_BOM):] if data.startswith(UTF8_BOM) else data


# The format modules import RawItem, read_error and strip_bom from here, so they come after them.
from tuneprep.transforms.io.readers.formats import container_format, sniff_format  # noqa: E402
from tuneprep.transforms.io.readers.csv_rows import read_csv  # noqa: E402
from tuneprep.transforms.io.readers.json_doc import read_json_doc  # noqa: E402
from tuneprep.transforms.io.readers.jsonl import read_jsonl  # noqa: E402
from tuneprep.transforms.io.readers.parquet_rows import read_parquet  # noqa: E402
from tuneprep.transforms.io.readers.text import TEXT_UNITS, read_text  # noqa: E402

__all__ = ["RawItem", "ReadOptions", "read_items", "container_format", "sniff_format"]


def read_items(uri: str, opts: ReadOptions | None = None,
               part: ByteRange | None = None) -> Iterator[RawItem]:
    """The items of `uri`, or of one byte range of it (a JSON Lines file cut by
    transforms/io/byte_ranges.py; an empty range is not an empty file)."""
    opts = opts or ReadOptions()
    if opts.text_unit not in TEXT_UNITS:
        raise ValueError(f"text_unit must be one of {TEXT_UNITS}, not {opts.text_unit!r}")
    item = None   # the last item given (readers give lines in increasing order)
    try:
        for item in (_read_items(uri, opts) if part is None else _read_range(uri, opts, part)):
            yield item
    except Exception as exc:  # unopenable or cut short (EOFError, zlib.error, OSError...)
        storage_failure = failure(exc, uri)
        if storage_failure:  # the store failed (connection, credentials), not the file: stop
            raise StorageError(storage_failure) from exc
        first = part.first_line if part is not None else 0
        yield read_error(item.line + 1 if item is not None else first, "unreadable_file",
                         f"unreadable file: {type(exc).__name__}: {exc}")
        return
    if item is None and part is None:
        yield read_error(0, "empty_file", "empty file: no record found")


def _read_range(uri: str, opts: ReadOptions, part: ByteRange) -> Iterator[RawItem]:
    length = None if part.end is None else part.end - part.start
    with open_read(uri, part.start) as stream:
        yield from read_jsonl(stream, opts, part.first_line, length)


def _read_items(uri: str, opts: ReadOptions) -> Iterator[RawItem]:
    fmt = container_format(uri, opts.file_format)
    if fmt == "parquet":
        yield from read_parquet(uri, opts)
        return
    if fmt in ("unknown", "json"):
        fmt = sniff_format(uri, fmt)
    with open_read(uri, decompress=True) as stream:
        if fmt == "jsonl":
            yield from read_jsonl(stream, opts)
        elif fmt == "json":
            yield from read_json_doc(stream, opts)
        elif fmt in ("csv", "tsv"):
            yield from read_csv(stream, opts, "\t" if fmt == "tsv" else ",")
        else:
            yield from read_text(stream, opts)
