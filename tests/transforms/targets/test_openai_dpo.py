"""openai-dpo (transforms/targets/openai_dpo.py): every preference input shape becomes
{"input", "preferred_output", "non_preferred_output"} that passes the target's own check; a
record without a pair is refused with its own reason; check() refuses each broken rule."""
from __future__ import annotations

import pytest

from tests.helpers import formatted, reason, reasons, rec
from tuneprep.transforms.adapters import normalize
from tuneprep.transforms.core.preferences import Preference
from tuneprep.transforms.core.records import Source
from tuneprep.transforms.core.rft import Reference

T = "openai-dpo"
AT = Source("mem://t.jsonl", 1)
PRIME = {"input": {"messages": [{"role": "system", "content": "Be brief."},
                                {"role": "user", "content": "Name a prime."}]},
         "preferred_output": [{"role": "assistant", "content": "7"}],
         "non_preferred_output": [{"role": "assistant", "content": "9"}]}
WEATHER = [{"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}}}}]


def written(adapter: str, raw: dict) -> dict:
    [obj] = formatted(T, normalize(raw, adapter, AT))
    return obj


@pytest.mark.parametrize("adapter, raw", [
    ("preference", {"prompt": "Name a prime.", "chosen": "7", "rejected": "9",
                    "system": "Be brief."}),
    ("preference", {"prompt": [{"role": "system", "content": "Be brief."},
                               {"role": "user", "content": "Name a prime."}],
                    "chosen": [{"role": "assistant", "content": "7"}],
                    "rejected": [{"role": "assistant", "content": "9"}]}),
    ("preference", {"chosen": [{"role": "system", "content": "Be brief."},
                               {"role": "user", "content": "Name a prime."},
                               {"role": "assistant", "content": "7"}],
                    "rejected": [{"role": "system", "content": "Be brief."},
                                 {"role": "user", "content": "Name a prime."},
                                 {"role": "assistant", "content": "9"}]}),
    ("sharegpt", {"conversations": [{"from": "system", "value": "Be brief."},
                                    {"from": "human", "value": "Name a prime."}],
                  "chosen": {"from": "gpt", "value": "7"},
                  "rejected": {"from": "gpt", "value": "9"}}),
    ("openai-preference", PRIME),
    ("nova-dpo", {"schemaVersion": "bedrock-conversation-2024", "system": [{"text": "Be brief."}],
                  "messages": [{"role": "user", "content": [{"text": "Name a prime."}]},
                               {"role": "assistant", "candidates": [
                                   {"content": [{"text": "7"}], "preferenceLabel": "preferred"},
                                   {"content": [{"text": "9"}],
                                    "preferenceLabel": "non-preferred"}]}]}),
])
def test_every_preference_input_shape_is_written_the_same(adapter, raw):
    assert written(adapter, raw) == PRIME


def test_tools_and_parallel_tool_calls_stay_in_the_input():
    obj = written("openai-preference", {**PRIME, "input": {
        **PRIME["input"], "tools": WEATHER, "parallel_tool_calls": False}})
    assert obj["input"]["tools"] == WEATHER and obj["input"]["parallel_tool_calls"] is False


def test_a_record_without_a_pair_is_refused_with_its_own_reason():
    exchange = [("user", "q"), ("assistant", "a")]
    assert reason(T, rec(exchange)) == "no_preference_pair"
    assert reason(T, rec(exchange, preference=Preference(label=True))) == "no_preference_pair"
    assert reason(T, rec([("user", "q")], reference=Reference("42", "answer"))) == \
        "no_preference_pair"


def test_a_pair_openai_cannot_take_is_refused_not_cut():
    pair = Preference((("assistant", "a"), ("assistant", "b")), (("assistant", "c"),))
    assert reason(T, rec([("user", "q")], preference=pair)) == "invalid_record"
    ranked = Preference(candidates=(("preferred", ()), ("non-preferred", ()),
                                    ("non-preferred", ())))
    assert reason(T, rec([("user", "q")], preference=ranked)) == "invalid_record"
    answered = Preference((("assistant", "a"),), (("assistant", "b"),))
    assert reason(T, rec([("user", "q"), ("assistant", "x")], preference=answered)) == \
        "ends_with_assistant"
    assert reason(T, rec([("system", "s")], preference=answered)) == "missing_user_message"


def _with(**changes) -> dict:
    return {**PRIME, **changes}


@pytest.mark.parametrize("obj, expected", [
    (PRIME, []),
    ({"input": PRIME["input"], "preferred_output": PRIME["preferred_output"]},
     ["missing_field"]),
    (_with(extra=1), ["invalid_record"]),
    (_with(input=[]), ["wrong_type"]),
    (_with(input={"messages": PRIME["input"]["messages"], "temperature": 1}),
     ["invalid_record"]),
    (_with(preferred_output={"role": "assistant", "content": "7"}), ["wrong_type"]),
    (_with(preferred_output=PRIME["preferred_output"] * 2), ["invalid_record"]),
    (_with(preferred_output=[{"role": "user", "content": "7"}]), ["invalid_record"]),
    (_with(preferred_output=[{"role": "assistant", "content": [{"type": "text",
                                                                "text": "7"}]}]),
     ["wrong_type"]),
    (_with(non_preferred_output=[{"role": "assistant", "content": " "}]), ["empty_field"]),
    (_with(non_preferred_output=PRIME["preferred_output"]), ["identical_preference"]),
    (_with(input={"messages": PRIME["input"]["messages"] + [
        {"role": "assistant", "content": "x"}]}), ["ends_with_assistant"]),
    (_with(input={"messages": [{"role": "system", "content": "s"}]}), ["missing_user_message"]),
    (_with(input={"messages": [{"role": "robot", "content": "q"}]}),
     ["unknown_role", "missing_user_message"]),
    (_with(input={"messages": []}), ["empty_field"]),
    (_with(input={"messages": PRIME["input"]["messages"], "tools": [{"type": "function"}]}),
     ["bad_tool_definition"]),
    (_with(input={"messages": PRIME["input"]["messages"], "parallel_tool_calls": "yes"}),
     ["wrong_type"]),
])
def test_check_refuses_each_broken_rule(obj, expected):
    assert reasons(T, obj) == expected
