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
- A UTF-8 BOM and CRLF line ends are accepted. Text in another encoding (opts.encoding, any that
  keeps ASCII as ASCII: cp1252, latin-1, ...) is read as UTF-8 (Recoded); an invalid_utf8 item
  under UTF-8 says to give --encoding (encoding_hint).
- A CSV file's delimiter is sniffed from its header line (`,` `;` tab `|`); a ".jsonl" file is
  read as one JSON document only when it is one (pretty-printed: lines_or_document.py), else as
  lines, each bad line an invalid_json item; a JSON document's records are its array, its one list of records, or the list at
  opts.records_path.
- Memory stays about opts.max_record_bytes a file whatever its size once decompressed: a line,
  row, text unit or JSON document element over it is one "record_too_large" item, read past
  without being held (a JSON document over it is streamed, json_stream.py). A JSON value nested
  over 254 levels (nesting.MAX_DEPTH) is one "too_deep" item: orjson cannot write it again, and
  no value a reader gives is deeper. In a JSON document, reading goes on with the element after
  either; invalid JSON gives the elements before it, then one error item.
"""

from __future__ import annotations

import codecs
import io
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO, Iterator

from tuneprep.transforms.core.options import ReadOptions
from tuneprep.transforms.core.records import LINE, READ, RecordError
from tuneprep.transforms.io import input_pins
from tuneprep.transforms.io.extensions import container_format
from tuneprep.transforms.io.storage import StorageError, failure, open_read

if TYPE_CHECKING:
    from tuneprep.transforms.io.byte_ranges import ByteRange

RAW_PREFIX_BYTES = 4096   # raw bytes kept in an error item: a 40 MB bad line must stay cheap


@dataclass(slots=True)
class RawItem:
    line: int                      # 1-based position in `unit`s; 0 = the file as a whole
    value: Any = None              # parsed JSON value, CSV/Parquet row dict, or str document
    error: RecordError | None = None
    raw: Any = None                # the raw text of the item when it came from text (dead letters)
    unit: str = LINE               # RECORD for a JSON document's element (records.Source)
    offset: int | None = None      # a JSON document's element: its first byte, when known




def is_utf8_encoding(encoding: str) -> bool:
    return codecs.lookup(encoding).name in ("utf-8", "utf-8-sig")


def encoding_guess(data: bytes = b"") -> str:
    """The encoding a text that is not UTF-8 is likeliest in: cp1252 (a Windows or Excel
    export) when it decodes, else latin-1 (which decodes anything)."""
    try:
        data.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


def encoding_hint(data: bytes = b"", encoding: str = "utf-8") -> str:
    """'; if the file is in another encoding, …': what to add to an invalid_utf8 message."""
    if not is_utf8_encoding(encoding):
        return ""
    return ("; if the file is in another encoding, give it with --encoding (e.g. --encoding "
            f"{encoding_guess(data)})")


def not_valid(encoding: str) -> str:
    """'invalid UTF-8' or 'invalid cp1252', as a message starts."""
    return "invalid UTF-8" if is_utf8_encoding(encoding) else f"invalid {encoding}"


class Recoded(io.RawIOBase):
    """A binary stream in an ASCII-compatible encoding (cp1252, latin-1, ...) as UTF-8 bytes,
    so every reader reads UTF-8 whatever --encoding is. Bytes the encoding does not define are
    kept as they are (surrogateescape): the reader then refuses the record holding them as
    invalid_utf8."""

    def __init__(self, stream: BinaryIO, encoding: str):
        self._text = io.TextIOWrapper(stream, encoding=encoding, errors="surrogateescape",
                                      newline="")
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            chunk = self._text.read(1 << 16)
            if not chunk:
                return 0
            self._pending = chunk.encode("utf-8", "surrogateescape")
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


def recoded(stream: BinaryIO, encoding: str) -> BinaryIO:
    """`stream` as UTF-8 bytes (itself when it is UTF-8 already)."""
    if is_utf8_encoding(encoding):
        return stream
    return io.BufferedReader(Recoded(stream, encoding), 1 << 16)


def read_error(line: int, reason: str, message: str, raw: Any = None) -> RawItem:
    """An error item; RecordError puts the message on one line, whatever text it quotes."""
    return RawItem(line, error=RecordError(reason, message, READ), raw=raw)


UTF8_BOM = b"\xef\xbb\xbf"


def strip_bom(data: bytes) -> bytes:
    return data[len(UTF8_BOM):] if data.startswith(UTF8_BOM) else data


# The format modules import RawItem, read_error and strip_bom from here, so they come after them.
from tuneprep.transforms.io.readers.formats import (PEEK_BYTES, opens_document,  # noqa: E402
                                                    sniff_format)
from tuneprep.transforms.io.readers.csv_rows import read_csv  # noqa: E402
from tuneprep.transforms.io.readers.json_doc import read_json_doc  # noqa: E402
from tuneprep.transforms.io.readers.jsonl import read_jsonl  # noqa: E402
from tuneprep.transforms.io.readers.lines_or_document import (is_document,  # noqa: E402
                                                              pretty_printed)
from tuneprep.transforms.io.readers.parquet_rows import read_parquet  # noqa: E402
from tuneprep.transforms.io.readers.text import TEXT_UNITS, read_text  # noqa: E402

__all__ = ["RawItem", "ReadOptions", "read_items", "read_format", "container_format",
           "sniff_format"]


def read_items(uri: str, opts: ReadOptions | None = None, part: ByteRange | None = None,
               pin: int | str | None = None) -> Iterator[RawItem]:
    """The items of `uri`, or of one byte range of it (a JSON Lines file cut by
    transforms/io/byte_ranges.py; an empty range is not an empty file). pin: the file as
    listed (input_pins.py), checked at the start and after the last item (InputChanged)."""
    opts = opts or ReadOptions()
    if opts.text_unit not in TEXT_UNITS:
        raise ValueError(f"text_unit must be one of {TEXT_UNITS}, not {opts.text_unit!r}")
    input_pins.check(uri, pin, input_pins.SINCE_LISTED)
    item = None   # the last item given (readers give lines in increasing order)
    try:
        for item in (_read_items(uri, opts) if part is None else _read_range(uri, opts, part)):
            yield item
    except Exception as exc:  # unopenable or cut short (EOFError, zlib.error, OSError...)
        input_pins.check(uri, pin)   # cut short by a change (S3: FileExpired): not a bad file
        storage_failure = failure(exc, uri)
        if storage_failure:  # the store failed (connection, credentials), not the file: stop
            raise StorageError(storage_failure) from exc
        first = part.first_line if part is not None else 0
        yield read_error(item.line + 1 if item is not None else first, "unreadable_file",
                         f"unreadable file: {type(exc).__name__}: {exc}")
        return
    input_pins.check(uri, pin)   # (its records may have been a mix of the old and new file)
    if item is None and part is None:
        yield read_error(0, "empty_file", "empty file: no record found")


def _read_range(uri: str, opts: ReadOptions, part: ByteRange) -> Iterator[RawItem]:
    length = None if part.end is None else part.end - part.start
    with open_read(uri, part.start) as raw:
        stream = recoded(raw, opts.encoding)
        if stream is not raw:   # (a length in the file's bytes: the recoded text is longer)
            stream, length = recoded(_Prefix(raw, length), opts.encoding), None
        yield from read_jsonl(stream, opts, part.first_line, length)


class _Prefix(io.RawIOBase):
    """The first `length` bytes of a stream (all of it for None)."""

    def __init__(self, stream: BinaryIO, length: int | None):
        self._stream, self._left = stream, length

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        want = len(buffer) if self._left is None else min(len(buffer), self._left)
        data = self._stream.read(want) if want else b""
        buffer[:len(data)] = data
        if self._left is not None:
            self._left -= len(data)
        return len(data)


def _peek(stream: BinaryIO) -> tuple[bytes, Exception | None]:
    """Up to PEEK_BYTES from the stream, one buffer at a time (a cut-short .gz then gives every
    byte before the cut), and the error that stopped the reads, if any."""
    chunks, size = [], 0
    read = getattr(stream, "read1", stream.read)   # (read() would drop what came before)
    try:
        while size < PEEK_BYTES and (chunk := read(4096)):
            chunks.append(chunk)
            size += len(chunk)
    except Exception as exc:   # given again after the head: the reader reports it in place
        return b"".join(chunks), exc
    return b"".join(chunks), None


class _Chained(io.RawIOBase):
    """`head`, then the rest of `stream` (or `error`, raised where the head ends)."""

    def __init__(self, head: bytes, stream: BinaryIO, error: Exception | None = None):
        self._head, self._stream, self._error = head, stream, error

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        data = self._stream.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


def read_format(uri: str, opts: ReadOptions) -> str:
    """The container format read_items reads `uri` as: the forced one, else by the extension,
    sniffed when it says nothing or says .json, and a ".jsonl" file that holds one
    pretty-printed JSON document is read as JSON (lines_or_document.py)."""
    fmt = container_format(uri, opts.file_format)
    if fmt in ("unknown", "json"):
        fmt = sniff_format(uri, fmt, opts.encoding)
    elif fmt == "jsonl" and not opts.file_format and pretty_printed(uri, opts.encoding):
        fmt = "json"
    return fmt


def _read_items(uri: str, opts: ReadOptions) -> Iterator[RawItem]:
    fmt = container_format(uri, opts.file_format)
    if fmt == "parquet":
        yield from read_parquet(uri, opts)
        return
    if fmt in ("unknown", "json"):
        fmt = sniff_format(uri, fmt, opts.encoding)
    if fmt == "jsonl" and not opts.file_format:   # named .jsonl: a pretty-printed document?
        with _opened(uri, opts) as stream:
            head, error = _peek(stream)
            if not opens_document(head):   # (the common case: read on from this stream)
                yield from read_jsonl(io.BufferedReader(_Chained(head, stream, error), 1 << 16),
                                      opts)
                return
            document = error is None and is_document(head, _Chained(head, stream))
        fmt = "json" if document else "jsonl"   # (read again from the start)
    with _opened(uri, opts) as stream:
        if fmt == "jsonl":
            yield from read_jsonl(stream, opts)
        elif fmt == "json":
            yield from read_json_doc(stream, opts)
        elif fmt in ("csv", "tsv"):
            yield from read_csv(stream, opts, "\t" if fmt == "tsv" else None)
        else:
            yield from read_text(stream, opts)


@contextmanager
def _opened(uri: str, opts: ReadOptions) -> Iterator[BinaryIO]:
    """The file, decompressed and as UTF-8."""
    with open_read(uri, decompress=True) as raw:
        yield recoded(raw, opts.encoding)
