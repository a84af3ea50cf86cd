"""Which container format a file is when its extension says nothing, or says .json: sniffed from
its first bytes (the extensions' table: transforms/io/extensions.py)."""
from __future__ import annotations

import orjson

from tuneprep.transforms.io.readers import strip_bom
from tuneprep.transforms.io.storage import open_read

SNIFF_BYTES = 1 << 20


def sniff_format(uri: str, guess: str = "unknown", encoding: str = "utf-8") -> str:
    """`[` → json; `{` → jsonl when the first line is a whole object and more lines follow,
    else json (a pretty-printed object, or a one-line {name: caption} map); otherwise text.
    A ".json" file that holds JSON Lines (a common mislabel) is read as JSON Lines."""
    head = strip_bom(read_head(uri, encoding)).lstrip()
    if head.startswith(b"["):
        return "json"
    if head.startswith(b"{"):
        first, newline, rest = head.partition(b"\n")
        if not newline:
            # No line end in the window: the whole file is one line (read it as a document,
            # which also unwraps a {name: caption} map), or a line longer than the window,
            # likelier a JSON Lines record unless the extension said .json.
            window_full = len(head) >= SNIFF_BYTES - 64
            return "jsonl" if window_full and guess != "json" else "json"
        try:
            is_object = isinstance(orjson.loads(first), dict)
        except orjson.JSONDecodeError as exc:   # a record too deep is still a line of its own
            is_object = exc.msg.startswith("depth limit")
        return "jsonl" if is_object and rest.strip() else "json"
    return guess if guess == "json" else "text"


def opens_document(head: bytes) -> bool:
    """Whether the first bytes of a file named as JSON Lines (PEEK_BYTES are enough) open a
    JSON document they do not close (`[`, `{`, `[{"a": 1},`, `{"data": [`): the sign of a
    pretty-printed document, or of a first record cut short. Only a sign:
    lines_or_document.is_document decides."""
    head = strip_bom(head).lstrip()
    if not head.startswith((b"[", b"{")) or b"\n" not in head:
        return False
    first = head.split(b"\n", 1)[0].strip()
    if first in (b"[", b"{"):
        return True
    try:
        orjson.loads(first)
        return False
    except orjson.JSONDecodeError as exc:
        if exc.msg.startswith("depth limit"):
            return False
    return first.startswith(b"[") or first.endswith((b"[", b"{"))


PEEK_BYTES = 1 << 16


def read_head(uri: str, encoding: str = "utf-8", most: int = SNIFF_BYTES) -> bytes:
    """Up to `most` bytes (as UTF-8) from the start; what could be read when the file is cut
    short (the reader proper then reports it)."""
    from tuneprep.transforms.io.readers import recoded
    chunks, size = [], 0
    try:
        with open_read(uri, decompress=True) as raw, recoded(raw, encoding) as f:
            while size < most and (chunk := f.read(min(1 << 16, most - size))):
                chunks.append(chunk)
                size += len(chunk)
    except Exception:  # unreadable or cut short: the reader proper reports it
        pass
    return b"".join(chunks)
