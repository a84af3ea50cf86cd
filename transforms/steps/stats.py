"""Run statistics as plain, mergeable data, so every runner produces the same report
(Beam counters differ by runner; the Dask runner has none). Built in the same pass as the data."""
from __future__ import annotations

import functools
import math
from bisect import bisect_left
from collections import Counter

from tuneprep.transforms.core import unwritten_fields
from tuneprep.transforms.core.tools import plain_turns

# Upper bounds of the estimated-token buckets in the report's length histogram.
TOKEN_BUCKETS = (64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536)
# A record longer than this share of the per-record limit counts as near the limit.
NEAR_LIMIT = 0.9
# counts keyed by names from the user's data, bounded (core/unwritten_fields.py): key -> the key
# counting the names past the bound together
GRADER_FIELDS = "grader_fields"   # an RFT run's grader field names (preference_stats.py)
BOUNDED_NAMES = {unwritten_fields.KEY: unwritten_fields.OTHER_KEY,
                 GRADER_FIELDS: GRADER_FIELDS + "_other"}


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
    """The histogram bucket of an estimated token count: "<=64" ... ">65536"."""
    return BUCKET_NAMES[bisect_left(TOKEN_BUCKETS, tokens)]


BUCKET_NAMES = [f"<={bound}" for bound in TOKEN_BUCKETS] + [f">{TOKEN_BUCKETS[-1]}"]


@functools.lru_cache(maxsize=8)
def char_bounds(chars_per_token: float) -> tuple[int, ...] | None:
    """For each of TOKEN_BUCKETS, the most characters whose estimate, ceil(n / chars_per_token),
    is within it: a length's bucket is then one bisect on the length (token_bucket's bucket,
    since the estimate never falls as n grows), no division a record. None for a
    chars_per_token this cannot hold (not a positive finite number)."""
    if not (isinstance(chars_per_token, (int, float)) and 0 < chars_per_token < math.inf):
        return None
    bounds = []
    try:
        for bound in TOKEN_BUCKETS:
            n = max(0, math.floor(bound * chars_per_token))
            # the product is rounded: step to the exact edge of the estimate itself
            while n > 0 and math.ceil(n / chars_per_token) > bound:
                n -= 1
            while math.ceil((n + 1) / chars_per_token) <= bound:
                n += 1
            bounds.append(n)
    except OverflowError:   # (a tiny chars_per_token: left to token_bucket)
        return None
    return tuple(bounds)


def add_lengths(stats: dict, lengths: list[int], chars_per_token: float,
                max_chars: int | None = None) -> None:
    """Counts a batch of output records' lengths (and how many are near max_chars)."""
    if not lengths:
        return
    if max_chars:
        near = sum(1 for n in lengths if n > NEAR_LIMIT * max_chars)
        if near:
            stats["near_limit_records"] = stats.get("near_limit_records", 0) + near
    c = stats["chars"]
    c["count"] += len(lengths)
    c["sum"] += sum(lengths)
    low, high = min(lengths), max(lengths)
    c["min"] = low if c["min"] is None else min(c["min"], low)
    c["max"] = high if c["max"] is None else max(c["max"], high)
    histogram = stats["tokens_histogram"]
    bounds = char_bounds(chars_per_token)
    if bounds is None:
        buckets = Counter(token_bucket(math.ceil(n / chars_per_token)) for n in lengths)
    else:   # counted in C (map, bisect, Counter): a Python step a record cost ~0.2 us
        buckets = {BUCKET_NAMES[index]: count for index, count in
                   Counter(map(functools.partial(bisect_left, bounds), lengths)).items()}
    for bucket, count in buckets.items():   # (in the order the records first reach them)
        histogram[bucket] = histogram.get(bucket, 0) + count


def add_turns(stats: dict, turn_counts: list[int]) -> None:
    """Counts conversations by their number of turns (plain documents, with none, are left out)."""
    histogram = stats["turns_histogram"]
    for turns, count in Counter(turn_counts).items():   # (counted in C, first-met order)
        if turns:
            bucket = str(turns) if turns < 10 else "10+"
            histogram[bucket] = histogram.get(bucket, 0) + count


CALL_BUCKETS = ("0", "1", "2", "3", "4", "5+")


def tool_use_summary(record) -> tuple[int, int, bool]:
    """(tools defined, tool calls, holds reasoning) of a written canonical record."""
    if not record.tools and plain_turns(record.turns):
        return 0, 0, False   # the common case, in one pass over the turns
    calls = sum(1 for role, _ in record.turns if role == "tool_call")
    reasoning = any(role == "reasoning" for role, _ in record.turns)
    return len(record.tools or ()), calls, reasoning


def add_tool_use(stats: dict, summaries: list[tuple[int, int, bool]]) -> None:
    """Counts the written records with tool definitions, their tool calls (a histogram of
    calls per record) and those with reasoning; nothing is added for a dataset without any."""
    if not any(map(any, summaries)):   # the usual batch, settled in C
        return
    summaries = [s for s in summaries if s[0] or s[1] or s[2]]
    use = stats.setdefault("tool_use", {"records_with_tools": 0, "records_with_calls": 0,
                                        "tool_calls": 0, "calls_histogram": {},
                                        "records_with_reasoning": 0})
    histogram = use["calls_histogram"]
    for tools, calls, reasoning in summaries:
        use["records_with_tools"] += tools > 0
        use["records_with_calls"] += calls > 0
        use["tool_calls"] += calls
        use["records_with_reasoning"] += reasoning
        if tools or calls:
            bucket = str(calls) if calls < 5 else "5+"
            histogram[bucket] = histogram.get(bucket, 0) + 1


def merge(a: dict, b: dict) -> dict:
    """Adds b into a (a is changed and returned): counts add, min/max combine, other values keep."""
    for key, value in b.items():
        if key not in a:
            a[key] = _copy(value)
        elif key in BOUNDED_NAMES:   # bounded: the names are the user's data
            unwritten_fields.merge(a, value, key, BOUNDED_NAMES[key])
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
