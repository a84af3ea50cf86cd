"""Safe JSON Lines encoding: one object, one physical line, whatever the text holds.

orjson never writes a raw "\\n" inside a string, but it does write U+2028, U+2029 and U+0085 as
raw UTF-8; some line-splitting readers (Python's str.splitlines, JavaScript) break records there,
so those are escaped too.
"""
from __future__ import annotations

import orjson

_SEPARATORS = (("\u2028".encode(), b"\\u2028"), ("\u2029".encode(), b"\\u2029"),
               ("\u0085".encode(), b"\\u0085"))


def dumps_line(obj) -> bytes:
    """One JSON object as UTF-8 bytes with no line break inside and none at the end."""
    data = orjson.dumps(obj)
    # The separators' UTF-8 bytes (E2 80 A8/A9, C2 85) only occur inside strings, so a plain
    # byte replace is exact; isascii() is one fast scan that settles the common case.
    if not data.isascii() and (b"\xe2\x80\xa8" in data or b"\xe2\x80\xa9" in data
                               or b"\xc2\x85" in data):
        for raw, escaped in _SEPARATORS:
            data = data.replace(raw, escaped)
    return data
