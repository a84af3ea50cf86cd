"""transforms/core/fast_lanes.py: a lane takes only records the general path would accept, and writes
them byte for byte as the general path does. Checked by running the same batches through
BatchProcessor with and without lanes and comparing everything it outputs."""
from __future__ import annotations

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tuneprep.transforms.core.batching import Batch
from tuneprep.transforms.core.config import RunConfig
from tuneprep.transforms.core.fast_lanes import lane_for
from tuneprep.transforms.core.process import BatchProcessor
from tuneprep.transforms.io.readers import RawItem, read_items
from tuneprep.transforms.targets import get_target

from tests.helpers import SAMPLES

PAIRS = [(adapter, target) for adapter in ("alpaca", "dolly")
         for target in ("bedrock-text", "sagemaker-instruction")]
OPTIONS = [{}, {"validation_split": 0.5}, {"max_tokens": 6, "chars_per_token": 2.0},
           {"model": "titan-text-lite"}]

texts = st.sampled_from(["", " ", "\n", "Question", "  padded  ", "é ü", "a\u2028b",
                         "x" * 40]) | st.text(max_size=20)
field_values = texts | st.none() | st.integers(-5, 5) | st.booleans() | st.lists(texts,
                                                                                  max_size=2)
KEYS = ["instruction", "input", "output", "context", "response", "system", "history",
        "category", "text"]
# near the plain case (so the lanes take many of them) and anything else
nearly_plain = st.fixed_dictionaries(
    {"instruction": texts, "output": texts, "response": texts},
    optional={"input": texts | st.none() | st.integers(0, 3), "context": texts | st.none(),
              "system": st.none() | texts, "history": st.none() | st.just([]),
              "category": field_values})
records = nearly_plain | st.dictionaries(st.sampled_from(KEYS), field_values, max_size=6) | \
    st.sampled_from([[], "a string", 3, None])


def both_ways(items, adapter, target, **options):
    cfg = RunConfig(target=target, output="mem://out", **options)
    batch = Batch(0, 0, "mem://in/a.jsonl", None, adapter, list(items))
    fast = BatchProcessor(cfg)(batch)
    general = BatchProcessor(cfg, fast_lanes=False)(batch)
    return fast, general


def same(fast, general):
    assert fast.lines == general.lines
    assert fast.sources == general.sources
    assert fast.stats == general.stats


roles = st.sampled_from(["user", "assistant", "system", "User", "tool", 3])
message = st.fixed_dictionaries({"role": roles, "content": texts},
                                optional={"name": texts}) | st.just(
    {"role": "user", "content": [{"type": "text", "text": "hi"}]}) | texts
exchange = st.lists(st.tuples(texts, texts), min_size=1, max_size=3).map(
    lambda pairs: [{"role": r, "content": c} for u, a in pairs
                   for r, c in (("user", u or "q"), ("assistant", a or "a"))])
chats = st.fixed_dictionaries(
    {"messages": exchange | st.lists(message, max_size=5)},
    optional={"system": texts | st.none() | st.just([{"text": "sys"}]),
              "images": st.none() | st.just([]) | st.just(["a.png"]),
              "context": texts, "category": field_values})
CHAT_PAIRS = [("messages", "bedrock-multi-turn"), ("messages", "bedrock-single-turn")]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.lists(records, min_size=1, max_size=8), pair=st.sampled_from(PAIRS),
       options=st.sampled_from(OPTIONS))
def test_with_or_without_lanes_every_output_is_the_same(values, pair, options):
    items = [RawItem(i + 1, v, raw=orjson.dumps(v)) for i, v in enumerate(values)]
    same(*both_ways(items, *pair, **options))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.lists(chats, min_size=1, max_size=6), pair=st.sampled_from(CHAT_PAIRS),
       options=st.sampled_from(OPTIONS[:3] + [{"model": "claude-3-haiku"}]))
def test_chat_records_come_out_the_same_with_or_without_lanes(values, pair, options):
    items = [RawItem(i + 1, v, raw=orjson.dumps(v)) for i, v in enumerate(values)]
    same(*both_ways(items, *pair, **options))


def plain(i: int, adapter: str) -> dict:
    context, response = ("input", "output") if adapter == "alpaca" else ("context", "response")
    return {"instruction": f"Question {i}", context: "" if i % 2 else f"ctx {i}",
            response: f"Answer {i}"}


def test_plain_records_take_the_lane():
    for adapter, target in PAIRS:
        cfg = RunConfig(target=target, output="mem://out")
        t = get_target(target)
        lane = lane_for(adapter, t, cfg, cfg.target_context())
        assert lane is not None, (adapter, target)
        assert all(lane(plain(i, adapter)) is not None for i in range(5))
        assert lane({"instruction": "q", "system": "be brief", "output": "a",
                     "response": "a"}) is None   # a system prompt: the general path


def test_no_lane_where_options_change_the_rules():
    t = get_target("sagemaker-instruction")
    custom = RunConfig(target="sagemaker-instruction", output="o",
                       template={"prompt": "{instruction}", "completion": "{response}"})
    assert lane_for("alpaca", t, custom, custom.target_context()) is None
    mapped = RunConfig(target="bedrock-text", output="o")
    mapped.adapter.field_map = {"instruction": "question"}
    assert lane_for("alpaca", get_target("bedrock-text"), mapped,
                    mapped.target_context()) is None
    chat = RunConfig(target="bedrock-conversation", output="o")
    assert lane_for("messages", get_target("bedrock-conversation"), chat,
                    chat.target_context()) is None


def test_plain_chats_take_the_lane():
    cfg = RunConfig(target="bedrock-multi-turn", output="mem://out")
    lane = lane_for("messages", get_target("bedrock-multi-turn"), cfg, cfg.target_context())
    chat = {"system": "Be brief.", "messages": [{"role": "user", "content": "hi"},
                                                 {"role": "assistant", "content": "hello"}]}
    assert lane(chat) is not None
    assert lane({**chat, "messages": chat["messages"][::-1]}) is None   # assistant first


def test_the_sample_corpus_comes_out_the_same():
    items = list(read_items(str(SAMPLES / "alpaca_sample.jsonl")))
    for target in ("bedrock-text", "sagemaker-instruction"):
        fast, general = both_ways(items, "alpaca", target, validation_split=0.1)
        same(fast, general)
        assert len(fast.lines["train"]) > 50
    items = list(read_items(str(SAMPLES / "chat_sample.jsonl")))
    fast, general = both_ways(items, "messages", "bedrock-multi-turn", validation_split=0.2)
    same(fast, general)
    assert fast.lines["train"]
