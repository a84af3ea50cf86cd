"""transforms/steps/process.py: a batch of raw items → lines per split, dead letters and statistics.

Pure Python: hand-built Batch/RawItem lists, no Beam."""
import orjson
import pytest

from tuneprep.transforms import targets as targets_registry
from tuneprep.transforms.steps.batching import Batch
from tuneprep.transforms.core.config import RunConfig
from tuneprep.transforms.steps.process import (DEAD_LETTER, TRAIN, VALIDATION, BatchProcessor, Processed,
                                split_of)
from tuneprep.transforms.io.readers import RawItem, read_error
from tuneprep.transforms.adapters import normalize
from tuneprep.transforms.core.records import REASONS, RecordError, Source
from tuneprep.transforms.targets.bedrock_text import BedrockText

URI = "mem://in/a.jsonl"


def cfg(**kw):
    kw.setdefault("target", "bedrock-text")
    kw.setdefault("output", "mem://out")
    return RunConfig(**kw)


def batch(items, adapter="alpaca", split=None, uri=URI, file_index=0, batch_index=0):
    return Batch(file_index, batch_index, uri, split, adapter, list(items))


def alpaca(i, **extra):
    value = {"instruction": f"Question {i}", "input": "", "output": f"Answer {i}", **extra}
    return RawItem(i, value, raw=orjson.dumps(value))


def dead(processed):
    return [orjson.loads(line) for line in processed.lines.get(DEAD_LETTER, [])]


def check_invariants(p: Processed):
    s = p.stats
    assert s["input_records"] == s["accepted_records"] + s["dead_letter_records"]
    assert s["dead_letter_records"] == len(p.lines.get(DEAD_LETTER, []))
    assert sum(s["dead_letter_reasons"].values()) == s["dead_letter_records"]
    assert sum(s["dead_letter_stages"].values()) == s["dead_letter_records"]
    for split in (TRAIN, VALIDATION):
        assert s["output_records"].get(split, 0) == len(p.lines.get(split, []))
        assert len(p.sources.get(split, [])) == len(p.lines.get(split, []))
    for f in s["files"].values():
        assert f["input_records"] == f["accepted_records"] + f["dead_letter_records"]
    for lines in p.lines.values():
        for line in lines:
            assert isinstance(line, bytes) and b"\n" not in line


# ---------------------------------------------------------------- accepted records

def test_accepted_lines_in_input_order_with_sources_and_stats():
    p = BatchProcessor(cfg())(batch([alpaca(1), alpaca(2), alpaca(3)], batch_index=7))
    assert p.key == "000000-0000-00000007"
    assert p.uri == URI
    assert [orjson.loads(x) for x in p.lines[TRAIN]] == [
        {"prompt": f"Question {i}", "completion": f"Answer {i}"} for i in (1, 2, 3)]
    assert p.sources == {TRAIN: [1, 2, 3]}
    assert DEAD_LETTER not in p.lines
    s = p.stats
    assert (s["input_records"], s["accepted_records"], s["dead_letter_records"]) == (3, 3, 0)
    assert s["output_records"] == {TRAIN: 3}
    assert s["files"] == {URI: {"input_records": 3, "accepted_records": 3,
                                "dead_letter_records": 0, "adapter": "alpaca"}}
    assert s["turns_histogram"] == {"2": 3}
    # measured the target's way: prompt + completion characters
    sizes = [len(f"Question {i}") + len(f"Answer {i}") for i in (1, 2, 3)]
    assert s["chars"] == {"count": 3, "sum": sum(sizes), "min": min(sizes), "max": max(sizes)}
    assert s["tokens_histogram"] == {"<=64": 3}
    check_invariants(p)


def test_processing_is_deterministic():
    items = [alpaca(i) for i in range(1, 50)]
    a = BatchProcessor(cfg(validation_split=0.3))(batch(items))
    b = BatchProcessor(cfg(validation_split=0.3))(batch([alpaca(i) for i in range(1, 50)]))
    assert a == b


def test_forced_split_sends_everything_to_validation():
    p = BatchProcessor(cfg(validation_split=0.5))(batch([alpaca(1), alpaca(2)], split=VALIDATION))
    assert set(p.lines) == {VALIDATION}
    assert p.sources == {VALIDATION: [1, 2]}
    assert p.stats["output_records"] == {VALIDATION: 2}
    check_invariants(p)


def test_validation_split_routes_by_record_id():
    items = [alpaca(i) for i in range(1, 401)]
    p = BatchProcessor(cfg(validation_split=0.25))(batch(items))
    n_val = len(p.lines[VALIDATION])
    assert 60 <= n_val <= 140                      # ~100 expected
    assert len(p.lines[TRAIN]) + n_val == 400
    # each line went where split_of sends its record's id
    for split in (TRAIN, VALIDATION):
        for src in p.sources[split]:
            record = normalize(items[src - 1].value, "alpaca", Source(URI, src)).with_id()
            assert split_of(record.id, 0.25) == split
    check_invariants(p)


# ---------------------------------------------------------------- dead letters

def test_dead_letters_carry_reason_stage_source_line_and_raw():
    items = [
        alpaca(1),
        RawItem(2, {"instruction": "no output"}),                       # normalize
        read_error(3, "invalid_json", "line 3 is not JSON", raw=b"{oops"),  # read, passed through
        alpaca(4, instruction="x" * 200),                                 # validate (too long)
        RawItem(5, ["not", "an", "object"], raw=b'["not","an","object"]'),  # normalize
        alpaca(6),
    ]
    p = BatchProcessor(cfg(max_tokens=10))(batch(items))
    assert p.sources == {TRAIN: [1, 6]}
    letters = dead(p)
    assert [(d["reason"], d["stage"], d["source"]) for d in letters] == [
        ("missing_field", "normalize", {"uri": URI, "line": 2}),
        ("invalid_json", "read", {"uri": URI, "line": 3}),
        ("too_long", "validate", {"uri": URI, "line": 4}),
        ("wrong_type", "normalize", {"uri": URI, "line": 5}),
    ]
    for d in letters:
        assert set(d) >= {"reason", "stage", "message", "source", "raw"}
        assert d["reason"] in REASONS
        assert d["message"]
    assert letters[0]["raw"] == '{"instruction":"no output"}'    # value, when no raw text
    assert letters[1]["raw"] == "{oops"                          # the raw bytes, as text
    assert letters[1]["message"] == "line 3 is not JSON"
    assert letters[3]["raw"] == '["not","an","object"]'
    assert "limit is 54 characters" in letters[2]["message"]     # 10 tokens x 6 x 0.9
    s = p.stats
    assert s["dead_letter_reasons"] == {"missing_field": 1, "invalid_json": 1, "too_long": 1,
                                        "wrong_type": 1}
    assert s["dead_letter_stages"] == {"normalize": 2, "read": 1, "validate": 1}
    assert s["files"][URI] == {"input_records": 6, "accepted_records": 2,
                               "dead_letter_records": 4, "adapter": "alpaca"}
    check_invariants(p)


def test_format_stage_refusal():
    value = {"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"},
                          {"role": "user", "content": "c"}, {"role": "assistant", "content": "d"}]}
    p = BatchProcessor(cfg())(batch([RawItem(9, value)], adapter="messages"))
    [d] = dead(p)
    assert (d["reason"], d["stage"], d["source"]["line"]) == ("not_single_turn", "format", 9)
    check_invariants(p)


def test_raw_text_is_truncated_to_raw_limit():
    big = "z" * 5000
    p = BatchProcessor(cfg(raw_limit=100))(batch([read_error(1, "invalid_json", "bad", raw=big)]))
    [d] = dead(p)
    assert d["raw"] == "z" * 100 + "…"
    assert len(d["raw_sha256"]) == 64


def test_read_error_with_no_stage_gets_read_stage():
    item = RawItem(0, error=RecordError("unreadable_file", "cut short"))
    p = BatchProcessor(cfg())(batch([item]))
    [d] = dead(p)
    assert (d["reason"], d["stage"], d["source"]["line"], d["raw"]) == (
        "unreadable_file", "read", 0, None)


def test_no_adapter_means_unknown_format_for_every_item():
    items = [RawItem(1, {"weird": 1}), RawItem(2, {"weird": 2})]
    p = BatchProcessor(cfg())(batch(items, adapter=None))
    letters = dead(p)
    assert [(d["reason"], d["stage"], d["source"]["line"]) for d in letters] == [
        ("unknown_format", "normalize", 1), ("unknown_format", "normalize", 2)]
    assert "--input-format" in letters[0]["message"]
    assert p.stats["files"][URI]["adapter"] is None
    assert TRAIN not in p.lines
    check_invariants(p)


def test_no_adapter_still_passes_read_errors_through():
    items = [read_error(1, "invalid_utf8", "bad bytes", raw=b"\xff"), RawItem(2, {"weird": 2})]
    p = BatchProcessor(cfg())(batch(items, adapter=None))
    assert [d["reason"] for d in dead(p)] == ["invalid_utf8", "unknown_format"]


# ---------------------------------------------------------------- a bug in a target

class _Exploding(BedrockText):
    """A target with a bug somewhere; `where` picks the method that raises."""

    def __init__(self, where):
        self.name = f"exploding-{where}"
        self.where = where

    def build(self, record, ctx):
        if self.where == "build":
            return [{"prompt": 1 / 0}]
        return super().build(record, ctx)

    def format(self, record, ctx):
        if self.where == "format":
            raise ZeroDivisionError("division by zero")
        return super().format(record, ctx)

    def check(self, obj, ctx):
        if self.where == "check":
            raise ZeroDivisionError("division by zero")
        return super().check(obj, ctx)

    def measure(self, obj):
        if self.where == "measure":
            raise ZeroDivisionError("division by zero")
        return super().measure(obj)


@pytest.fixture
def exploding(monkeypatch):
    def register(where):
        target = _Exploding(where)
        monkeypatch.setitem(targets_registry.TARGETS, target.name, target)
        return target.name
    return register


@pytest.mark.parametrize("where,stage", [("format", "format"), ("check", "validate"),
                                         ("measure", "validate")])
def test_an_exception_inside_a_target_becomes_internal_error(exploding, where, stage):
    p = BatchProcessor(cfg(target=exploding(where)))(batch([alpaca(1), alpaca(2)]))
    letters = dead(p)
    assert [(d["reason"], d["stage"], d["source"]["line"]) for d in letters] == [
        ("internal_error", stage, 1), ("internal_error", stage, 2)]
    assert letters[0]["message"] == "ZeroDivisionError: division by zero"
    assert letters[0]["raw"] == orjson.dumps(alpaca(1).value).decode()
    assert p.stats["dead_letter_reasons"] == {"internal_error": 2}
    check_invariants(p)


def test_an_exception_inside_build_is_wrapped_by_target_format(exploding):
    # Target.format (targets/base.py) turns any exception from build() into internal_error at
    # the format stage before process.py sees it; the record is still a dead letter.
    p = BatchProcessor(cfg(target=exploding("build")))(batch([alpaca(1)]))
    [d] = dead(p)
    assert (d["reason"], d["stage"]) == ("internal_error", "format")
    assert "ZeroDivisionError" in d["message"]


def test_a_target_returning_nothing_is_empty_field(monkeypatch):
    class Nothing(BedrockText):
        name = "nothing"

        def build(self, record, ctx):
            return []
    monkeypatch.setitem(targets_registry.TARGETS, "nothing", Nothing())
    p = BatchProcessor(cfg(target="nothing"))(batch([alpaca(1)]))
    [d] = dead(p)
    assert (d["reason"], d["stage"]) == ("empty_field", "format")


def test_refuse_all_makes_every_item_a_dead_letter():
    items = [alpaca(1), read_error(2, "invalid_json", "bad", raw=b"{"), alpaca(3)]
    proc = BatchProcessor(cfg())
    err = RecordError("internal_error", "the batch failed: KeyError: 'x'", "normalize")
    p = proc.refuse_all(batch(items, batch_index=3), err)
    assert p.key == "000000-0000-00000003"
    assert [(d["reason"], d["stage"], d["source"]["line"]) for d in dead(p)] == [
        ("internal_error", "normalize", 1), ("internal_error", "normalize", 2),
        ("internal_error", "normalize", 3)]
    assert p.stats["input_records"] == p.stats["dead_letter_records"] == 3
    check_invariants(p)


# ---------------------------------------------------------------- split_of

def _ids(n):
    import hashlib
    return [hashlib.blake2b(str(i).encode(), digest_size=10).hexdigest() for i in range(n)]


def test_split_of_is_deterministic_and_honours_the_fraction():
    ids = _ids(10_000)
    for fraction in (0.1, 0.25, 0.5):
        first = [split_of(i, fraction) for i in ids]
        assert first == [split_of(i, fraction) for i in ids]
        share = first.count(VALIDATION) / len(ids)
        assert abs(share - fraction) < 0.02, (fraction, share)


def test_split_of_edges():
    ids = _ids(1000)
    assert {split_of(i, 0.0) for i in ids} == {TRAIN}
    assert {split_of(i, -1.0) for i in ids} == {TRAIN}
    assert split_of("000000000000ffff", 0.0001) == VALIDATION
    assert split_of("ffffffffffff0000", 0.9999) == TRAIN
    # a larger fraction only ever moves records into validation (nested sets)
    small = {i for i in ids if split_of(i, 0.1) == VALIDATION}
    large = {i for i in ids if split_of(i, 0.3) == VALIDATION}
    assert small < large


# ---------------------------------------------------------------- chunked documents

def test_a_chunked_document_is_one_accepted_record_and_several_lines():
    doc = " ".join(f"word{i:03d}" for i in range(60))          # 479 characters
    items = [RawItem(1, {"text": doc}), RawItem(2, {"text": "short one"})]
    p = BatchProcessor(cfg(target="bedrock-pretrain", chunk_chars=100))(batch(items, adapter="text"))
    lines = [orjson.loads(x) for x in p.lines[TRAIN]]
    assert len(lines) >= 5
    assert lines[-1] == {"input": "short one"}
    assert all(len(x["input"]) <= 100 for x in lines)
    assert " ".join(x["input"] for x in lines[:-1]) == doc
    assert p.sources[TRAIN] == [1] * (len(lines) - 1) + [2]
    s = p.stats
    assert (s["input_records"], s["accepted_records"], s["dead_letter_records"]) == (2, 2, 0)
    assert s["output_records"] == {TRAIN: len(lines)}
    assert s["chars"]["count"] == len(lines)          # one length per written line
    assert s["turns_histogram"] == {}                 # documents have no turns
    check_invariants(p)


def test_turns_histogram_buckets():
    def conv(n_pairs):
        msgs = []
        for k in range(n_pairs):
            msgs += [{"role": "user", "content": f"q{k}"}, {"role": "assistant", "content": f"a{k}"}]
        return {"messages": msgs}
    items = [RawItem(1, conv(1)), RawItem(2, conv(2)), RawItem(3, conv(6))]
    p = BatchProcessor(cfg(target="bedrock-multi-turn"))(batch(items, adapter="messages"))
    assert p.stats["accepted_records"] == 3, dead(p)
    assert p.stats["turns_histogram"] == {"2": 1, "4": 1, "10+": 1}


class _Faceted(BedrockText):
    """A target whose records each carry a facet for a dataset-level rule."""
    name = "test-faceted"

    def dataset_facets(self, obj):
        return {"odd" if obj["prompt"].endswith(("1", "3", "5")) else "even"}


def test_dataset_facets_are_gathered_in_the_same_pass(monkeypatch):
    monkeypatch.setitem(targets_registry.TARGETS, _Faceted.name, _Faceted())
    p = BatchProcessor(cfg(target=_Faceted.name))(batch([alpaca(1), alpaca(2), alpaca(3)]))
    assert set(p.stats["dataset_facets"]) == {"odd", "even"}
    p = BatchProcessor(cfg(target=_Faceted.name))(batch([alpaca(2)]))
    assert set(p.stats["dataset_facets"]) == {"even"}
    assert "dataset_facets" not in BatchProcessor(cfg())(batch([alpaca(1)])).stats


def _messages(i, tools: bool):
    value = {"messages": [{"role": "user", "content": f"Weather {i}?"}]}
    if tools:
        value["tools"] = [{"type": "function", "function": {
            "name": "weather", "description": "The weather in a city.",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]
        value["messages"] += [
            {"role": "assistant", "content": None, "tool_calls": [{
                "id": f"c{i}", "type": "function",
                "function": {"name": "weather", "arguments": '{"city": "Paris"}'}}]},
            {"role": "tool", "tool_call_id": f"c{i}", "content": "sunny"}]
    value["messages"].append({"role": "assistant", "content": f"Sunny {i}."})
    return RawItem(i, value, raw=orjson.dumps(value))


@pytest.mark.parametrize("option, kept", [("records_with", [1, 3]),
                                          ("records_without", [2, 4])])
def test_records_with_or_without_a_field_keep_the_chosen_ones(option, kept):
    """--records-with toolUse keeps the records that call a tool; the others are dead letters
    not_selected (stage validate), counted, so a mixed corpus can make a consistent dataset."""
    processor = BatchProcessor(cfg(target="bedrock-conversation", model="nova-2-lite",
                                   **{option: ("toolUse",)}))
    out = processor(batch([_messages(i, tools=i % 2 == 1) for i in (1, 2, 3, 4)],
                          adapter="messages"))
    check_invariants(out)
    assert out.sources[TRAIN] == kept
    left = dead(out)
    assert [(d["reason"], d["stage"], d["source"]["line"]) for d in left] == [
        ("not_selected", "validate", line) for line in (1, 2, 3, 4) if line not in kept]
    assert "toolUse" in left[0]["message"]
    assert out.stats["dataset_facets"].get("toolUse", 0) == (2 if option == "records_with" else 0)


def test_kept_records_are_the_chains_own_as_the_adapter_built_them():
    """keep_records (inspect): each line's record as its adapter built it in the batch (its
    full source; untouched by the --repair that mends the one written); none in a run."""
    reasoning = {"messages": [{"role": "user", "content": "Is 91 prime?"},
                              {"role": "assistant", "content": "No.",
                               "reasoning_content": "91 = 7 x 13."}]}
    items = [RawItem(1, reasoning), RawItem(2, {"nothing": 1}),
             read_error(3, "invalid_json", "bad")]
    chain = BatchProcessor(cfg(repair=("drop_reasoning",)), keep_records=True)
    out = chain(batch(items, adapter="messages"))
    assert len(out.lines[TRAIN]) == 1 and out.stats["repaired_records"] == {"drop_reasoning": 1}
    assert list(chain.records) == [1]   # refused by its adapter or its reader: no record
    kept = chain.records[1]
    assert kept.source == Source(URI, 1) and kept.repairs == ()
    assert [role for role, _ in kept.turns] == ["user", "reasoning", "assistant"]
    assert kept.with_id().id == normalize(reasoning, "messages", Source(URI, 1)).with_id().id
    run = BatchProcessor(cfg())
    run(batch([alpaca(1)]))
    assert run.records is None
