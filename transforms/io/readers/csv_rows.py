"""CSV / TSV rows as dicts keyed by the header row; quoted fields may span lines."""
from __future__ import annotations

import csv
import io
from typing import BinaryIO, Iterator

from tuneprep.transforms.io.readers import RAW_PREFIX_BYTES, RawItem, ReadOptions, read_error

SKIP_CHARS = 1 << 20


def read_csv(stream: BinaryIO, opts: ReadOptions, delimiter: str = ",") -> Iterator[RawItem]:
    # surrogateescape keeps reading past bad bytes; rows holding them are refused one by one.
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape", newline="")
    csv.field_size_limit(max(opts.max_record_bytes, 1))
    lines = BoundedLines(text, opts.max_record_bytes)
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
            yield read_error(start, "invalid_utf8", "invalid UTF-8: the row holds bytes that "
                             "are not UTF-8", joined(row, delimiter).encode("utf-8", "surrogateescape"))
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

    def __iter__(self) -> "BoundedLines":
        return self

    def __next__(self) -> str:
        line = self.readline(self.limit + 1)
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


def is_utf8(row: list[str]) -> bool:
    try:
        for cell in row:
            cell.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def joined(row: list[str], delimiter: str) -> str:
    return delimiter.join(row)[:RAW_PREFIX_BYTES]
