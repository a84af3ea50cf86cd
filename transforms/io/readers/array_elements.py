"""A JSON array (in memory, up to --max-record-bytes) that does not parse whole, read element by
element: each element is cut out at the "," or "]" that ends it at the array's own level
(nesting.tokens: brackets in strings do not count) and parsed alone, so one bad element (a
trailing comma, nesting too deep for orjson) is one error item and the elements after it are
still read. A document that ends before its "]" or holds text after it ends with an error item
naming the byte offset and the elements read: no element is lost without a word.

Only the broken array takes this path: a token at a time in Python (~1 s for 16 MiB), where a
valid one is parsed whole by orjson.
"""
from __future__ import annotations

from typing import Iterator

import orjson

from tuneprep.transforms.io.readers import RAW_PREFIX_BYTES, RawItem, read_error
from tuneprep.transforms.io.readers.nesting import MAX_DEPTH, too_deep, tokens


def array_items(data: bytes) -> Iterator[RawItem]:
    """The elements of `data`, a document whose first non-blank byte is "[" (line = index + 1)."""
    base = data.index(b"[") + 1
    start, index = base, 0   # where the element being cut starts; elements given
    for offset, token, depth in tokens(data[base:], 1):
        if depth != 1 or token not in b",]":
            continue   # (inside an element)
        piece = data[start:base + offset]
        if token == b"," or index or piece.strip():   # ("[]" holds no element)
            index += 1
            yield element(piece, index, start)
        start = base + offset + 1
        if token == b"]":
            if (tail := data[start:]).strip():
                yield read_error(index + 1, "unreadable_tail",
                                 f"unreadable tail: text after the JSON array ends (byte "
                                 f"{start:,} of {len(data):,}; {read(index)}); it is "
                                 "not read", tail[:RAW_PREFIX_BYTES])
            return
    piece = data[start:]
    if piece.strip() and (last := element(piece, index + 1, start)).error is None:
        index += 1   # a whole element the "]" should have followed
        yield last
        piece, start = b"", len(data)
    where = (f"inside element {index + 1} (from byte {start:,})" if piece.strip()
             else f"after element {index} (byte {start:,})")
    yield read_error(index + 1, "truncated_file",
                     f"truncated file: the JSON array ends {where} before its closing \"]\"; "
                     f"{read(index)}; the file may be cut short", piece[:RAW_PREFIX_BYTES] or None)


def read(count: int) -> str:
    return f"{count:,} element{'' if count == 1 else 's'} read"


def element(piece: bytes, index: int, offset: int) -> RawItem:
    """One element's text (at byte `offset` of the document), parsed."""
    start = offset + len(piece) - len(piece.lstrip())   # (where its text starts)
    try:
        value = orjson.loads(piece)
    except orjson.JSONDecodeError as exc:
        if exc.msg.startswith("depth limit"):   # (orjson parses 1024 levels)
            return at(deep(index), start)
        try:
            piece.decode("utf-8")
        except UnicodeDecodeError as bad:
            return at(read_error(index, "invalid_utf8", f"invalid UTF-8 in element {index} of "
                                 f"the JSON array: {bad}", piece[:RAW_PREFIX_BYTES]), start)
        return at(read_error(index, "invalid_json", f"invalid JSON in element {index} of the "
                             f"JSON array (from byte {start:,}): {exc.msg}",
                             piece[:RAW_PREFIX_BYTES]), start)
    return at(deep(index) if too_deep(value) else RawItem(index, value), start)


def at(item: RawItem, offset: int) -> RawItem:
    """The item with the byte its element's text starts at (the dead letter's source.offset)."""
    item.offset = offset
    return item


def deep(index: int) -> RawItem:
    return read_error(index, "too_deep", f"too deep: element {index} of the JSON document nests "
                      f"over {MAX_DEPTH} levels")
