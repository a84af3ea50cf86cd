"""A JSON document streamed element by element with ijson, in memory about one element whatever
the document's size (a 2 MB .json.gz can hold gigabytes).

An element over --max-record-bytes or nested over MAX_DEPTH levels is one error item, and is
never parsed whole: the text is cut before ijson reads more of it, the depth gauge finds where
the element ends, and parsing starts again after it (on the text of a container opening where
the elements sit). Invalid JSON gives the items before it, then one error item, and ends there.
"""
from __future__ import annotations

from typing import BinaryIO, Iterator, NamedTuple

import orjson

try:   # the C backend: about as fast as orjson.loads on an array of records
    import ijson.backends.yajl2_c as ijson
except ImportError:   # ijson's best other backend
    import ijson
from ijson.common import JSONError

from tuneprep.transforms.io.readers import RawItem, read_error
from tuneprep.transforms.io.readers.nesting import MAX_DEPTH, DepthGauge

CHUNK = 1 << 16      # what ijson reads at a time, at most


class Layout(NamedTuple):
    """Where the elements sit: ijson's path to them, whether they are an object's (name,
    value) pairs, the depth of their container, and the text that opens it again (None: one
    element only)."""
    prefix: str
    pairs: bool
    base: int
    opener: bytes | None


ARRAY = Layout("item", False, 1, b"[")
MAP = Layout("", True, 1, b"{")
VALUE = Layout("", False, 0, None)


def wrapper(key: str) -> Layout:
    """The list of {key: [...]}. (ijson's path joins keys with "."; a key holding one still
    matches, as the path is compared whole.)"""
    return Layout(f"{key}.item" if key else "item", False, 2, b"{" + orjson.dumps(key) + b":[")


def stream_elements(head: bytes, stream: BinaryIO, limit: int,
                    layout: Layout) -> Iterator[RawItem]:
    """The elements of the document `head` + the rest of `stream`, one item each (line =
    index + 1); an object's pairs as {"image": name, "caption": value}."""
    source = Source(head, stream, limit, layout.base)
    parse = ijson.kvitems if layout.pairs else ijson.items
    # an element is measured by the chunks it spans: small ones keep a small limit exact enough
    chunk = min(CHUNK, max(limit // 16, 64))
    line = 0
    while True:
        try:
            for element in parse(source, layout.prefix, use_float=True, buf_size=chunk):
                source.since = 0   # the next element starts about here
                line += 1
                yield RawItem(line, {"image": element[0], "caption": element[1]}
                              if layout.pairs else element)
        except (JSONError, UnicodeDecodeError) as exc:   # (the Python backend decodes itself)
            if not source.stopped:
                yield parse_error(line, exc, source.read_bytes)
                return
        if not source.stopped:
            return
        line += 1
        yield source.stop_error(line)
        if layout.opener is None or not source.resume(layout.opener):
            return


class Source:
    """The document as ijson reads it: `head`, then the rest of `stream`. It ends early (ijson
    then gives the items before and stops) once the element being read is over `limit` bytes
    or nests over MAX_DEPTH levels below its container at depth `base`."""

    def __init__(self, head: bytes, stream: BinaryIO, limit: int, base: int):
        self.pending, self.at = head, 0   # bytes to give before the stream's
        self.stream = stream
        self.limit = limit
        self.base = base
        self.gauge = DepthGauge(base + MAX_DEPTH)
        self.since = 0       # bytes given since the last element ended (by chunks: about)
        self.stopped: str | None = None   # why the text ended early
        self.rest = b""      # the cut chunk's bytes after the cut
        self.read_bytes = len(head)   # of the file: where a parse error is, at the latest

    def read(self, size: int) -> bytes:
        if self.stopped or size <= 0:
            return b""
        if self.since > self.limit:   # ijson holds about this much of one element: stop
            self.stopped = "record_too_large"
            return b""
        chunk = self._next(size)
        self.since += len(chunk.strip())   # (white space costs ijson no memory)
        cut = self.gauge.feed(chunk)
        if cut is not None:
            self.stopped, self.rest = "too_deep", chunk[cut:]
            return chunk[:cut]
        return chunk

    def _next(self, size: int) -> bytes:
        if self.at < len(self.pending):
            chunk = self.pending[self.at:self.at + size]
            self.at += len(chunk)
            return chunk
        self.pending, self.at = b"", 0
        chunk = self.stream.read(size)
        self.read_bytes += len(chunk)
        return chunk

    def resume(self, opener: bytes) -> bool:
        """Skips the rest of the element the text stopped in; True when another one follows
        (the source then gives `opener` and the text after the element's ",")."""
        data, self.rest = self.rest, b""
        while (end := self.gauge.end_of_element(data, self.base) if data else None) is None:
            if not (data := self._next(CHUNK)):
                return False   # the document ends inside the element (invalid: nothing to add)
        if data[end:end + 1] != b",":
            return False   # the container closes: that was its last element
        # (the bytes of `pending` after `data` are the document's too: keep them)
        self.pending, self.at = opener + data[end + 1:] + self.pending[self.at:], 0
        self.gauge = DepthGauge(self.gauge.limit)
        self.since, self.stopped = 0, None
        return True

    def stop_error(self, line: int) -> RawItem:
        if self.stopped == "too_deep":
            return read_error(line, "too_deep", f"too deep: element {line} of the JSON document "
                              f"nests over {MAX_DEPTH} levels")
        return read_error(line, "record_too_large", f"record too large: element {line} of the "
                          f"JSON document is over {self.limit} bytes (--max-record-bytes)")


def parse_error(line: int, exc: Exception, read_bytes: int) -> RawItem:
    """Invalid JSON after `line` items, within the first `read_bytes` bytes of the file: the
    document is not read further, so the item says where it stopped and what was read (at the
    next line, or at 0, the file, when no item was read)."""
    message = exc.args[0] if exc.args else exc
    if isinstance(message, bytes):   # (yajl quotes the bad bytes)
        message = message.decode("utf-8", "backslashreplace")
    message = str(message).strip().split("\n")[0]   # yajl adds the text and a caret
    where = line + 1 if line else 0
    stopped = (f"after element {line} ({line:,} read), within the first {read_bytes:,} bytes; "
               "the rest of the document is not read")
    if isinstance(exc, UnicodeDecodeError) or "UTF8" in message:
        return read_error(where, "invalid_utf8", f"invalid UTF-8: {message}; {stopped}")
    if "premature EOF" in message:   # (the document ends before it closes)
        return read_error(where, "truncated_file", f"truncated file: the JSON document ends "
                          f"{stopped.split(';')[0]} before it closes; the file may be cut short")
    if not line:   # not one element read: the file as a whole is not valid JSON
        return read_error(where, "invalid_json", f"invalid JSON: {message}")
    return read_error(where, "unreadable_tail", f"invalid JSON: {message}; {stopped}")
