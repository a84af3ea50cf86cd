"""openai-chat: formatting from canonical records and the OpenAI cookbook's format checks, each
with its reason code."""
from functools import partial

import pytest

from tuneprep.transforms.adapters import normalize
from tuneprep.transforms.core.records import Record, Source
from tuneprep.transforms.targets import get_target
from tuneprep.transforms.core.context import TargetContext

from tests import helpers as target_helpers
from tests.helpers import CTX

NAME = "openai-chat"


def rec(turns=(), **kwargs):
    return Record(Source("mem://t.jsonl", 1), turns=list(turns), **kwargs)


formatted = partial(target_helpers.formatted, NAME)   # (record, ctx=CTX)
reason = partial(target_helpers.reason, NAME)
reasons = partial(target_helpers.reasons, NAME)


def m(role, content, **extra):
    return {"role": role, "content": content, **extra}


def test_format():
    record = rec([("user", "Hi"), ("assistant", "Hello"), ("user", "Bye"),
                  ("assistant", "Bye!")], system="Be kind.")
    assert formatted(record) == [{"messages": [
        m("system", "Be kind."), m("user", "Hi"), m("assistant", "Hello"), m("user", "Bye"),
        m("assistant", "Bye!")]}]
    alpaca = normalize({"instruction": "Add", "input": "1 and 2", "output": "3"}, "alpaca",
                       Source("mem://t.jsonl", 1))
    assert formatted(alpaca) == [{"messages": [m("user", "Add\n\n1 and 2"), m("assistant", "3")]}]


def test_openai_is_looser_than_bedrock():
    # OpenAI takes inner system turns, two turns of one role and a trailing user turn
    record = rec([("user", "a"), ("system", "s"), ("user", "b"), ("assistant", "c"),
                  ("user", "d")])
    assert [x["role"] for x in formatted(record)[0]["messages"]] == [
        "user", "system", "user", "assistant", "user"]


@pytest.mark.parametrize("record, expected", [
    (rec([("system", "s"), ("assistant", "You're great!")]), "missing_user_message"),
    (rec([("user", "a")]), "missing_assistant_message"),
    (rec([("user", "a"), ("tool", "t"), ("assistant", "b")]), "tool_turn"),
    (rec([("user", " "), ("assistant", "b")]), "empty_field"),
    (rec([("user", "a"), ("bot", "b")]), "unknown_role"),
    (rec(text="a document"), "not_a_conversation"),
    (rec([("user", "a"), ("assistant", "b")], image="s3://b-1/x.png"), "not_taken_by_model"),
])
def test_format_refusals(record, expected):
    assert reason(record) == expected


def test_tool_turns_repair():
    record = rec([("user", "a"), ("tool", "t"), ("assistant", "b")])
    ctx = TargetContext(repair=frozenset({"drop_tool_turns"}))
    assert len(formatted(record, ctx)[0]["messages"]) == 2


GOOD = [m("user", "a"), m("assistant", "b")]


@pytest.mark.parametrize("obj, expected", [
    ({"messages": GOOD}, []),
    ({"messages": [m("system", "s"), *GOOD, m("assistant", "c", weight=0)]}, []),
    ({"messages": [*GOOD[:1], m("assistant", "b", weight=1, name="bot")]}, []),
    # cookbook: missing_messages_list
    ({}, ["missing_field"]),
    ({"messages": []}, ["empty_field"]),
    ({"messages": "hi"}, ["wrong_type"]),
    # message_missing_key
    ({"messages": [{"role": "user"}, GOOD[1]]}, ["missing_field"]),
    # message_unrecognized_key
    ({"messages": [m("user", "a", loss_weight=0.0), GOOD[1]]}, ["unrecognized_key"]),
    # unrecognized_role
    ({"messages": [m("human", "a"), GOOD[1]]}, ["unknown_role", "missing_user_message"]),
    # missing_content
    ({"messages": [m("user", ""), GOOD[1]]}, ["empty_field"]),
    ({"messages": [m("user", [{"type": "text", "text": "a"}]), GOOD[1]]}, ["wrong_type"]),
    # example_missing_assistant_message
    ({"messages": [m("user", "a")]}, ["missing_assistant_message"]),
    # the cookbook's warning, refused here
    ({"messages": [m("system", "s"), m("assistant", "b")]}, ["missing_user_message"]),
    # weight: assistant only, 0 or 1
    ({"messages": [m("user", "a", weight=1), GOOD[1]]}, ["bad_weight"]),
    ({"messages": [GOOD[0], m("assistant", "b", weight=0.5)]}, ["bad_weight"]),
    ({"messages": [GOOD[0], m("assistant", "b", weight=True)]}, ["bad_weight"]),
    ({"messages": [GOOD[0], m("assistant", "b", weight=1.0)]}, ["bad_weight"]),
])
def test_cookbook_checks(obj, expected):
    assert reasons(obj) == expected


def test_data_type():
    target = get_target(NAME)
    assert [r for r, _ in target.validate_line(b'["messages"]', CTX)] == ["wrong_type"]
    assert reasons(["messages"]) == ["invalid_record"]


def test_token_limit():
    obj = {"messages": [m("user", "a" * 50), m("assistant", "b" * 60)]}
    assert reasons(obj, TargetContext(max_chars=100)) == ["too_long"]
    assert reasons(obj, TargetContext(max_chars=110)) == []
