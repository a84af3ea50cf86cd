"""sagemaker-ai-dpo (transforms/targets/sagemaker_ai_dpo.py): every preference input shape
becomes {"chosen": [conversation], "rejected": [conversation]} sharing its system message and
prompt, passing the target's own check; a record without a pair is refused with its own
reason; check() refuses each broken rule."""
from __future__ import annotations

import pytest

from tests.helpers import formatted, reason, reasons, rec
from tuneprep.transforms.adapters import normalize
from tuneprep.transforms.core.preferences import Preference
from tuneprep.transforms.core.records import Source
from tuneprep.transforms.core.rft import Reference
from tuneprep.transforms.core.tools import ToolCall

T = "sagemaker-ai-dpo"
AT = Source("mem://t.jsonl", 1)
PROMPT = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Name a prime."}]
PRIME = {"chosen": PROMPT + [{"role": "assistant", "content": "7"}],
         "rejected": PROMPT + [{"role": "assistant", "content": "9"}]}


@pytest.mark.parametrize("adapter, raw", [
    ("preference", {"prompt": "Name a prime.", "chosen": "7", "rejected": "9",
                    "system": "Be brief."}),
    ("preference", {"prompt": PROMPT, "chosen": [{"role": "assistant", "content": "7"}],
                    "rejected": [{"role": "assistant", "content": "9"}]}),
    ("preference", PRIME),
    ("sharegpt", {"conversations": [{"from": "system", "value": "Be brief."},
                                    {"from": "human", "value": "Name a prime."}],
                  "chosen": {"from": "gpt", "value": "7"},
                  "rejected": {"from": "gpt", "value": "9"}}),
    ("openai-preference", {"input": {"messages": PROMPT},
                           "preferred_output": [{"role": "assistant", "content": "7"}],
                           "non_preferred_output": [{"role": "assistant", "content": "9"}]}),
    ("nova-dpo", {"schemaVersion": "bedrock-conversation-2024", "system": [{"text": "Be brief."}],
                  "messages": [{"role": "user", "content": [{"text": "Name a prime."}]},
                               {"role": "assistant", "candidates": [
                                   {"content": [{"text": "7"}], "preferenceLabel": "preferred"},
                                   {"content": [{"text": "9"}],
                                    "preferenceLabel": "non-preferred"}]}]}),
])
def test_every_preference_input_shape_is_written_the_same(adapter, raw):
    assert formatted(T, normalize(raw, adapter, AT)) == [PRIME]


def test_a_multi_turn_prompt_is_kept_whole_in_both():
    turns = [("user", "a"), ("assistant", "b"), ("user", "c")]
    [obj] = formatted(T, rec(turns, preference=Preference((("assistant", "d"),),
                                                          (("assistant", "e"),))))
    assert [m["content"] for m in obj["chosen"]] == ["a", "b", "c", "d"]
    assert [m["content"] for m in obj["rejected"]] == ["a", "b", "c", "e"]


def test_records_it_cannot_write_are_refused_with_their_reason():
    pair = Preference((("assistant", "a"),), (("assistant", "b"),))
    assert reason(T, rec([("user", "q"), ("assistant", "x")])) == "no_preference_pair"
    assert reason(T, rec([("user", "q")], preference=Preference(label=False))) == \
        "no_preference_pair"
    assert reason(T, rec([("user", "q")], reference=Reference("42", "answer"))) == \
        "no_preference_pair"
    assert reason(T, rec([("user", "q"), ("assistant", "x")], preference=pair)) == \
        "ends_with_assistant"
    two = Preference((("assistant", "a"), ("assistant", "b")), (("assistant", "c"),))
    assert reason(T, rec([("user", "q")], preference=two)) == "consecutive_roles"
    call = ToolCall("c1", "get_weather", {"city": "Paris"})
    assert reason(T, rec([("user", "q"), ("tool_call", call), ("tool", "sunny")],
                         preference=pair)) == "tool_turn"


def _with(**changes) -> dict:
    return {**PRIME, **changes}


@pytest.mark.parametrize("obj, expected", [
    (PRIME, []),
    (_with(id="r1", attributes={"topic": "maths"}, difficulty="easy"), []),
    ({"chosen": PRIME["chosen"]}, ["missing_field"]),
    (_with(prompt=PROMPT), ["invalid_record"]),
    (_with(id=7), ["wrong_type"]),
    (_with(chosen="7"), ["wrong_type"]),
    (_with(rejected=PROMPT[1:] + [{"role": "assistant", "content": "9"}]), ["prompt_mismatch"]),
    (_with(rejected=[{"role": "system", "content": "Be long."}] + PRIME["rejected"][1:]),
     ["prompt_mismatch"]),
    (_with(rejected=PRIME["chosen"]), ["identical_preference"]),
    (_with(rejected=PROMPT + [{"role": "assistant", "content": " "}]), ["empty_field"]),
    (_with(rejected=PRIME["rejected"] + [{"role": "user", "content": "more?"}]),
     ["ends_with_user"]),
    (_with(rejected=PROMPT + [{"role": "robot", "content": "9"}]), ["unknown_role"]),
    (_with(rejected=[PROMPT[1], PROMPT[0], {"role": "assistant", "content": "9"}]),
     ["system_not_first"]),
    (_with(rejected=PROMPT + [{"role": "assistant", "content": "9", "weight": 1}]),
     ["invalid_record"]),
    (_with(rejected=PROMPT + [{"role": "assistant", "content": [{"text": "9"}]}]),
     ["invalid_record"]),
])
def test_check_refuses_each_broken_rule(obj, expected):
    assert reasons(T, obj) == expected
