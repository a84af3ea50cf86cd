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
    # isascii() is one fast scan that settles ASCII text. For other text, looking for the three
    # characters in the strings themselves was measured ~3x cheaper than in the encoded bytes,
    # where typographic quotes and dashes share their first bytes.
    if data.isascii() or _clean(obj):
        return data
    # The separators' UTF-8 bytes (E2 80 A8/A9, C2 85) only occur inside strings, so a plain
    # byte replace is exact.
    for raw, escaped in _SEPARATORS:
        data = data.replace(raw, escaped)
    return data


def _clean(value) -> bool:
    """No U+2028, U+2029 or U+0085 in any string (key or value) of a JSON-like value."""
    kind = type(value)
    if kind is str:
        return value.isascii() or not ("\u2028" in value or "\u2029" in value
                                       or "\x85" in value)
    if kind is dict:
        for key, item in value.items():
            # strings inline: a call per value was a visible share of the cost
            if type(item) is str:
                if not item.isascii() and ("\u2028" in item or "\u2029" in item
                                           or "\x85" in item):
                    return False
            elif not _clean(item):
                return False
            if not key.isascii() and not _clean(key):
                return False
        return True
    if kind is list or kind is tuple:
        for item in value:
            if not _clean(item):
                return False
        return True
    return not isinstance(value, (str, dict, list, tuple))   # numbers, bools, None; subclasses: check the bytes
