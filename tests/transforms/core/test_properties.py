"""Property-based tests: for any input, adapters and formatters give a record or a RecordError
(never another exception), formatted records pass their own validator, and the JSONL encoding
round-trips any text on one line."""
from __future__ import annotations

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tuneprep.transforms.adapters import ADAPTERS, AdapterOptions, normalize
from tuneprep.transforms.core.jsonl import dumps_line
from tuneprep.transforms.core.records import REASONS, Record, RecordError, Source
from tuneprep.transforms.targets import TARGETS
from tuneprep.transforms.core.context import REPAIRS, TargetContext

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=20)

KEYS = ["instruction", "input", "output", "context", "response", "prompt", "completion",
        "messages", "conversations", "system", "role", "content", "from", "value", "text",
        "image", "caption", "history"]
# values shaped like the real formats, with any part of them wrong
shaped = st.recursive(
    st.none() | st.integers() | st.text(max_size=30)
    | st.sampled_from(["user", "assistant", "system", "human", "gpt", "tool", ""]),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(KEYS), children, max_size=5),
    max_leaves=25)

roles = st.sampled_from(["system", "user", "assistant", "tool"])
texts = st.text(max_size=40)
records = st.builds(
    Record,
    source=st.just(Source("mem://x.jsonl", 1)),
    turns=st.lists(st.tuples(roles, texts), max_size=6),
    system=st.none() | texts,
    text=st.none() | st.text(max_size=300),
    image=st.none() | st.sampled_from(["s3://bucket-a/x.jpg", "s3://b/../x.png", "x.jpg",
                                       "s3://Bad_Bucket/x.jpg", "s3://bucket-a/x.gif", ""]),
    caption=st.none() | texts,
    fields=st.dictionaries(st.sampled_from(["instruction", "context", "response", "system",
                                            "question", "category"]),
                           st.none() | texts | st.integers(), max_size=4))
# well-formed conversations too, so the accepting paths are exercised as often as the refusals
words = st.text(min_size=1, max_size=40)
pairs = st.lists(st.tuples(words, words), min_size=1, max_size=3)
conversations = st.builds(
    lambda system, pairs, text: Record(
        source=Source("mem://x.jsonl", 1), system=system, text=text,
        turns=[t for u, a in pairs for t in (("user", u), ("assistant", a))],
        fields={"instruction": pairs[0][0], "context": "", "response": pairs[0][1]}),
    st.none() | words, pairs, st.none() | st.text(min_size=1, max_size=300))
records = records | conversations
contexts = st.builds(
    TargetContext,
    max_chars=st.none() | st.integers(1, 400),
    chunk_chars=st.integers(1, 200),
    repair=st.frozensets(st.sampled_from(sorted(REPAIRS))))


@SETTINGS
@given(value=json_values | shaped, adapter=st.sampled_from(sorted(ADAPTERS)))
def test_adapters_give_a_record_or_a_record_error(value, adapter):
    try:
        record = normalize(value, adapter, Source("mem://x.jsonl", 1), AdapterOptions())
    except RecordError as e:
        assert e.reason in REASONS and "\n" not in e.message
    else:
        assert isinstance(record, Record)
        assert all(isinstance(r, str) and isinstance(c, str) for r, c in record.turns)


@SETTINGS
@given(record=records, ctx=contexts, target=st.sampled_from(sorted(TARGETS)))
def test_formatters_give_valid_objects_or_a_record_error(record, ctx, target):
    t = TARGETS[target]
    try:
        objs = t.format(record.with_id(), ctx)
    except RecordError as e:
        assert e.reason in REASONS
        return
    for obj in objs:
        problems = t.validate(obj, ctx)
        # the only rule a formatter leaves to the pipeline is the length limit
        assert all(reason in ("too_long", "too_short") for reason, _ in problems), problems
        assert t.validate_line(dumps_line(obj), ctx) == problems


@SETTINGS
@given(st.text())
def test_any_text_round_trips_on_one_line(text):
    line = dumps_line({"t": text})
    assert orjson.loads(line) == {"t": text}
    assert b"\n" not in line and b"\r" not in line
    assert len(line.decode().splitlines()) == 1   # U+2028, U+2029, U+0085 are escaped too


separator_text = st.text(alphabet=st.sampled_from(["a", "é", "\u2028", "\u2029", "\x85", "\u201c",
                                                   "\n", '"', "\\"]), max_size=12) | st.text()
nested_with_separators = st.recursive(
    st.none() | st.integers(-2**63, 2**63 - 1) | separator_text,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(separator_text, children, max_size=4),
    max_leaves=12)


@SETTINGS
@given(nested_with_separators)
def test_separators_are_escaped_wherever_they_are_in_any_shape(value):
    line = dumps_line(value)
    assert orjson.loads(line) == value
    assert not any(sep.encode() in line for sep in ("\u2028", "\u2029", "\x85"))
