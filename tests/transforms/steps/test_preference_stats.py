"""transforms/steps/preference_stats.py: the report's preference and RFT figures (issue 25 item
5), counted from what the run writes, and the same however batches fall and merge."""
from __future__ import annotations

import random

import orjson

from tests.helpers import rec
from tuneprep.transforms.core import unwritten_fields
from tuneprep.transforms.core.config import RunConfig
from tuneprep.transforms.core.preferences import ANSWERS, PREFERENCES, PROMPTS, REWARDS, Preference
from tuneprep.transforms.core.rft import Reference
from tuneprep.transforms.io.readers import RawItem
from tuneprep.transforms.sink.run_report import build_report
from tuneprep.transforms.steps import preference_stats as ps
from tuneprep.transforms.steps import sampling
from tuneprep.transforms.steps import stats as st
from tuneprep.transforms.steps.batching import Batch
from tuneprep.transforms.steps.process import BatchProcessor

CPT = 6.0


def pair(chosen: str, rejected: str):
    return rec([("user", "q")], preference=Preference((("assistant", chosen),),
                                                      (("assistant", rejected),)))


def rft(*names, tools=None):
    return rec([("user", "q")], tools=tools,
               reference=Reference("42", "reference_answer", {n: 1 for n in names}))


def figures(records, trains_on) -> dict:
    stats = st.new_stats()
    ps.add(stats, [ps.summary(r, trains_on) for r in records], CPT)
    return stats


def test_pairs_are_counted_with_their_lengths_and_how_often_chosen_is_longer():
    stats = figures([pair("a longer answer", "short"), pair("no", "a much longer one"),
                     pair("same", "four")], PREFERENCES)
    prefs = stats[ps.PREFERENCES_KEY]
    assert (prefs["pairs"], prefs["chosen_longer"], prefs["same_length"]) == (3, 1, 1)
    assert prefs["chosen"]["chars"] == {"count": 3, "sum": 15 + 2 + 4, "min": 2, "max": 15}
    assert prefs["rejected"]["chars"] == {"count": 3, "sum": 5 + 17 + 4, "min": 4, "max": 17}
    assert prefs["chosen"]["tokens_histogram"] == {"<=64": 3}
    assert ps.RFT_KEY not in stats


def test_rft_prompts_count_their_tools_and_grader_fields():
    stats = figures([rft("ground_truth"), rft("ground_truth", "task", tools=[object()]),
                     rft()], REWARDS)
    assert stats[ps.RFT_KEY] == {"records": 3, "records_with_tools": 1,
                                 "grader_fields": {"ground_truth": 2, "task": 1}}
    assert stats["tool_use"]["records_with_tools"] == 1   # tool use is still counted as before


def test_only_what_the_target_writes_is_counted():
    """A supervised target writes no pair (use_chosen leaves the preference behind), a
    distillation target writes an RFT record's prompt alone: neither adds a figure."""
    assert figures([pair("a", "b")], ANSWERS) == st.new_stats()
    assert figures([rft("ground_truth")], PROMPTS) == st.new_stats()
    ranked = rec([("user", "q")], preference=Preference(candidates=(("preferred", ()),) * 3))
    assert figures([ranked], PREFERENCES)[ps.PREFERENCES_KEY]["ranked_records"] == 1


def test_a_plain_record_costs_nothing_new():
    plain = rec([("user", "q"), ("assistant", "a")])
    assert ps.summary(plain, PREFERENCES) == (0, 0, False)
    assert figures([plain] * 3, REWARDS) == st.new_stats()


def _summaries() -> list[tuple]:
    rng = random.Random(7)
    out = []
    for i in range(60):
        if i % 2:
            out.append(ps.summary(pair("c" * rng.randint(1, 900), "r" * rng.randint(1, 900)),
                                  PREFERENCES))
        else:   # more grader field names than the bound, so the bounded merge is exercised
            names = [f"field_{n:03}" for n in rng.sample(range(unwritten_fields.MAX_NAMES + 30),
                                                         3)]
            out.append(ps.summary(rft(*names, tools=[1] if i % 3 == 0 else None), REWARDS))
    return out


def _report(summaries, seed: int) -> dict:
    """The report of the summaries cut into random batches, merged in a random order."""
    rng = random.Random(seed)
    summaries = list(summaries)
    cuts = sorted(rng.sample(range(1, len(summaries)), rng.randint(1, 12)))
    batches = [summaries[a:b] for a, b in zip([0] + cuts, cuts + [len(summaries)])]
    rng.shuffle(batches)
    parts = []
    for part in batches:
        stats = st.new_stats()
        ps.add(stats, part, CPT)
        parts.append(stats)
    rng.shuffle(parts)
    merged = st.new_stats()
    for part in parts:
        st.merge(merged, part)
    report = build_report(merged, {}, {}, [])
    return {k: report.get(k) for k in (ps.PREFERENCES_KEY, ps.RFT_KEY, "tool_use")}


def test_the_figures_are_the_same_however_batches_fall_and_merge():
    summaries = _summaries()
    whole = _report(summaries, 0)
    assert whole[ps.PREFERENCES_KEY]["pairs"] == 30 and whole[ps.RFT_KEY]["records"] == 30
    rft_figures = whole[ps.RFT_KEY]
    assert len(rft_figures["grader_fields"]) == unwritten_fields.MAX_NAMES
    assert list(rft_figures["grader_fields"]) == sorted(rft_figures["grader_fields"])
    kept = sum(rft_figures["grader_fields"].values())
    assert kept + rft_figures["grader_fields_other"] == 90   # every name of every record
    reports = [orjson.dumps(_report(summaries, seed)) for seed in range(1, 25)]
    assert set(reports) == {orjson.dumps(whole)}


def test_the_sampling_measures_give_the_batch_figures():
    """--sample-to-quota recounts the kept lines from their measures: the same figures."""
    summaries = _summaries()
    batch = st.new_stats()
    st.add_lengths(batch, [10] * len(summaries), CPT)
    st.add_turns(batch, [1] * len(summaries))
    ps.add(batch, summaries, CPT)
    measured = sampling.add_measures(sampling.empty_figures(),
                                     [sampling.measure(10, 1, s) for s in summaries], CPT, None)
    assert measured == sampling.figures(batch)
    assert ps.PREFERENCES_KEY in measured and ps.RFT_KEY in measured


def _dpo_batch(n: int) -> Batch:
    items = []
    for i in range(n):
        value = {"conversations": [{"from": "human", "value": f"question {i}"}],
                 "chosen": {"from": "gpt", "value": "yes " * (i + 1)},
                 "rejected": {"from": "gpt", "value": "no " * 3}}
        items.append(RawItem(i + 1, value, raw=orjson.dumps(value)))
    return Batch(0, 0, "mem://in/dpo.json", None, "sharegpt", items)


def test_the_chain_counts_the_pairs_a_preference_target_writes_and_not_use_chosen():
    batch = _dpo_batch(4)   # chosen: 4, 8, 12, 16 characters; rejected: 9
    written = BatchProcessor(RunConfig(target="openai-dpo", output="mem://out"))(batch).stats
    prefs = written[ps.PREFERENCES_KEY]
    assert (prefs["pairs"], prefs["chosen_longer"], prefs["same_length"]) == (4, 2, 0)
    supervised = BatchProcessor(RunConfig(target="openai-chat", output="mem://out",
                                          repair=("use_chosen",)))(batch).stats
    assert supervised["accepted_records"] == 4 and ps.PREFERENCES_KEY not in supervised
