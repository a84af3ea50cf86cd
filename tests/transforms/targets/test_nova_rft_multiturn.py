"""nova-rft-multiturn (transforms/targets/nova_rft_multiturn.py): an RFT prompt written as the
Forge SDK's multi-turn sample, {"id", "metadata": {"prompt", "answer", "task"?, "info"?}}: the
conversation as text messages, the reference answer as answer, the grader fields each in its
place or untouched in info; records that are not RFT prompts, or that hold what the format has
no place for, refused with their reason, never written without it."""
from __future__ import annotations

from tuneprep.transforms.adapters import normalize
from tuneprep.transforms.core.context import TargetContext
from tuneprep.transforms.core.records import Source
from tuneprep.transforms.targets import get_target

from tests.helpers import formatted, reason, reasons

T = "nova-rft-multiturn"
SOURCE = Source("mem://in.jsonl", 1)
SYSTEM = {"role": "system", "content": "Answer with a number."}
USER = {"role": "user", "content": "What is 2 + 2?"}


def rft(value: dict):
    return normalize(value, "prompt-answer", SOURCE)


def test_the_prompt_answer_and_grader_fields_each_go_to_their_place():
    value = {"messages": [SYSTEM, USER], "reference_answer": "4", "id": "q-1", "task": "math",
             "ground_truth": "4", "difficulty": {"level": 1}}
    assert formatted(T, rft(value)) == [{"id": "q-1", "metadata": {
        "prompt": [SYSTEM, USER], "answer": "4", "task": "math",
        "info": {"ground_truth": "4", "difficulty": {"level": 1}}}}]
    # a source's own info alone is written as it is; a prompt string is one user message
    assert formatted(T, rft({"prompt": "2 + 2?", "answer": "4", "info": '{"k": 1}'})) == [
        {"id": rft({"prompt": "2 + 2?", "answer": "4", "info": '{"k": 1}'}).with_id().id,
         "metadata": {"prompt": [{"role": "user", "content": "2 + 2?"}], "answer": "4",
                      "info": '{"k": 1}'}}]


def test_an_id_or_task_that_is_not_a_string_stays_untouched_in_info():
    [obj] = formatted(T, rft({"messages": [USER], "reference_answer": "4", "id": 7,
                              "task": {"kind": "json"}}))
    assert obj["metadata"]["info"] == {"id": 7, "task": {"kind": "json"}}
    assert obj["id"] == rft({"messages": [USER], "reference_answer": "4", "id": 7,
                             "task": {"kind": "json"}}).with_id().id
    assert "task" not in obj["metadata"]


def test_what_the_format_has_no_place_for_is_refused():
    # the SDK's answer is a string: an object reference is refused, never re-encoded
    assert reason(T, rft({"messages": [USER], "reference_answer": {"sum": 4}})) == "wrong_type"
    tools = [{"type": "function", "function": {"name": "add", "parameters": {
        "type": "object", "properties": {}}}}]
    assert reason(T, rft({"messages": [USER], "reference_answer": "4", "tools": tools})) \
        == "tool_turn"
    assert not get_target(T).takes_tools(TargetContext())
    # not an RFT prompt: a plain conversation has no answer, a pair no use here
    chat = normalize({"messages": [USER, {"role": "assistant", "content": "4"}]}, "messages",
                     SOURCE)
    assert reason(T, chat) == "empty_reference_answer"
    pair = normalize({"prompt": "2 + 2?", "chosen": "4", "rejected": "5"}, "preference", SOURCE)
    assert reason(T, pair) == "preference_record"


def test_each_rule_of_a_written_record():
    good = {"id": "a", "metadata": {"prompt": [USER], "answer": "4"}}
    assert reasons(T, good) == []
    assert reasons(T, {**good, "prompt": "x"}) == ["invalid_record"]
    assert reasons(T, {"id": "a"}) == ["missing_field"]
    assert reasons(T, {**good, "metadata": {"prompt": [USER], "answer": 4}}) == ["wrong_type"]
    assert reasons(T, {**good, "metadata": {"prompt": [USER], "info": "{"}}) == ["invalid_record"]
    assert reasons(T, {**good, "metadata": {"prompt": [{"role": "tool", "content": "4"}]}}) \
        == ["missing_field"]


def test_answer_task_and_info_in_every_record_or_in_none():
    target = get_target(T)
    objs = [{"id": "a", "metadata": {"prompt": [USER], "answer": "4", "task": "math"}},
            {"id": "b", "metadata": {"prompt": [USER], "answer": "4"}}]
    facets: dict = {}
    for obj in objs:
        for facet in target.dataset_facets(obj):
            facets[facet] = facets.get(facet, 0) + 1
    [(code, message)] = target.dataset_problems(facets, TargetContext(), len(objs))
    assert code == "inconsistent_fields" and "1 of 2 records hold metadata.task" in message
    assert target.dataset_problems({"answer": 2}, TargetContext(), 2) == []
