"""Plain text documents: the whole file, each non-blank line, or each paragraph is one item."""
from __future__ import annotations

from typing import BinaryIO, Iterator

from tuneprep.transforms.io.readers import (RAW_PREFIX_BYTES, RawItem, ReadOptions, read_error,
                                            strip_bom)
from tuneprep.transforms.io.readers.jsonl import skip_rest_of_line

TEXT_UNITS = ("file", "line", "paragraph")


def read_text(stream: BinaryIO, opts: ReadOptions) -> Iterator[RawItem]:
    if opts.text_unit == "file":
        yield from read_whole(stream, opts)
    elif opts.text_unit in ("line", "paragraph"):
        yield from read_units(stream, opts, by_paragraph=opts.text_unit == "paragraph")
    else:
        raise ValueError(f"text_unit must be one of {TEXT_UNITS}, not {opts.text_unit!r}")


def read_whole(stream: BinaryIO, opts: ReadOptions) -> Iterator[RawItem]:
    data = strip_bom(stream.read(opts.max_record_bytes + 1))
    if len(data) > opts.max_record_bytes:
        yield too_large(1, "document", opts, data)
        return
    if data.strip():
        yield decoded(1, data)


def read_units(stream: BinaryIO, opts: ReadOptions, by_paragraph: bool) -> Iterator[RawItem]:
    limit = opts.max_record_bytes
    line_no = 0
    paragraph = Paragraph(limit)
    while line := stream.readline(limit + 1):
        line_no += 1
        if line_no == 1:
            line = strip_bom(line)
        if len(line) > limit and not line.endswith(b"\n"):
            skip_rest_of_line(stream)
            yield from paragraph.flush(opts)
            yield too_large(line_no, "line", opts, line)
            continue
        content = line.rstrip(b"\r\n")
        if not content.strip():
            yield from paragraph.flush(opts)
        elif by_paragraph:
            paragraph.add(line_no, content)
        else:
            yield decoded(line_no, content)
    yield from paragraph.flush(opts)


class Paragraph:
    """Lines up to the next blank line; past the size limit only a prefix is kept, for the
    dead letter."""

    def __init__(self, limit: int):
        self.limit = limit
        self.reset()

    def reset(self) -> None:
        self.start, self.parts, self.size, self.oversized = 0, [], 0, False

    def add(self, line_no: int, content: bytes) -> None:
        self.start = self.start or line_no
        self.size += len(content) + 1
        if self.size - 1 > self.limit:
            self.oversized = True
        elif not self.oversized:
            self.parts.append(content)

    def flush(self, opts: ReadOptions) -> Iterator[RawItem]:
        if self.parts or self.oversized:
            data = b"\n".join(self.parts)
            yield (too_large(self.start, "paragraph", opts, data) if self.oversized
                   else decoded(self.start, data))
        self.reset()


def decoded(line: int, data: bytes) -> RawItem:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as bad:
        return read_error(line, "invalid_utf8", f"invalid UTF-8: {bad}",
                          data[:RAW_PREFIX_BYTES])
    return RawItem(line, text.replace("\r\n", "\n"))


def too_large(line: int, unit: str, opts: ReadOptions, data: bytes) -> RawItem:
    return read_error(line, "record_too_large", f"record too large: {unit} is over "
                      f"{opts.max_record_bytes} bytes (--max-record-bytes)",
                      data[:RAW_PREFIX_BYTES])
