"""--dedup exact: what makes two records the same, and which one is kept. Pure Python.

A record's key is a hash of its normalised content (Record.content(): system prompt, turns,
document text, media references, context, tools, weights, reference, preference): every string
in it Unicode NFC, each run of whitespace one space, stripped; case kept. Two records with the
same key are duplicates; the first in input order (file index in the sorted listing, then line)
is kept. Only (key, location) pairs travel between workers (transforms/beam/dedup.py), never a
record.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Iterable, Iterator

import orjson

from tuneprep.transforms.core.records import LINE, RECORD, Record, source_entry, source_text

DEDUP_MODES = ("exact",)   # --dedup's choices (near duplicates: issue 26 item 2)
KEY_BYTES = 16             # 128 bits: no two different records meet by chance in any corpus
BUCKET_BITS = 10           # losers are looked up by (file, line >> BUCKET_BITS): a batch's lines
                           # span a bucket or two, whatever the batch size (no tie to batching)
_SPACE = re.compile(r"\s+")


def normalise_text(text: str) -> str:
    """NFC, whitespace runs → one space, stripped; case kept."""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def _normalised(value):
    if isinstance(value, str):
        return normalise_text(value)
    if isinstance(value, list):
        return [_normalised(v) for v in value]
    if isinstance(value, dict):
        return {normalise_text(k): _normalised(v) for k, v in value.items()}
    return value


def record_key(record: Record) -> bytes:
    """The record's dedup key: BLAKE2b of its normalised content, written one way (orjson,
    keys sorted). Tools, references and preferences are turned into JSON first, so every string
    in them is normalised too."""
    content = orjson.loads(orjson.dumps(record.content(), default=str))
    canonical = orjson.dumps(_normalised(content), option=orjson.OPT_SORT_KEYS)
    return hashlib.blake2b(canonical, digest_size=KEY_BYTES).digest()


# A record's location, one int: file index, line (or record number), and whether it counts
# records (a JSON document) or lines; ints sort in input order, and an int is what costs least
# to hold in the grouping (the local runner holds it in memory: one a record)
_LINE_BITS = 40


def location(file_index: int, line: int, unit: str = LINE) -> int:
    return (file_index << (_LINE_BITS + 1)) | (line << 1) | (unit == RECORD)


def unpack(loc: int) -> tuple[int, int, str]:
    """(file index, line, unit) of a location."""
    return (loc >> (_LINE_BITS + 1), (loc >> 1) & ((1 << _LINE_BITS) - 1),
            RECORD if loc & 1 else LINE)


def losers(locations: Iterable[int]) -> Iterator[tuple[int, int]]:
    """(dropped, kept) for each record of one key but the first in input order."""
    ordered = sorted(locations)
    kept = ordered[0]
    for dropped in ordered[1:]:
        yield dropped, kept


def bucket(file_index: int, line: int) -> str:
    """The side-input key of a line (a string: encoded alike by every runner)."""
    return f"{file_index}-{line >> BUCKET_BITS}"


def buckets(file_index: int, lines: set[int]) -> list[str]:
    """The buckets a batch's lines fall in (its lines run from the least to the most)."""
    return [f"{file_index}-{b}" for b in range(min(lines) >> BUCKET_BITS,
                                               (max(lines) >> BUCKET_BITS) + 1)]


def duplicate_message(kept_uri: str, kept: int) -> str:
    """A dropped record's message, naming the record kept in its place."""
    _, line, unit = unpack(kept)
    where = source_text(source_entry(kept_uri, line, unit))
    return (f"the same conversation (normalised: NFC, whitespace collapsed) as {where}, "
            "which is kept")
