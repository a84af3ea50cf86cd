"""The report's figures of preference and RFT data (issue 25 item 5), from the records as
written: DPO pairs with their chosen / rejected lengths (characters, in the same token buckets as
the record lengths) and how often chosen is the longer (a known preference-data bias), ranked
candidate lists; RFT prompts with tools and their grader fields (name -> records). Mergeable as
the other stats (counts add, stats.merge); the grader field names are the user's data, so they
are bounded as unwritten_fields bounds its names. Pure Python.

A written record's summary is stats' tool-use triple, followed by its data only where it has
some (the common record's summary stays stats' shared triple, and so do the measures
--sample-to-quota keeps a line): ("pair", chosen chars, rejected chars), ("ranked",) or ("rft",
has tools, grader field names). A target counts only what it writes: a preference
only where it trains on preferences, a reference only where it trains on rewards (a distillation
target writes an RFT record's prompt alone)."""
from __future__ import annotations

from tuneprep.transforms.core import unwritten_fields
from tuneprep.transforms.core.preferences import PREFERENCES, REWARDS
from tuneprep.transforms.steps import stats as st

PREFERENCES_KEY, RFT_KEY = "preferences", "rft"   # report.json's sections
PAIR, RANKED, RFT = "pair", "ranked", "rft"


def summary(record, trains_on: str) -> tuple:
    """(tools defined, tool calls, holds reasoning[, preference / RFT data]) of a written
    record."""
    data = None
    if record.preference is not None and trains_on == PREFERENCES:
        data = _pair(record.preference)
    elif record.reference is not None and trains_on == REWARDS:
        data = (RFT, bool(record.tools), tuple(record.reference.grader_fields))
    if data is None:
        return st.tool_use_summary(record)
    return (*st.tool_use_summary(record), data)


def _pair(preference) -> tuple:
    if preference.chosen and preference.rejected:
        return (PAIR, _chars(preference.chosen), _chars(preference.rejected))
    return (RANKED,)


def _chars(turns) -> int:
    return sum(len(text) for _, text in turns)


def add(stats: dict, summaries: list[tuple], chars_per_token: float) -> None:
    """Counts a batch's record summaries: tool use (stats.add_tool_use), preference and RFT."""
    if not any(map(any, summaries)):   # the usual batch, settled in C
        return
    st.add_tool_use(stats, [s[:3] for s in summaries])
    data = [s[3] for s in summaries if len(s) > 3]
    pairs = [d[1:] for d in data if d[0] == PAIR]
    ranked = sum(1 for d in data if d[0] == RANKED)
    if pairs or ranked:
        _add_pairs(stats.setdefault(PREFERENCES_KEY, new_preferences()), pairs, ranked,
                   chars_per_token)
    rft = [d[1:] for d in data if d[0] == RFT]
    if rft:
        _add_rft(stats.setdefault(RFT_KEY, new_rft()), rft)


def new_preferences() -> dict:
    def lengths():
        return {"chars": {"count": 0, "sum": 0, "min": None, "max": None},
                "tokens_histogram": {}}
    return {"pairs": 0, "chosen_longer": 0, "same_length": 0, "ranked_records": 0,
            "chosen": lengths(), "rejected": lengths()}


def new_rft() -> dict:
    return {"records": 0, "records_with_tools": 0, st.GRADER_FIELDS: {}}


def _add_pairs(prefs: dict, pairs: list[tuple[int, int]], ranked: int,
               chars_per_token: float) -> None:
    prefs["pairs"] += len(pairs)
    prefs["chosen_longer"] += sum(1 for chosen, rejected in pairs if chosen > rejected)
    prefs["same_length"] += sum(1 for chosen, rejected in pairs if chosen == rejected)
    prefs["ranked_records"] += ranked
    st.add_lengths(prefs["chosen"], [chosen for chosen, _ in pairs], chars_per_token)
    st.add_lengths(prefs["rejected"], [rejected for _, rejected in pairs], chars_per_token)


def _add_rft(rft: dict, records: list[tuple[bool, tuple]]) -> None:
    rft["records"] += len(records)
    rft["records_with_tools"] += sum(1 for tools, _ in records if tools)
    counts: dict[str, int] = {}
    for _, names in records:
        for name in names:
            counts[name] = counts.get(name, 0) + 1
    if counts:
        unwritten_fields.merge(rft, counts, st.GRADER_FIELDS, st.BOUNDED_NAMES[st.GRADER_FIELDS])
