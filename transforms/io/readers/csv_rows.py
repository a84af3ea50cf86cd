"""CSV / TSV rows as dicts keyed by the header row; quoted fields may span lines."""
from __future__ import annotations

import csv
import io
from typing import BinaryIO, Iterator

from tuneprep.transforms.io.readers import (RAW_PREFIX_BYTES, RawItem, ReadOptions,
                                            encoding_hint, is_utf8_encoding, not_valid,
                                            read_error)

SKIP_CHARS = 1 << 20


DELIMITERS = ",;\t|"    # sniffed from the header line, in this order of preference on a tie


def sniff_delimiter(header: str, default: str = ",") -> str:
    """The delimiter of a CSV file from its header line: the candidate (`,` `;` tab `|`) that
    occurs most often outside quotes; `default` when none does (one column)."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in header:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda c: (counts[c], c == default))
    return best if counts[best] else default


def csv_delimiter(uri: str, fmt: str, opts: ReadOptions) -> str:
    """The delimiter read_csv reads the file with (tab for TSV; else sniffed)."""
    if fmt == "tsv":
        return "\t"
    from tuneprep.transforms.io.readers.formats import read_head
    head = read_head(uri, opts.encoding, 1 << 16).decode("utf-8-sig", "replace")
    return sniff_delimiter(head.split("\n", 1)[0], ",")


def delimiter_name(delimiter: str) -> str:
    return {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}.get(delimiter, delimiter)


def read_csv(stream: BinaryIO, opts: ReadOptions, delimiter: str | None = ",") -> Iterator[RawItem]:
    """The rows of a CSV file; `delimiter` None: sniffed from the header line (sniff_delimiter).
    A quoted cell keeps its line ends as they are."""
    # surrogateescape keeps reading past bad bytes; rows holding them are refused one by one.
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape", newline="")
    csv.field_size_limit(max(opts.max_record_bytes, 1))
    lines = BoundedLines(text, opts.max_record_bytes)
    if delimiter is None:
        delimiter = sniff_delimiter(lines.peek(), ",")
    reader = csv.reader(lines, delimiter=delimiter)
    header: list[str] | None = None
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            lines.too_long = False
            yield csv_error(start, exc, opts)
            continue
        if lines.too_long:   # the row held a line over the limit, read as a blank one
            lines.too_long = False
            yield read_error(start, "record_too_large", f"record too large: a line of the row "
                             f"is over {opts.max_record_bytes} characters (--max-record-bytes)")
            continue
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if not is_utf8(row):
            raw = joined(row, delimiter).encode("utf-8", "surrogateescape")
            yield read_error(start, "invalid_utf8", f"{not_valid(opts.encoding)}: the row holds "
                             f"bytes that are not {encoding_label(opts.encoding)}"
                             f"{encoding_hint(raw, opts.encoding)}", raw)
            continue
        if header is None:
            header = row
            continue
        if len(row) != len(header):
            yield read_error(start, "invalid_csv", f"invalid CSV: row has {len(row)} fields, "
                             f"the header has {len(header)}", joined(row, delimiter))
            continue
        yield RawItem(start, dict(zip(header, row)))


class BoundedLines:
    """The text's lines for csv.reader, none over `limit` characters: reading a line whole
    would hold a newline-free file in memory. A longer line is skipped to its end and given
    as a blank line, with too_long set, so the row holding it is refused and line numbers
    stay right."""

    def __init__(self, text: io.TextIOBase, limit: int):
        self.readline = text.readline
        self.limit = limit
        self.too_long = False
        self.pending: str | None = None   # a line peeked at, given next

    def __iter__(self) -> "BoundedLines":
        return self

    def peek(self) -> str:
        """The next line (at most `limit` characters), still to be given."""
        if self.pending is None:
            self.pending = self.readline(self.limit + 1)
        return self.pending

    def __next__(self) -> str:
        line, self.pending = (self.pending, None) if self.pending is not None else (
            self.readline(self.limit + 1), None)
        if not line:
            raise StopIteration
        if len(line) > self.limit and line[-1] not in "\r\n":
            while (rest := self.readline(SKIP_CHARS)) and rest[-1] not in "\r\n":
                pass
            self.too_long = True
            return "\n"
        return line


def csv_error(line: int, exc: csv.Error, opts: ReadOptions) -> RawItem:
    if "field larger than field limit" in str(exc):
        return read_error(line, "record_too_large", f"record too large: a CSV field is over "
                          f"{opts.max_record_bytes} bytes (--max-record-bytes)")
    return read_error(line, "invalid_csv", f"invalid CSV: {exc}")


def encoding_label(encoding: str) -> str:
    return "UTF-8" if is_utf8_encoding(encoding) else encoding


def is_utf8(row: list[str]) -> bool:
    try:
        for cell in row:
            cell.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def joined(row: list[str], delimiter: str) -> str:
    return delimiter.join(row)[:RAW_PREFIX_BYTES]
