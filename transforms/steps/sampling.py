"""The deterministic down-sample of --sample-to-quota as a distributed smallest-N. Pure Python.

Every written line gets a candidate (hash, part key, line index, measures): the hash is
BLAKE2b-64 of the line's bytes as written (its content, the record's stable identity), and the
part key and index break ties in input order, so the kept lines are the same on every runner
and however the batches fell. Each batch keeps at most N candidates per split (N: the largest
quota the model allows that split, known before the run), the runner's combine merges those
(transforms/beam/write.py), and only the N smallest of each split meet on one worker; the
assembly then keeps the first `quota` of them (the quota of train may be less than N, once the
validation set's share of a total quota is known).

The measures (characters, turns, tools, calls, reasoning, and a preference or RFT record's data:
preference_stats.py) let the report count what was written rather than what was read
(report.json `read` holds those)."""
from __future__ import annotations

import hashlib
import heapq
from itertools import chain

from tuneprep.transforms.steps import preference_stats
from tuneprep.transforms.steps import stats as st

TRAIN, VALIDATION = "train", "validation"


def line_hash(line: bytes) -> bytes:
    """The hash of a written line (with its newline, as the part file holds it)."""
    return hashlib.blake2b(line, digest_size=8).digest()


def bounds(spec) -> dict[str, int]:
    """The most lines --sample-to-quota can keep per split for this model: validation its own
    quota, train the least of its own and the total quota (the total's share left to train is
    only known at assembly, and never more)."""
    if spec is None:
        return {}
    out = {}
    if spec.max_validation_records is not None:
        out[VALIDATION] = spec.max_validation_records
    train = [q for q in (spec.max_train_records, spec.max_total_records) if q is not None]
    if train:
        out[TRAIN] = min(train)
    return out


def batch_candidates(processed, limits: dict[str, int]) -> list[tuple[str, list]]:
    """(split, the batch's smallest candidates of that split, sorted) for each bounded split."""
    out = []
    for split, n in limits.items():
        lines = processed.lines.get(split)
        if not lines:
            continue
        measures = processed.measures.get(split) or [None] * len(lines)
        key = processed.key
        entries = [(line_hash(line + b"\n"), key, i, m)
                   for i, (line, m) in enumerate(zip(lines, measures))]
        out.append((split, heapq.nsmallest(n, entries)))
    return out


class Smallest:
    """The accumulator functions of a combine keeping the n smallest candidates (a CombineFn's
    create / add / merge / extract, kept free of Beam here)."""

    def __init__(self, n: int):
        self.n = n

    def create(self) -> list:
        return []

    def add(self, acc: list, entries: list) -> list:
        acc.extend(entries)
        if len(acc) > 2 * self.n:     # pruned now and then: amortised O(log n) a candidate
            acc[:] = heapq.nsmallest(self.n, acc)
        return acc

    def merge(self, accs) -> list:
        return heapq.nsmallest(self.n, chain.from_iterable(accs))

    def extract(self, acc: list) -> list:
        return heapq.nsmallest(self.n, acc)


def smallest_per_split(batches, limits: dict[str, int]) -> dict[str, list]:
    """What the combine gives, in one process: split -> its smallest candidates, sorted."""
    n = max(limits.values(), default=0)
    fn, accs = Smallest(n), {}
    for processed in batches:
        for split, entries in batch_candidates(processed, limits):
            fn.add(accs.setdefault(split, fn.create()), entries)
    return {split: fn.extract(acc) for split, acc in accs.items()}


def measure(size: int, turns: int = 0, uses=(0, 0, False)) -> tuple:
    return (size, turns, *uses)


def add_measures(stats: dict, measures, chars_per_token: float, max_chars: int | None) -> dict:
    """Counts lines' measures into stats' length, turn, tool-use, preference and RFT figures,
    as the batch did."""
    measures = [m for m in measures if m is not None]
    st.add_lengths(stats, [m[0] for m in measures], chars_per_token, max_chars)
    st.add_turns(stats, [m[1] for m in measures])
    preference_stats.add(stats, [m[2:] for m in measures], chars_per_token)
    return stats


WRITTEN_KEYS = ("tokens_histogram", "turns_histogram", "chars", "near_limit_records", "tool_use",
                preference_stats.PREFERENCES_KEY, preference_stats.RFT_KEY)


def figures(stats: dict) -> dict:
    """The figures of written records in a stats dict (lengths, turns, tool use, preference
    and RFT data)."""
    return {k: st._copy(stats[k]) for k in WRITTEN_KEYS if k in stats}


def empty_figures() -> dict:
    return figures(st.new_stats())
