"""openai-rft (transforms/targets/openai_rft.py): an RFT prompt written as OpenAI's RFT data,
messages and tools reserved, the reference answer as reference_answer (the graders' {{ item.* }}
fields) and every other field untouched; each rule refused with its reason; Azure's stricter
reading (the last message a user turn) as the openai-rft-azure row."""
from __future__ import annotations

import pytest

from tuneprep.transforms.adapters import normalize
from tuneprep.transforms.core.records import Source
from tuneprep.transforms.targets import get_target

from tests.helpers import formatted, reason, reasons

SOURCE = Source("mem://in.jsonl", 1)
WEATHER = {"type": "function", "function": {
    "name": "get_weather", "parameters": {"type": "object", "properties": {}}}}
TARGETS = ["openai-rft", "openai-rft-azure"]


def user(text="What is 2 + 2?"):
    return {"role": "user", "content": text}


def good(**extra) -> dict:
    return {"messages": [user()], "reference_answer": "4", **extra}


@pytest.mark.parametrize("name", TARGETS)
def test_a_prompt_is_written_with_its_reference_and_grader_fields_untouched(name):
    value = {"messages": [{"role": "system", "content": "Answer with a number."}, user()],
             "reference_answer": {"sum": 4}, "ground_truth": "4", "id": 7,
             "task": {"kind": "math", "weights": [1, None]}}
    written = formatted(name, normalize(value, "prompt-answer", SOURCE))
    assert written == [value]
    assert reasons(name, written[0]) == []


def test_the_reference_is_reference_answer_whatever_the_source_named_it():
    value = {"question": "What is 3 * 4?", "answer": "12", "solution_steps": ["3 * 4"]}
    written = formatted("openai-rft", normalize(value, "prompt-answer", SOURCE))[0]
    assert written == {"messages": [user("What is 3 * 4?")], "reference_answer": "12",
                       "solution_steps": ["3 * 4"]}


def test_records_that_are_no_rft_prompt_are_refused():
    supervised = normalize({"messages": [user(), {"role": "assistant", "content": "4"}]},
                           "messages", SOURCE)
    assert reason("openai-rft", supervised) == "ends_with_assistant"
    plain = normalize({"messages": [user()]}, "messages", SOURCE)
    assert reason("openai-rft", plain) == "empty_reference_answer"
    dpo = normalize({"prompt": "2+2?", "chosen": "4", "rejected": "5"}, "preference", SOURCE)
    assert reason("openai-rft", dpo) == "preference_record"


IMAGE = {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}
CALL = {"role": "assistant", "content": None, "tool_calls": [{
    "id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}]}
RESULT = {"role": "tool", "tool_call_id": "c1", "content": "sunny"}


@pytest.mark.parametrize("obj, expected", [
    (good(), []),
    ({"messages": [user()], "label": "yes"}, []),     # graders may read any other field
    ({"reference_answer": "4"}, ["missing_field"]),
    (good(messages="hi"), ["wrong_type"]),
    (good(messages=[]), ["empty_field"]),
    (good(messages=[{**user(), "name": "ann"}]), []),
    (good(messages=[{**user(), "weight": 1}]), ["unrecognized_key"]),
    (good(messages=[{"role": "bot", "content": "q"}, user()]), ["unknown_role"]),
    (good(messages=[{"role": "User", "content": "q"}]), ["unknown_role", "missing_user_message"]),
    (good(messages=[user(), {"role": "system", "content": "later"}, user()]), []),
    (good(messages=[{"role": "system", "content": "only"}]), ["missing_user_message"]),
    (good(messages=[user(), {"role": "assistant", "content": "4"}]), ["ends_with_assistant"]),
    (good(messages=[user("  ")]), ["empty_field"]),
    (good(messages=[{"role": "user", "content": [{"type": "text", "text": "q"}, IMAGE]}]), []),
    (good(messages=[{"role": "user", "content": [{"type": "input_audio"}]}]), ["wrong_type"]),
    (good(messages=[{"role": "user", "content": [{"type": "file"}]}]), ["wrong_type"]),
    (good(reference_answer=" "), ["empty_reference_answer"]),
    (good(reference_answer={}), ["empty_reference_answer"]),
    (good(reference_answer=4), ["wrong_type"]),
    (good(tools=[WEATHER]), []),
    (good(tools=[WEATHER, WEATHER]), ["bad_tool_definition"]),
    (good(tools="get_weather"), ["bad_tool_definition"]),
    (good(tools=[WEATHER], messages=[user(), CALL, RESULT]), []),
    (good(tools=[WEATHER], messages=[user(), CALL]), ["ends_with_assistant",
                                                     "unmatched_tool_id"]),
    ([1], ["invalid_record"]),
])
def test_each_rule_has_its_reason(obj, expected):
    assert reasons("openai-rft", obj) == expected


def test_azure_takes_prompts_ending_with_a_user_turn_only():
    ends_with_a_result = good(tools=[WEATHER], messages=[user(), CALL, RESULT])
    assert reasons("openai-rft", ends_with_a_result) == []
    assert reasons("openai-rft-azure", ends_with_a_result) == ["last_not_user"]
    answered = good(messages=[user(), {"role": "assistant", "content": "4"}])
    assert reasons("openai-rft-azure", answered) == ["ends_with_assistant"]   # one reason
    assert reasons("openai-rft-azure", good()) == []


def test_both_train_on_rewards_with_openai_s_request_and_minimum():
    for name in TARGETS:
        target = get_target(name)
        assert (target.trains_on, target.min_train_records) == ("rewards", 10)
        request = target.request_builder(None, "out", ["train/train.jsonl"], [])["request"]
        assert request["method"]["type"] == "reinforcement"
        assert request["method"]["reinforcement"]["grader"].startswith("<GRADER")
