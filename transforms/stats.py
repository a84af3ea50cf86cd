"""Run statistics as plain, mergeable data, so every runner produces the same report
(Beam counters differ by runner; the Dask runner has none). Built in the same pass as the data."""
from __future__ import annotations

import math

# Upper bounds of the estimated-token buckets in the report's length histogram.
TOKEN_BUCKETS = (64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536)
# A record longer than this share of the per-record limit counts as near the limit.
NEAR_LIMIT = 0.9


def new_stats() -> dict:
    return {"input_records": 0, "accepted_records": 0, "dead_letter_records": 0,
            "output_records": {}, "dead_letter_reasons": {}, "dead_letter_stages": {},
            "files": {}, "tokens_histogram": {}, "turns_histogram": {},
            "near_limit_records": 0,
            "chars": {"count": 0, "sum": 0, "min": None, "max": None}}


def file_stats(stats: dict, uri: str, adapter: str | None = None) -> dict:
    f = stats["files"].get(uri)
    if f is None:
        f = stats["files"][uri] = {"input_records": 0, "accepted_records": 0,
                                   "dead_letter_records": 0, "adapter": adapter}
    return f


def token_bucket(tokens: int) -> str:
    for bound in TOKEN_BUCKETS:
        if tokens <= bound:
            return f"<={bound}"
    return f">{TOKEN_BUCKETS[-1]}"


def add_length(stats: dict, chars: int, chars_per_token: float,
               max_chars: int | None = None) -> None:
    """Counts one output record's length (and whether it is near max_chars), in the same pass."""
    if max_chars and chars > NEAR_LIMIT * max_chars:
        stats["near_limit_records"] = stats.get("near_limit_records", 0) + 1
    c = stats["chars"]
    c["count"] += 1
    c["sum"] += chars
    c["min"] = chars if c["min"] is None else min(c["min"], chars)
    c["max"] = chars if c["max"] is None else max(c["max"], chars)
    bucket = token_bucket(math.ceil(chars / chars_per_token))
    stats["tokens_histogram"][bucket] = stats["tokens_histogram"].get(bucket, 0) + 1


def merge(a: dict, b: dict) -> dict:
    """Adds b into a (a is changed and returned): counts add, min/max combine, other values keep."""
    for key, value in b.items():
        if key not in a:
            a[key] = _copy(value)
        elif key == "min":
            a[key] = value if a[key] is None else (a[key] if value is None else min(a[key], value))
        elif key == "max":
            a[key] = value if a[key] is None else (a[key] if value is None else max(a[key], value))
        elif isinstance(value, dict):
            merge(a[key], value)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            a[key] = (a[key] or 0) + value
        elif a[key] is None:
            a[key] = value
    return a


def _copy(value):
    return {k: _copy(v) for k, v in value.items()} if isinstance(value, dict) else value
