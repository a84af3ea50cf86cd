"""openai-chat tool use: the exact objects written for canonical tool-use records, and each tool
rule of check() (so of `tuneprep validate`) with its reason code."""
from functools import partial

import orjson
import pytest

from tuneprep.transforms.core.tools import ToolCall, ToolResult, ToolSpec
from tuneprep.transforms.core.context import TargetContext

from tests import helpers
from tests.helpers import rec

NAME = "openai-chat"
formatted = partial(helpers.formatted, NAME)
reason = partial(helpers.reason, NAME)
reasons = partial(helpers.reasons, NAME)

WEATHER = ToolSpec("get_weather", "Weather of a city",
                   {"type": "object", "properties": {"city": {"type": "string"}},
                    "required": ["city"]})
CLOCK = ToolSpec("now")   # no description, no parameters
PARIS, ROME = ToolCall("c1", "get_weather", {"city": "Paris"}), ToolCall("c2", "get_weather",
                                                                          {"city": "Rome"})
PARALLEL = rec([("user", "Weather in Paris and Rome?"), ("assistant", "Let me look."),
                ("tool_call", PARIS), ("tool_call", ROME), ("tool", ToolResult("c1", "18 C")),
                ("tool", ToolResult("c2", {"temp": 21})), ("assistant", "18 C and 21 C.")],
               tools=[WEATHER, CLOCK], system="Be brief.", fields={"parallel_tool_calls": True})

WEATHER_FN = {"type": "function", "function": {
    "name": "get_weather", "description": "Weather of a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                   "required": ["city"]}}}


def call(id_, name, arguments):
    return {"id": id_, "type": "function", "function": {"name": name, "arguments": arguments}}


def test_parallel_calls_written_as_openai_has_them():
    assert formatted(PARALLEL) == [{
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Weather in Paris and Rome?"},
            {"role": "assistant", "content": "Let me look.", "tool_calls": [
                call("c1", "get_weather", '{"city":"Paris"}'),
                call("c2", "get_weather", '{"city":"Rome"}')]},
            {"role": "tool", "tool_call_id": "c1", "content": "18 C"},
            {"role": "tool", "tool_call_id": "c2", "content": '{"temp":21}'},
            {"role": "assistant", "content": "18 C and 21 C."}],
        "tools": [WEATHER_FN, {"type": "function", "function": {"name": "now"}}],
        "parallel_tool_calls": True}]


def test_a_call_without_text_has_null_content_and_strict_is_kept():
    record = rec([("user", "Time?"), ("tool_call", ToolCall("t1", "now", {})),
                  ("tool", ToolResult("t1", "12:00")), ("assistant", "Noon.")],
                 tools=[ToolSpec("now", parameters={"type": "object", "properties": {}},
                                 strict=True)])
    obj = formatted(record)[0]
    assert obj["messages"][1] == {"role": "assistant", "content": None,
                                  "tool_calls": [call("t1", "now", "{}")]}
    assert obj["tools"] == [{"type": "function", "function": {
        "name": "now", "parameters": {"type": "object", "properties": {}}, "strict": True}}]
    assert "parallel_tool_calls" not in obj


def test_tools_defined_and_not_called_are_written():
    obj = formatted(rec([("user", "Hi"), ("assistant", "Hello")], tools=[WEATHER]))[0]
    assert obj == {"messages": [{"role": "user", "content": "Hi"},
                                {"role": "assistant", "content": "Hello"}],
                   "tools": [WEATHER_FN]}


def test_reasoning_refused_or_dropped():
    record = rec([("user", "2+2?"), ("reasoning", "Add them."), ("assistant", "4")])
    assert reason(record) == "reasoning_not_taken"
    ctx = TargetContext(repair=frozenset({"drop_reasoning"}))
    assert formatted(record, ctx) == [{"messages": [{"role": "user", "content": "2+2?"},
                                                    {"role": "assistant", "content": "4"}]}]


def test_a_text_tool_turn_is_still_a_tool_turn():
    record = rec([("user", "a"), ("tool", "t"), ("assistant", "b")])
    assert reason(record) == "tool_turn"


@pytest.mark.parametrize("record, expected", [
    # arguments that are not an object
    (rec([("user", "a"), ("tool_call", ToolCall("c1", "get_weather", ["Paris"])),
          ("tool", ToolResult("c1", "x")), ("assistant", "b")], tools=[WEATHER]),
     ["bad_tool_call"]),
    # a name the tools do not define
    (rec([("user", "a"), ("tool_call", ToolCall("c1", "get_wether", {})),
          ("tool", ToolResult("c1", "x")), ("assistant", "b")], tools=[WEATHER]),
     ["undefined_tool"]),
    # an unanswered call
    (rec([("user", "a"), ("tool_call", PARIS), ("assistant", "b")], tools=[WEATHER]),
     ["unmatched_tool_id"]),
    # an empty result
    (rec([("user", "a"), ("tool_call", PARIS), ("tool", ToolResult("c1", "")),
          ("assistant", "b")], tools=[WEATHER]), ["bad_tool_result"]),
    # a name OpenAI refuses
    (rec([("user", "a"), ("assistant", "b")], tools=[ToolSpec("get weather")]),
     ["bad_tool_definition"]),
])
def test_written_records_the_rules_refuse(record, expected):
    from tuneprep.transforms.targets import get_target
    target = get_target(NAME)
    assert [r for r, _ in target.validate(target.format(record, helpers.CTX)[0],
                                          helpers.CTX)] == expected


def m(role, content, **extra):
    return {"role": role, "content": content, **extra}


USER = m("user", "Weather?")
CALL = m("assistant", None, tool_calls=[call("c1", "get_weather", '{"city": "Paris"}')])
RESULT = m("tool", "18 C", tool_call_id="c1")
ANSWER = m("assistant", "18 C.")
GOOD = {"messages": [USER, CALL, RESULT, ANSWER], "tools": [WEATHER_FN]}


def with_(**changes):
    return {**GOOD, **changes}


@pytest.mark.parametrize("obj, expected", [
    (GOOD, []),
    (with_(parallel_tool_calls=False), []),
    ({"messages": GOOD["messages"]}, []),   # no tools given: names are not checked
    # names: the pattern, non-empty, unique
    (with_(tools=[WEATHER_FN, WEATHER_FN]), ["bad_tool_definition"]),
    (with_(tools=[{"type": "function", "function": {"name": "x" * 65}}]),
     ["bad_tool_definition", "undefined_tool"]),
    (with_(tools=[{"type": "function", "function": {"name": ""}}]),
     ["bad_tool_definition", "undefined_tool"]),
    (with_(tools=[{"type": "function", "function": {"name": "get_weather",
                                                    "parameters": "none"}}]),
     ["bad_tool_definition"]),
    (with_(tools=[{"type": "tool", "function": {"name": "get_weather"}}]),
     ["bad_tool_definition", "undefined_tool"]),
    (with_(tools={"get_weather": {}}), ["bad_tool_definition"]),
    (with_(parallel_tool_calls="yes"), ["wrong_type"]),
    # arguments: a JSON string of an object
    (with_(messages=[USER, m("assistant", None, tool_calls=[
        call("c1", "get_weather", {"city": "Paris"})]), RESULT, ANSWER]), ["bad_tool_call"]),
    (with_(messages=[USER, m("assistant", None, tool_calls=[
        call("c1", "get_weather", '["Paris"]')]), RESULT, ANSWER]), ["bad_tool_call"]),
    (with_(messages=[USER, m("assistant", None, tool_calls=[
        call("c1", "get_weather", '{"city": ')]), RESULT, ANSWER]), ["bad_tool_call"]),
    (with_(messages=[USER, m("assistant", None, tool_calls=[]), ANSWER]),
     ["wrong_type", "bad_tool_call"]),
    (with_(messages=[USER, m("assistant", None, tool_calls=[
        call("c1", "", "{}")]), RESULT, ANSWER]), ["bad_tool_call"]),
    # ids: unique, answered once, after the call
    (with_(messages=[USER, CALL, ANSWER]), ["unmatched_tool_id"]),
    (with_(messages=[USER, CALL, RESULT, RESULT, ANSWER]), ["unmatched_tool_id"]),
    (with_(messages=[USER, RESULT, CALL, ANSWER]), ["unmatched_tool_id", "unmatched_tool_id"]),
    (with_(messages=[USER, m("assistant", None, tool_calls=[
        call("c1", "get_weather", "{}"), call("c1", "get_weather", "{}")]), RESULT, ANSWER]),
     ["unmatched_tool_id"]),
    (with_(messages=[USER, CALL, m("tool", "18 C"), ANSWER]),
     ["unmatched_tool_id", "unmatched_tool_id"]),
    # names defined when tools are given
    (with_(messages=[USER, m("assistant", None, tool_calls=[
        call("c1", "get_time", "{}")]), RESULT, ANSWER]), ["undefined_tool"]),
    # a tool message's content: a non-empty string
    (with_(messages=[USER, CALL, m("tool", "", tool_call_id="c1"), ANSWER]),
     ["bad_tool_result"]),
    (with_(messages=[USER, CALL, m("tool", {"temp": 18}, tool_call_id="c1"), ANSWER]),
     ["bad_tool_result"]),
    # calls on assistant messages only, tool_call_id on tool messages only
    (with_(messages=[m("user", "Weather?", tool_calls=CALL["tool_calls"]), RESULT, ANSWER]),
     ["misplaced_tool_block"]),
    (with_(messages=[USER, CALL, RESULT, m("assistant", "18 C.", tool_call_id="c1")]),
     ["misplaced_tool_block"]),
    # the cookbook's keys: unknown ones still refused, null content only with calls
    (with_(messages=[USER, CALL, RESULT, m("assistant", None)]), ["wrong_type"]),
    (with_(messages=[USER, CALL, RESULT, m("assistant", "18 C.", tools=[])]),
     ["unrecognized_key"]),
])
def test_validate_tool_rules(obj, expected):
    assert reasons(obj) == expected


def test_validate_line_reads_the_written_line():
    from tuneprep.transforms.targets import get_target
    line = orjson.dumps(formatted(PARALLEL)[0])
    assert get_target(NAME).validate_line(line, helpers.CTX) == []
