"""transforms/steps/stats.py: mergeable run statistics."""
import copy

from tuneprep.transforms.steps import stats as st


def sample(input_records=3, accepted=2, dead=1, chars=(5, 40)):
    s = st.new_stats()
    s["input_records"], s["accepted_records"], s["dead_letter_records"] = input_records, accepted, dead
    s["output_records"]["train"] = accepted
    s["dead_letter_reasons"]["invalid_json"] = dead
    s["dead_letter_stages"]["read"] = dead
    f = st.file_stats(s, "a.jsonl", "alpaca")
    f.update(input_records=input_records, accepted_records=accepted, dead_letter_records=dead)
    for c in chars:
        st.add_lengths(s, [c], 6.0)
    return s


def test_new_stats_is_a_fresh_value_each_time():
    a, b = st.new_stats(), st.new_stats()
    a["output_records"]["train"] = 1
    assert b["output_records"] == {}


def test_counts_add_and_nested_dicts_merge():
    a = sample(3, 2, 1)
    b = sample(10, 7, 3)
    out = st.merge(a, b)
    assert out is a
    assert out["input_records"] == 13
    assert out["accepted_records"] == 9
    assert out["dead_letter_records"] == 4
    assert out["output_records"] == {"train": 9}
    assert out["dead_letter_reasons"] == {"invalid_json": 4}
    assert out["dead_letter_stages"] == {"read": 4}
    assert out["files"]["a.jsonl"] == {"input_records": 13, "accepted_records": 9,
                                       "dead_letter_records": 4, "adapter": "alpaca"}
    assert out["chars"]["count"] == 4 and out["chars"]["sum"] == 90


def test_min_and_max_combine():
    a = sample(chars=(5, 40))
    b = sample(chars=(2, 30))
    c = sample(chars=(10, 100))
    st.merge(a, b)
    assert (a["chars"]["min"], a["chars"]["max"]) == (2, 40)
    st.merge(a, c)
    assert (a["chars"]["min"], a["chars"]["max"]) == (2, 100)


def test_min_max_none_means_no_value_on_either_side():
    empty = st.new_stats()
    full = sample(chars=(7, 9))
    assert st.merge(st.new_stats(), full)["chars"] == full["chars"]
    merged = st.merge(copy.deepcopy(full), empty)
    assert (merged["chars"]["min"], merged["chars"]["max"]) == (7, 9)
    assert st.merge(st.new_stats(), st.new_stats())["chars"] == {
        "count": 0, "sum": 0, "min": None, "max": None}


def test_new_keys_are_added_as_copies():
    a = st.new_stats()
    b = st.new_stats()
    b["output_records"]["validation"] = 4
    b["dead_letter_reasons"]["too_long"] = 2
    st.file_stats(b, "b.csv", None)["input_records"] = 2
    b["extra"] = {"nested": {"n": 1}}
    st.merge(a, b)
    assert a["output_records"] == {"validation": 4}
    assert a["dead_letter_reasons"] == {"too_long": 2}
    assert a["files"]["b.csv"]["input_records"] == 2
    assert a["extra"] == {"nested": {"n": 1}}
    # a copy, not the same dict: merging more into a must not change b
    st.merge(a, b)
    assert a["extra"] == {"nested": {"n": 2}}
    assert b["extra"] == {"nested": {"n": 1}}
    assert b["files"]["b.csv"]["input_records"] == 2


def test_non_numeric_values_keep_the_first_and_fill_none():
    a = st.new_stats()
    st.file_stats(a, "x.jsonl", None)
    b = st.new_stats()
    st.file_stats(b, "x.jsonl", "messages")
    st.merge(a, b)
    assert a["files"]["x.jsonl"]["adapter"] == "messages"   # None filled in
    c = st.new_stats()
    st.file_stats(c, "x.jsonl", "alpaca")
    st.merge(a, c)
    assert a["files"]["x.jsonl"]["adapter"] == "messages"   # a known value is kept


def test_merge_is_order_independent_for_counts():
    parts = [sample(3, 2, 1, (5, 6)), sample(4, 4, 0, (1, 50)), sample(2, 0, 2, ())]
    forward = st.new_stats()
    for p in copy.deepcopy(parts):
        st.merge(forward, p)
    backward = st.new_stats()
    for p in reversed(copy.deepcopy(parts)):
        st.merge(backward, p)
    assert forward == backward
    assert forward["input_records"] == forward["accepted_records"] + forward["dead_letter_records"]


def test_token_buckets_and_add_lengths():
    assert st.token_bucket(1) == "<=64"
    assert st.token_bucket(64) == "<=64"
    assert st.token_bucket(65) == "<=128"
    assert st.token_bucket(65536) == "<=65536"
    assert st.token_bucket(65537) == ">65536"
    s = st.new_stats()
    st.add_lengths(s, [384], 6.0)    # 64 tokens
    st.add_lengths(s, [385], 6.0)    # 65 tokens (rounded up)
    assert s["tokens_histogram"] == {"<=64": 1, "<=128": 1}
    assert s["chars"] == {"count": 2, "sum": 769, "min": 384, "max": 385}


def _tool_record(calls: int, tools: int = 1, reasoning: bool = False):
    from tuneprep.transforms.core.records import Record, Source
    from tuneprep.transforms.core.tools import ToolCall, ToolResult, ToolSpec
    turns = [("user", "Weather in Paris and Rome?")]
    if reasoning:
        turns.append(("reasoning", "Two cities: two calls."))
    for i in range(calls):
        turns.append(("tool_call", ToolCall(f"c{i}", "weather", {"city": str(i)})))
    turns += [("tool", ToolResult(f"c{i}", "sunny")) for i in range(calls)]
    turns.append(("assistant", "Sunny in both."))
    return Record(Source("in.jsonl", 1), turns=turns,
                  tools=[ToolSpec("weather")] * tools or None)


def test_tool_use_counts_records_calls_and_reasoning_and_merge():
    summaries = [st.tool_use_summary(_tool_record(n, reasoning=n == 2)) for n in (0, 1, 2, 6)]
    assert summaries == [(1, 0, False), (1, 1, False), (1, 2, True), (1, 6, False)]
    a, b = st.new_stats(), st.new_stats()
    st.add_tool_use(a, summaries[:2])
    st.add_tool_use(b, summaries[2:] + [(0, 0, False)])
    merged = st.merge(a, b)["tool_use"]
    assert merged == {"records_with_tools": 4, "records_with_calls": 3, "tool_calls": 9,
                      "calls_histogram": {"0": 1, "1": 1, "2": 1, "5+": 1},
                      "records_with_reasoning": 1}


def test_a_dataset_without_tool_use_gets_no_tool_use_counts():
    s = st.new_stats()
    st.add_tool_use(s, [(0, 0, False)] * 3)
    assert "tool_use" not in s


def test_char_bounds_give_the_bucket_of_the_estimate_for_any_chars_per_token():
    """add_lengths buckets a length by one bisect on char_bounds: the bucket
    token_bucket(ceil(n / chars_per_token)) gives, at every edge, for per-token rates whose
    products round (3.7, 1/3) as for round ones."""
    import math
    from bisect import bisect_left
    for per_token in (6.0, 4, 3.7, 1 / 3, 2.9999999, 0.1, 7.25, 1e9):
        bounds = st.char_bounds(per_token)
        edges = [b + d for b in bounds for d in (-1, 0, 1)]
        for n in list(range(0, 2000)) + edges:
            expected = st.token_bucket(math.ceil(n / per_token))
            assert st.BUCKET_NAMES[bisect_left(bounds, n)] == expected, (per_token, n)
    assert st.char_bounds(6.0)[:3] == (384, 768, 1536)
    assert st.char_bounds(0) is None and st.char_bounds(float("inf")) is None


def test_add_lengths_and_add_turns_count_as_one_record_at_a_time():
    import math
    import random
    rng = random.Random(7)
    lengths = [rng.choice([0, 1, 383, 384, 385, 5000, 10**6]) + rng.randrange(50)
               for _ in range(500)]
    turns = [rng.choice([0, 1, 2, 3, 9, 10, 11, 40]) for _ in range(500)]
    for per_token in (6.0, 3.7):
        s = st.new_stats()
        st.add_lengths(s, lengths, per_token, max_chars=1000)
        st.add_turns(s, turns)
        histogram, by_turns = {}, {}
        for n in lengths:   # in the order the records first reach each bucket
            bucket = st.token_bucket(math.ceil(n / per_token))
            histogram[bucket] = histogram.get(bucket, 0) + 1
        for t in turns:
            if t:
                bucket = str(t) if t < 10 else "10+"
                by_turns[bucket] = by_turns.get(bucket, 0) + 1
        assert list(s["tokens_histogram"].items()) == list(histogram.items())
        assert list(s["turns_histogram"].items()) == list(by_turns.items())
        assert s["near_limit_records"] == sum(1 for n in lengths if n > 900)
