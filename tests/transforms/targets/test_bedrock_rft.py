"""bedrock-rft (transforms/targets/bedrock_rft.py): an RFT prompt written with its reference
answer and grader fields untouched; each rule of Bedrock RFT's record (docs/preference-formats.md
§1, the Forge SDK's RFTDatasetValidator) refused with its own reason; records that are not RFT
prompts (supervised, preference) refused, never written without a reference."""
from __future__ import annotations

import pytest

from tuneprep.transforms.adapters import normalize
from tuneprep.transforms.core.context import TargetContext
from tuneprep.transforms.core.records import Source
from tuneprep.transforms.targets import get_target, models

from tests.helpers import REPO, formatted, reason, reasons

SOURCE = Source("mem://in.jsonl", 1)
FIXTURES = REPO / "tests" / "fixtures" / "issue25"
WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "The weather of a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}


def rft(value: dict):
    return normalize(value, "prompt-answer", SOURCE)


def user(text="What is 2 + 2?"):
    return {"role": "user", "content": text}


def good(**extra) -> dict:
    return {"messages": [user()], "reference_answer": "4", **extra}


def test_a_prompt_is_written_with_its_reference_and_grader_fields_untouched():
    value = {"messages": [{"role": "system", "content": "Answer with a number."}, user()],
             "reference_answer": {"sum": 4}, "ground_truth": "4", "id": "q-1",
             "task": {"kind": "math", "weights": [1, None]}}
    assert formatted("bedrock-rft", rft(value)) == [value]


@pytest.mark.parametrize("value", [
    {"prompt": "What is 2 + 2?", "answer": "4", "ground_truth": "4"},
    {"question": "What is 2 + 2?", "reference_answer": "4"}])
def test_the_first_reference_key_becomes_reference_answer_the_others_stay(value):
    written = formatted("bedrock-rft", rft(value))[0]
    assert written["messages"] == [user()]
    assert written["reference_answer"] == "4"
    assert {k: v for k, v in written.items() if k not in ("messages", "reference_answer")} == \
        {k: v for k, v in value.items() if k not in ("prompt", "question", "answer",
                                                     "reference_answer")}


def test_a_system_field_is_the_first_message_and_tools_are_written():
    value = {"system": "Be brief.", "messages": [user("Weather in Paris?")],
             "tools": [WEATHER], "reference_answer": "sunny"}
    written = formatted("bedrock-rft", rft(value), TargetContext())[0]
    assert written["messages"][0] == {"role": "system", "content": "Be brief."}
    assert written["tools"] == [WEATHER]


def test_records_that_are_no_rft_prompt_are_refused():
    supervised = normalize({"messages": [user(), {"role": "assistant", "content": "4"}]},
                           "messages", SOURCE)
    assert reason("bedrock-rft", supervised) == "ends_with_assistant"
    plain = normalize({"messages": [user()]}, "messages", SOURCE)
    assert reason("bedrock-rft", plain) == "empty_reference_answer"
    dpo = normalize({"prompt": "2+2?", "chosen": "4", "rejected": "5"}, "preference", SOURCE)
    assert reason("bedrock-rft", dpo) == "preference_record"


@pytest.mark.parametrize("obj, expected", [
    (good(), []),
    (good(reference_answer={"n": 4}), []),
    ({"reference_answer": "4"}, ["missing_field"]),
    (good(messages="hi"), ["wrong_type"]),
    (good(messages=[]), ["empty_field"]),
    (good(messages=[{"role": "user", "content": "q", "name": "x"}]), ["unrecognized_key"]),
    (good(messages=[{"role": "robot", "content": "q"}, user()]), ["unknown_role"]),
    (good(messages=[{"content": "q"}, user()]), ["missing_field"]),
    (good(messages=[user(), {"role": "system", "content": "late"}, user()]),
     ["system_not_first"]),
    (good(messages=[{"role": "DEVELOPER", "content": "first"}, user()]), []),
    (good(messages=[{"role": "system", "content": "only a system"}]), ["missing_user_message"]),
    (good(messages=[user(), {"role": "assistant", "content": "4"}]), ["ends_with_assistant"]),
    (good(messages=[user("   ")]), ["empty_field"]),
    (good(messages=[{"role": "user", "content": 4}]), ["wrong_type"]),
    (good(messages=[{"role": "user", "content": [{"type": "text", "text": "q"}]}]), []),
    (good(messages=[{"role": "user", "content": [{"type": "audio"}]}]), ["wrong_type"]),
    (good(reference_answer="  "), ["empty_reference_answer"]),
    (good(reference_answer={}), ["empty_reference_answer"]),
    ({"messages": [user()]}, ["empty_reference_answer"]),
    (good(reference_answer=4), ["wrong_type"]),
    (good(id=5), ["wrong_type"]),
    (good(id=" "), ["empty_field"]),
    (good(tools=[WEATHER]), []),
    (good(tools=[]), ["bad_tool_definition"]),
    (good(tools=[WEATHER, WEATHER]), ["bad_tool_definition"]),
    (good(tools=[{"type": "function", "function": {**WEATHER["function"],
                                                   "description": ""}}]),
     ["bad_tool_definition"]),
    (good(tools=[{"type": "function", "function": {"name": "f", "description": "d",
                                                   "parameters": {"type": "object"}}}]),
     ["bad_tool_definition"]),
])
def test_each_rule_has_its_reason(obj, expected):
    assert reasons("bedrock-rft", obj) == expected


def test_id_and_tools_in_every_record_or_in_none():
    target = get_target("bedrock-rft")
    facets = {"id": 1, "tools": 2}
    spec = models.get_model("rft-nova-2-lite")
    problems = target.dataset_problems(facets, TargetContext(model=spec), 2)
    assert [r for r, _ in problems] == ["inconsistent_fields"]
    assert "1 of 2 records hold 'id'" in problems[0][1]
    assert target.dataset_problems({"id": 2}, TargetContext(model=spec), 2) == []


def test_the_catalogue_has_the_rft_models_with_their_quotas_and_sources():
    specs = models.models_for_kind("rft")
    assert {spec.name for spec in specs} == {"rft-nova-2-lite", "rft-gpt-oss-20b",
                                             "rft-qwen3-32b"}
    for spec in specs:
        assert (spec.min_records, spec.max_train_records) == (100, 20_000)
        assert spec.bedrock_model_id and spec.sources and spec.tool_use
    assert get_target("bedrock-rft").min_train_records == 100
