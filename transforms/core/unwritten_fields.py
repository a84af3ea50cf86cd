"""Input fields a written record does not carry (issue 22: nothing the user gave is dropped
without a word). The target formats have no place for them (AWS's validators refuse extra
keys), so they are not written: they are counted, per field name, in the run's statistics,
and report.json, report.html and the run's summary say so. Pure Python.

Field names are the user's data, so at most MAX_NAMES are kept: the first ones in sorted
order. That keeps every kept count exact whatever order batches and workers merge in (a name
among the run's first MAX_NAMES is among the first of every batch that holds it); the records'
fields under the other names are counted together (OTHER_KEY)."""
from __future__ import annotations

KEY = "fields_not_written"            # stats and report.json: {field name: records}
OTHER_KEY = "fields_not_written_other"   # fields under names past MAX_NAMES, counted together
MAX_NAMES = 50


def count(stats: dict, unread: list[tuple]) -> None:
    """Adds a batch's written records' unwritten field names (one tuple a record holding
    any) to stats."""
    if not unread:
        return
    counts: dict[str, int] = {}
    for names in unread:
        for name in names:
            counts[name] = counts.get(name, 0) + 1
    merge(stats, counts)


def merge(stats: dict, counts: dict, key: str = KEY, other_key: str = OTHER_KEY) -> None:
    """Adds {name: records} into stats' counts, keeping the first MAX_NAMES names (sorted, so
    report.json is the same whatever the merge order); the rest are added to OTHER_KEY. (key,
    other_key: other counts of user-named fields bounded alike, an RFT run's grader fields.)"""
    merged = dict(stats.get(key) or {})
    for name, n in counts.items():
        merged[name] = merged.get(name, 0) + n
    names = sorted(merged)
    stats[key] = {name: merged[name] for name in names[:MAX_NAMES]}
    dropped = sum(merged[name] for name in names[MAX_NAMES:])
    if dropped:
        stats[other_key] = stats.get(other_key, 0) + dropped
