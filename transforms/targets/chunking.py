"""Splitting long documents into pieces a pre-training record can hold."""
from __future__ import annotations

import re

# Preferred boundaries first: blank lines, then sentence ends, then any whitespace.
_BOUNDARIES = (
    re.compile(r"\n[ \t\r\f\v]*\n\s*"),
    re.compile(r"(?<=[.!?])\s+|(?<=[.!?][\"')\]])\s+"),
    re.compile(r"\s+"),
)


def chunk_text(text: str, max_chars: int) -> list[str]:
    """Chunks of at most max_chars, cut at the best boundary available; only the whitespace at a
    cut is lost, and whitespace-only chunks are dropped."""
    if max_chars < 1:
        raise ValueError("max_chars must be at least 1")
    return [chunk for chunk in _split(text, max_chars, 0) if chunk.strip()]


def _split(text: str, max_chars: int, level: int) -> list[str]:
    if len(text) <= max_chars:
        return [text]
    if level == len(_BOUNDARIES):
        return [text[start:start + max_chars] for start in range(0, len(text), max_chars)]
    pieces, separators = _pieces(text, _BOUNDARIES[level])
    if len(pieces) == 1:
        return _split(text, max_chars, level + 1)
    chunks: list[str] = []
    current: list[str] = []     # pieces and the separators between them
    size = 0
    for index, piece in enumerate(pieces):
        separator = separators[index - 1] if index else ""
        if current and size + len(separator) + len(piece) <= max_chars:
            current += [separator, piece]
            size += len(separator) + len(piece)
            continue
        if current:
            chunks.append("".join(current))   # the separator at the cut is dropped
        parts = [piece] if len(piece) <= max_chars else _split(piece, max_chars, level + 1)
        chunks.extend(parts[:-1])
        current, size = [parts[-1]], len(parts[-1])
    if current:
        chunks.append("".join(current))
    return chunks


def _pieces(text: str, boundary: re.Pattern) -> tuple[list[str], list[str]]:
    pieces, separators, start = [], [], 0
    for match in boundary.finditer(text):
        pieces.append(text[start:match.start()])
        separators.append(match.group())
        start = match.end()
    pieces.append(text[start:])
    return pieces, separators
