"""JSON Lines: one JSON value a line; bad lines become error items and reading goes on."""
from __future__ import annotations

from typing import BinaryIO, Iterator

import orjson

from tuneprep.transforms.io.readers import (RAW_PREFIX_BYTES, RawItem, ReadOptions, read_error,
                                            strip_bom)
from tuneprep.transforms.io.readers.nesting import MAX_DEPTH

SKIP_CHUNK = 1 << 20
DEEP_LINE = 2 * MAX_DEPTH + 1   # nesting over MAX_DEPTH levels takes more bytes than this


def read_jsonl(stream: BinaryIO, opts: ReadOptions, first_line: int = 1,
               length: int | None = None) -> Iterator[RawItem]:
    """The lines of `stream` from where it stands; with `length`, only that many bytes (a
    byte range of a big file, byte_ranges.py, which starts at line `first_line` and ends after a newline)."""
    limit = opts.max_record_bytes
    # limit + 1 bytes: a line that fills them without its newline is over the limit, and a
    # huge line never costs more memory than that.
    readline, most = stream.readline, limit + 1
    loads, dumps = orjson.loads, orjson.dumps   # (per line: no lookups)
    line_no = first_line - 1
    consumed = 0
    while length is None or consumed < length:
        line = readline(most)
        if not line:
            return
        consumed += len(line)
        line_no += 1
        if line_no == 1:
            line = strip_bom(line)
        if len(line) > limit and not line.endswith(b"\n"):
            consumed += skip_rest_of_line(stream)
            yield read_error(line_no, "record_too_large",
                             f"record too large: line is over {limit} bytes (--max-record-bytes)",
                             line[:RAW_PREFIX_BYTES])
            continue
        if line.isspace():   # (not strip(): that copies every line)
            continue
        try:   # the common case inline: a function call a line is a visible share of the cost
            value = loads(line)
        except orjson.JSONDecodeError:
            yield parse_line(line, line_no)
            continue
        if len(line) > DEEP_LINE:   # (a shorter line cannot be too deep)
            try:   # what orjson cannot write again is too deep (~0.3 µs a 1 kB line)
                dumps(value)
            except TypeError:
                yield too_deep_line(line, line_no)
                continue
        yield RawItem(line_no, value)


def too_deep_line(line: bytes, line_no: int) -> RawItem:
    return read_error(line_no, "too_deep", f"too deep: the line nests over {MAX_DEPTH} levels",
                      line[:RAW_PREFIX_BYTES])


def parse_line(line: bytes, line_no: int) -> RawItem:
    try:
        return RawItem(line_no, orjson.loads(line))
    except orjson.JSONDecodeError as exc:
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as bad:
            return read_error(line_no, "invalid_utf8", f"invalid UTF-8: {bad}",
                              line.rstrip(b"\r\n"))
        # the position within the line; the file line is the item's own
        text = text.rstrip("\r\n")
        if exc.msg.startswith("depth limit"):   # valid, but nested deeper than orjson parses
            return too_deep_line(line, line_no)
        column = exc.pos + 1 if exc.pos <= len(text) else len(text) + 1
        return read_error(line_no, "invalid_json",
                          f"invalid JSON at column {column}: {exc.msg}", text)


def skip_rest_of_line(stream: BinaryIO) -> int:
    """Reads past the end of the current line; returns the bytes skipped."""
    skipped = 0
    while chunk := stream.readline(SKIP_CHUNK):
        skipped += len(chunk)
        if chunk.endswith(b"\n"):
            break
    return skipped
