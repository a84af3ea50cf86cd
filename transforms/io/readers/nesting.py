"""How deep a record nests: past MAX_DEPTH levels of lists and objects, a reader refuses it.

254 is the most orjson writes: deeper, hashing, sizing or showing a record fails (so does Beam's
pickling of a batch, from about 500). orjson parses 1024, so the readers check what it gives:
too_deep() on a parsed value, and DepthGauge on the bytes of a streamed JSON document before
ijson parses them (ijson's memory and time grow with the square of the depth: 200,000 nested
"[" took gigabytes).
"""
from __future__ import annotations

import re

import orjson

MAX_DEPTH = 254

_ESCAPE = re.compile(rb"\\.", re.S)     # a backslash escape inside a string ("\"", "\\", ...)
_TOKENS = re.compile(rb'\\.|["\[\]{},]', re.S)
# keep the brackets only, and make them one kind: [ and ]
_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"[]{}")))
_ONE_KIND = bytes.maketrans(b"{}", b"[]")
_PASSES = 32   # pair-dropping passes; brackets nesting deeper in one chunk are counted one by one


def too_deep(value) -> bool:
    """True when the value nests over MAX_DEPTH levels (orjson cannot write it)."""
    try:
        orjson.dumps(value)
    except TypeError:   # (orjson.JSONEncodeError is one; nothing else fails on parsed JSON)
        return True
    return False


class DepthGauge:
    """Follows a JSON text chunk by chunk, in order: how deep it is at the end of each chunk
    (brackets in strings do not count), where it first goes past `limit`, and where an element
    being skipped ends. Each chunk costs a few C-level passes; only a chunk that may pass the
    limit is read token by token."""

    def __init__(self, limit: int):
        self.limit = limit
        self.depth = 0
        self.in_string = False
        self.escaped = False    # the chunk ended on a backslash inside a string

    def feed(self, chunk: bytes) -> int | None:
        """The offset of the first bracket opening more than `limit` levels, else None."""
        start = (self.depth, self.in_string, self.escaped)
        _, highest, _ = self._advance(chunk)
        if start[0] + highest <= self.limit:
            return None
        cut = _first_over(chunk, *start, self.limit)
        if cut is not None:   # the state where the chunk is cut: just before that bracket
            self.depth, self.in_string, self.escaped = self.limit, False, False
        return cut

    def end_of_element(self, chunk: bytes, base: int) -> int | None:
        """Skipping an element of the container at depth `base`: the offset of the "," after
        it, or of the bracket closing the container; None while the element goes on."""
        start = (self.depth, self.in_string, self.escaped)
        lowest, _, comma = self._advance(chunk)
        lowest += start[0]
        if lowest > base or (lowest == base and not comma):   # (a string in an element: fast)
            return None
        return _end_at(chunk, *start, base)

    def _advance(self, chunk: bytes) -> tuple[int, int, bool]:
        """Moves past the chunk; (lowest, highest) depth in it, relative to where it started
        (highest as a bound), and whether it holds a "," outside strings."""
        text = chunk[1:] if self.escaped and self.in_string else chunk
        text = _ESCAPE.sub(b"", text)   # no escaped quote is left: every '"' opens or closes
        self.escaped = text.endswith(b"\\")
        parts = text.split(b'"')
        outside = b"".join(parts[1::2] if self.in_string else parts[0::2])
        self.in_string ^= len(parts) % 2 == 0
        closes, opens, highest = _profile(outside.translate(_ONE_KIND, _NOT_BRACKETS))
        self.depth += opens - closes
        return -closes, highest, b"," in outside


def _profile(brackets: bytes) -> tuple[int, int, int]:
    """(unmatched "]", unmatched "[", a bound on the highest depth) of a run of brackets,
    relative to where it starts. Matched pairs are dropped innermost first, so the passes that
    takes bound how deep they nest."""
    rest, passes = brackets, 0
    while b"[]" in rest and passes < _PASSES:
        rest = rest.replace(b"[]", b"")
        passes += 1
    if b"[]" in rest:   # nests deeper within the chunk: count exactly
        depth = highest = lowest = 0
        for byte in brackets:
            depth += 1 if byte == 91 else -1   # 91: "["
            if depth > highest:
                highest = depth
            elif depth < lowest:
                lowest = depth
        return -lowest, depth - lowest, highest
    closes = rest.count(b"]")
    opens = len(rest) - closes
    return closes, opens, opens + passes


def tokens(text: bytes, depth: int = 0):
    """(offset, token, depth before it) for each bracket and "," outside strings of `text`,
    which starts outside a string at `depth`."""
    return _tokens(text, depth, False, False)


def _tokens(chunk: bytes, depth: int, in_string: bool, escaped: bool):
    """(offset, token, depth before it) for each bracket and "," outside strings."""
    for match in _TOKENS.finditer(chunk, 1 if escaped and in_string else 0):
        token = match.group()
        if token == b'"':
            in_string = not in_string
        elif not in_string and len(token) == 1:
            yield match.start(), token, depth
            depth += 1 if token in b"[{" else -1 if token in b"]}" else 0


def _first_over(chunk: bytes, depth: int, in_string: bool, escaped: bool,
                limit: int) -> int | None:
    for offset, token, before in _tokens(chunk, depth, in_string, escaped):
        if token in b"[{" and before >= limit:
            return offset
    return None


def _end_at(chunk: bytes, depth: int, in_string: bool, escaped: bool, base: int) -> int | None:
    for offset, token, before in _tokens(chunk, depth, in_string, escaped):
        if before == base and token in b",]}":
            return offset
    return None
