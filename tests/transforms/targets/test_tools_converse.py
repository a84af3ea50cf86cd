"""bedrock-conversation tool use and reasoning: the exact Converse objects written for canonical
records, each rule of check() (so of `tuneprep validate`) with its reason code, the Nova
optional-field facets, the token measure; and the targets that cannot write tool use refusing
it (tool_turn) or dropping it with --repair drop_tool_turns."""
import copy

import pytest

from tuneprep.transforms.core.tools import ToolCall, ToolResult, ToolSpec
from tuneprep.transforms.targets import get_target
from tuneprep.transforms.core.context import TargetContext
from tuneprep.transforms.targets.models import get_model

from tests.helpers import CTX, formatted, reason, reasons, rec

CONV = "bedrock-conversation"
SCHEMA = "bedrock-conversation-2024"


def ctx_for(model, **kwargs):
    return TargetContext(model=get_model(model), **kwargs)


# tool blocks: Nova 2 Lite only (Nova 1 takes none: test_validator_parity)
NOVA, NOVA2 = ctx_for("nova-2-lite"), ctx_for("nova-2-lite")
NOVA1 = ctx_for("nova-lite")
WEATHER = ToolSpec("get_weather", "Weather of a city",
                   {"type": "object", "properties": {"city": {"type": "string"}},
                    "required": ["city"]})
CLOCK = ToolSpec("now", "The time now")   # no parameters
PARIS, ROME = ToolCall("c1", "get_weather", {"city": "Paris"}), ToolCall("c2", "get_weather",
                                                                          {"city": "Rome"})
WEATHER_SPEC = {"toolSpec": {"name": "get_weather", "description": "Weather of a city",
                             "inputSchema": {"json": {
                                 "type": "object", "properties": {"city": {"type": "string"}},
                                 "required": ["city"]}}}}
CLOCK_SPEC = {"toolSpec": {"name": "now", "description": "The time now",
                           "inputSchema": {"json": {"type": "object", "properties": {}}}}}


def text(t):
    return {"text": t}


def msg(role, *blocks):
    return {"role": role, "content": list(blocks)}


def use(id_, name, input_):
    return {"toolUse": {"toolUseId": id_, "name": name, "input": input_}}


def result(id_, *items):
    return {"toolResult": {"toolUseId": id_, "content": list(items)}}


def thought(t):
    return {"reasoningContent": {"reasoningText": {"text": t}}}


PARALLEL = rec([("user", "Weather in Paris and Rome?"), ("reasoning", "Two cities, two calls."),
                ("assistant", "Let me look."), ("tool_call", PARIS), ("tool_call", ROME),
                ("tool", ToolResult("c1", "18 C")), ("tool", ToolResult("c2", {"temp": 21})),
                ("assistant", "18 C and 21 C.")],
               tools=[WEATHER, CLOCK], system="Be brief.")


def test_parallel_calls_reasoning_and_results_as_converse_has_them():
    assert formatted(CONV, PARALLEL, NOVA2) == [{
        "schemaVersion": SCHEMA,
        "system": [text("Be brief.")],
        "toolConfig": {"tools": [WEATHER_SPEC, CLOCK_SPEC]},
        "messages": [
            msg("user", text("Weather in Paris and Rome?")),
            msg("assistant", thought("Two cities, two calls."), text("Let me look."),
                use("c1", "get_weather", {"city": "Paris"}),
                use("c2", "get_weather", {"city": "Rome"})),
            # consecutive results: one user turn
            msg("user", result("c1", text("18 C")), result("c2", {"json": {"temp": 21}})),
            msg("assistant", text("18 C and 21 C."))]}]


def test_result_content_items():
    def written(content):
        record = rec([("user", "Time?"), ("tool_call", ToolCall("t1", "now", {})),
                      ("tool", ToolResult("t1", content)), ("assistant", "Noon.")],
                     tools=[CLOCK])
        return formatted(CONV, record, NOVA)[0]["messages"][2]["content"]
    assert written("12:00") == [result("t1", text("12:00"))]
    assert written({"h": 12}) == [result("t1", {"json": {"h": 12}})]
    # a JSON list or scalar: its JSON text (the Nova Forge SDK takes only an object as json)
    assert written([12, 0]) == [result("t1", text("[12,0]"))]
    assert written(12) == [result("t1", text("12"))]
    # Converse items as a Converse source gives them: as they are
    assert written([{"text": "12:00"}, {"json": {"h": 12}}]) == [
        result("t1", text("12:00"), {"json": {"h": 12}})]


def test_an_assistant_turn_of_calls_only_and_results_then_text():
    record = rec([("user", "Time?"), ("tool_call", ToolCall("t1", "now", {})),
                  ("tool", ToolResult("t1", "12:00")), ("user", "And in Rome?"),
                  ("tool_call", ToolCall("t2", "now", {})), ("tool", ToolResult("t2", "12:00")),
                  ("assistant", "Noon in both.")], tools=[CLOCK])
    assert formatted(CONV, record, NOVA)[0]["messages"] == [
        msg("user", text("Time?")), msg("assistant", use("t1", "now", {})),
        msg("user", result("t1", text("12:00")), text("And in Rome?")),
        msg("assistant", use("t2", "now", {})), msg("user", result("t2", text("12:00"))),
        msg("assistant", text("Noon in both."))]


def test_tools_defined_and_not_called():
    record = rec([("user", "Hi"), ("assistant", "Hello")], tools=[CLOCK])
    assert formatted(CONV, record, NOVA) == [{
        "schemaVersion": SCHEMA, "toolConfig": {"tools": [CLOCK_SPEC]},
        "messages": [msg("user", text("Hi")), msg("assistant", text("Hello"))]}]
    # an empty parameters schema is "no parameters" too
    empty = rec(record.turns, tools=[ToolSpec("now", "The time now", {})])
    assert formatted(CONV, empty, NOVA)[0]["toolConfig"] == {"tools": [CLOCK_SPEC]}


def test_media_stays_before_the_first_user_text():
    record = rec([("user", "What is it?"), ("tool_call", ToolCall("t1", "now", {})),
                  ("tool", ToolResult("t1", "12:00")), ("assistant", "A clock at noon.")],
                 tools=[CLOCK], image="s3://data-bkt/img/clock.png")
    owner = "123456789012"   # Nova's media name their bucket's owner (bucket_owner.py)
    first = formatted(CONV, record, ctx_for("nova-2-lite", media_bucket_owner=owner))[0][
        "messages"][0]
    assert first == msg("user", {"image": {"format": "png", "source": {"s3Location": {
        "uri": "s3://data-bkt/img/clock.png", "bucketOwner": owner}}}}, text("What is it?"))


def test_reasoning_only_where_the_model_takes_it():
    record = rec([("user", "2+2?"), ("reasoning", "Add them."), ("assistant", "4")])
    assert formatted(CONV, record, NOVA2)[0]["messages"][1] == msg(
        "assistant", thought("Add them."), text("4"))
    assert reason(CONV, record, NOVA1) == "reasoning_not_taken"
    dropped = formatted(CONV, record, ctx_for("nova-lite", repair=frozenset({"drop_reasoning"})))
    assert dropped[0]["messages"][1] == msg("assistant", text("4"))


def test_tool_use_only_where_the_model_takes_it():
    llama = ctx_for("llama3-1-8b-instruct")
    assert reason(CONV, PARALLEL, llama) == "tool_turn"
    repaired = ctx_for("llama3-1-8b-instruct",
                       repair=frozenset({"drop_tool_turns", "drop_reasoning",
                                         "merge_consecutive"}))
    assert formatted(CONV, PARALLEL, repaired) == [{
        "schemaVersion": SCHEMA, "system": [text("Be brief.")],
        "messages": [msg("user", text("Weather in Paris and Rome?")),
                     msg("assistant", text("Let me look.\n\n18 C and 21 C."))]}]


@pytest.mark.parametrize("record, expected", [
    (rec([("assistant", "x"), ("user", "a"), ("tool_call", PARIS),
          ("tool", ToolResult("c1", "r")), ("assistant", "b")], tools=[WEATHER]),
     "starts_with_assistant"),
    (rec([("user", "a"), ("tool_call", PARIS), ("tool", ToolResult("c1", "r"))],
         tools=[WEATHER]), "ends_with_user"),
    (rec([("user", "a"), ("system", "s"), ("tool_call", PARIS), ("tool", ToolResult("c1", "r")),
          ("assistant", "b")], tools=[WEATHER]), "system_not_first"),
    (rec([("user", "a"), ("user", "b"), ("tool_call", PARIS), ("tool", ToolResult("c1", "r")),
          ("assistant", "b")], tools=[WEATHER]), "consecutive_roles"),
    (rec([("user", "a"), ("tool", "text result"), ("assistant", "b")]), "tool_turn"),
    (rec([("user", "a"), ("reasoning", " "), ("assistant", "b")]), "empty_field"),
    (rec([("user", "a"), ("reasoning", 4), ("assistant", "b")]), "wrong_type"),
])
def test_conversation_rules_hold_for_tool_records(record, expected):
    assert reason(CONV, record, NOVA2) == expected


def test_repairs_apply_to_tool_records():
    record = rec([("user", "a"), ("user", "b"), ("tool_call", PARIS),
                  ("tool", ToolResult("c1", "r")), ("assistant", "c"), ("user", "d")],
                 tools=[WEATHER])
    ctx = ctx_for("nova-2-lite", repair=frozenset({"merge_consecutive", "drop_trailing_user"}))
    assert formatted(CONV, record, ctx)[0]["messages"] == [
        msg("user", text("a\n\nb")), msg("assistant", use("c1", "get_weather", {"city": "Paris"})),
        msg("user", result("c1", text("r"))), msg("assistant", text("c"))]


def written_problems(record, ctx=NOVA):
    target = get_target(CONV)
    return [r for r, _ in target.validate(target.format(record, ctx)[0], ctx)]


@pytest.mark.parametrize("record, expected", [
    (rec([("user", "a"), ("tool_call", ToolCall("c1", "get_weather", "Paris")),
          ("tool", ToolResult("c1", "r")), ("assistant", "b")], tools=[WEATHER]),
     ["bad_tool_call"]),
    (rec([("user", "a"), ("tool_call", ToolCall("c1", "get_wether", {})),
          ("tool", ToolResult("c1", "r")), ("assistant", "b")], tools=[WEATHER]),
     ["undefined_tool"]),
    (rec([("user", "a"), ("tool_call", PARIS), ("tool", ToolResult("c1", "r")),
          ("assistant", "b")]), ["undefined_tool"]),   # calls, and no tools defined
    (rec([("user", "a"), ("tool_call", PARIS), ("assistant", "b")], tools=[WEATHER]),
     ["unmatched_tool_id"]),
    (rec([("user", "a"), ("tool_call", PARIS), ("tool", ToolResult("c1", " ")),
          ("assistant", "b")], tools=[WEATHER]), ["bad_tool_result"]),
    (rec([("user", "a"), ("tool_call", PARIS), ("tool", ToolResult("c1", "USER: hi")),
          ("assistant", "b")], tools=[WEATHER]), ["reserved_word"]),
    (rec([("user", "a"), ("assistant", "b")], tools=[ToolSpec("now")]),
     ["bad_tool_definition"]),   # no description: the Nova Forge SDK requires one
    (rec([("user", "a"), ("assistant", "b")],
         tools=[ToolSpec("f", "d", {"type": "object", "definitions": {}})]),
     ["bad_tool_definition"]),
    (rec([("user", "a"), ("tool_call", ToolCall("call 1", "get_weather", {})),
          ("tool", ToolResult("call 1", "r")), ("assistant", "b")], tools=[WEATHER]),
     ["bad_tool_call"]),   # an id Bedrock refuses: not rewritten, refused
])
def test_written_records_the_rules_refuse(record, expected):
    assert written_problems(record) == expected


def test_reserved_words_in_reasoning():
    record = rec([("user", "2+2?"), ("reasoning", "Thought: add."), ("assistant", "4")])
    assert written_problems(record, NOVA2) == ["reserved_word"]


# --- check(): Converse objects as `tuneprep validate` reads them --------------------------

GOOD = {"schemaVersion": SCHEMA, "toolConfig": {"tools": [WEATHER_SPEC]},
        "messages": [msg("user", text("Weather?")),
                     msg("assistant", use("c1", "get_weather", {"city": "Paris"})),
                     msg("user", result("c1", text("18 C"))),
                     msg("assistant", text("18 C."))]}


def changed(path_value=None, **top):
    obj = copy.deepcopy(GOOD)
    obj.update(top)
    if path_value:
        for (index, block), value in path_value.items():
            obj["messages"][index]["content"][block] = value
    return obj


def spec(**fields):
    return {"toolSpec": {**WEATHER_SPEC["toolSpec"], **fields}}


def schema(json):
    return spec(inputSchema={"json": json})


@pytest.mark.parametrize("obj, expected", [
    (GOOD, []),
    (changed({(2, 0): {"toolResult": {"toolUseId": "c1", "content": [text("x")],
                                      "status": "error"}}}), []),
    (changed({(2, 0): result("c1", {"json": {"t": 18}})}), []),
    # toolConfig: a non-empty list, each a toolSpec with name, description, inputSchema
    (changed(toolConfig={"tools": []}), ["bad_tool_definition"]),
    (changed(toolConfig={"tools": [WEATHER_SPEC], "toolChoice": {"auto": {}}}),
     ["invalid_record"]),
    (changed(toolConfig={"tools": [WEATHER_SPEC, WEATHER_SPEC]}), ["bad_tool_definition"]),
    (changed(toolConfig={"tools": [spec(name="get weather")]}),
     ["bad_tool_definition", "undefined_tool"]),
    (changed(toolConfig={"tools": [spec(name=" ")]}), ["bad_tool_definition", "undefined_tool"]),
    (changed(toolConfig={"tools": [spec(description="")]}), ["bad_tool_definition"]),
    (changed(toolConfig={"tools": [{"toolSpec": {"name": "get_weather",
                                                 "inputSchema": {"json": {"type": "object"}}}}]}),
     ["bad_tool_definition"]),
    (changed(toolConfig={"tools": [spec(strict=True)]}), ["bad_tool_definition"]),
    # inputSchema.json: an object schema of JSON Schema keywords
    (changed(toolConfig={"tools": [schema({"properties": {}})]}), ["bad_tool_definition"]),
    (changed(toolConfig={"tools": [schema({"type": "string"})]}), ["bad_tool_definition"]),
    (changed(toolConfig={"tools": [schema({"type": "object", "definitions": {}})]}),
     ["bad_tool_definition"]),
    (changed(toolConfig={"tools": [schema({"type": "object", "$defs": {}, "title": "W",
                                           "additionalProperties": False})]}), []),
    (changed(toolConfig={"tools": [schema([])]}), ["bad_tool_definition"]),
    (changed(toolConfig={"tools": [spec(inputSchema={"type": "object"})]}),
     ["bad_tool_definition"]),
    # toolUse only in assistant turns, toolResult only in user turns
    (changed({(0, 0): use("c0", "get_weather", {})}),
     ["misplaced_tool_block", "unmatched_tool_id"]),
    (changed({(3, 0): result("c1", text("again"))}),
     ["misplaced_tool_block", "unmatched_tool_id"]),
    # ids: unique, answered by exactly one result after the call
    (changed({(2, 0): result("c9", text("18 C"))}), ["unmatched_tool_id", "unmatched_tool_id"]),
    (changed({(1, 0): use("", "get_weather", {})}), ["unmatched_tool_id", "unmatched_tool_id"]),
    (changed(messages=GOOD["messages"][:2] + [msg("user", result("c1", text("a")),
                                                  result("c1", text("b")))] + GOOD["messages"][3:]),
     ["unmatched_tool_id"]),
    (changed(messages=[GOOD["messages"][0],
                       msg("assistant", use("c1", "get_weather", {}), use("c1", "get_weather", {})),
                       *GOOD["messages"][2:]]), ["unmatched_tool_id"]),
    (changed(messages=[GOOD["messages"][0], msg("assistant", text("b"))]), []),
    # names defined in toolConfig; a record with tool blocks has a toolConfig
    (changed({(1, 0): use("c1", "get_time", {})}), ["undefined_tool"]),
    ({k: v for k, v in GOOD.items() if k != "toolConfig"}, ["undefined_tool"]),
    # toolUse: the three keys, input an object, a name
    (changed({(1, 0): use("c1", "get_weather", "Paris")}), ["bad_tool_call"]),
    (changed({(1, 0): {"toolUse": {"toolUseId": "c1", "name": "get_weather"}}}),
     ["bad_tool_call", "unmatched_tool_id"]),
    (changed({(1, 0): use("c1", "", {})}), ["bad_tool_call"]),
    # toolResult: content a non-empty list of items, each exactly one of text / json
    (changed({(2, 0): result("c1")}), ["bad_tool_result"]),
    (changed({(2, 0): result("c1", {"text": "a", "json": {}})}), ["bad_tool_result"]),
    (changed({(2, 0): result("c1", {"json": [1, 2]})}), ["bad_tool_result"]),
    (changed({(2, 0): result("c1", {"image": {}})}), ["bad_tool_result"]),
    (changed({(2, 0): result("c1", text(""))}), ["bad_tool_result"]),
    (changed({(2, 0): {"toolResult": {"toolUseId": "c1", "content": [text("a")],
                                      "status": "ok"}}}), ["bad_tool_result"]),
    (changed({(2, 0): result("c1", text("Bot: 18 C"))}), ["reserved_word"]),
])
def test_validate_tool_rules(obj, expected):
    assert reasons(CONV, obj, NOVA) == expected


def test_validate_tool_use_by_model():
    assert reasons(CONV, GOOD, ctx_for("llama3-1-8b-instruct")) == ["tool_turn"]
    assert reasons(CONV, GOOD) == []
    # the distillation format takes no tool use at all
    assert "invalid_record" in reasons("bedrock-distillation", GOOD)


REASONED = {"schemaVersion": SCHEMA, "messages": [
    msg("user", text("2+2?")), msg("assistant", thought("Add."), text("4"))]}


@pytest.mark.parametrize("obj, ctx, expected", [
    (REASONED, NOVA2, []),
    (REASONED, NOVA1, ["reasoning_not_taken"]),
    ({**REASONED, "messages": [msg("user", thought("Add."), text("2+2?")),
                               REASONED["messages"][1]]}, NOVA2, ["misplaced_reasoning"]),
    ({**REASONED, "messages": [msg("user", text("2+2?")), msg("assistant", thought(" "),
                                                              text("4"))]},
     NOVA2, ["empty_field"]),
    ({**REASONED, "messages": [msg("user", text("2+2?")), msg("assistant", thought("Add."), {
        "image": {"format": "png", "source": {"s3Location": {"uri": "s3://b-1/x.png"}}}},
        text("4"))]}, CTX, ["media_in_assistant_turn", "misplaced_reasoning"]),
])
def test_validate_reasoning_rules(obj, ctx, expected):
    assert reasons(CONV, obj, ctx) == expected


def test_optional_field_facets_hold_tool_use():
    target = get_target(CONV)
    assert target.dataset_facets(GOOD) == {"toolUse", "toolResult"}
    assert target.dataset_facets(REASONED) == {"reasoning"}
    assert [r for r, _ in target.dataset_problems({"toolUse": 3, "toolResult": 3}, NOVA, 5)] == [
        "inconsistent_fields"]
    assert target.dataset_problems({"toolUse": 5, "toolResult": 5}, NOVA, 5) == []


def test_measure_counts_tool_json():
    target = get_target(CONV)
    plain = target.measure({"schemaVersion": SCHEMA, "messages": [
        msg("user", text("Weather?")), msg("assistant", text("18 C."))]})
    schema_json = '{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}'
    assert target.measure(GOOD) == plain + len("get_weather") + len("Weather of a city") + len(
        schema_json) + len("get_weather") + len('{"city":"Paris"}') + len("18 C")


# --- the targets that write no tool use ---------------------------------------------------

@pytest.mark.parametrize("name", ["bedrock-text", "bedrock-multi-turn", "sagemaker-chat",
                                  "bedrock-distillation"])
def test_text_targets_refuse_tool_use_or_drop_it(name):
    record = rec([("user", "Time?"), ("tool_call", ToolCall("t1", "now", {})),
                  ("tool", ToolResult("t1", "12:00")), ("assistant", "Noon.")], tools=[CLOCK])
    assert reason(name, record) == "tool_turn"
    dropped = formatted(name, record, TargetContext(repair=frozenset({"drop_tool_turns"})))
    assert "now" not in str(dropped) and "12:00" not in str(dropped) and "Noon." in str(dropped)
    # tools defined and never called are tool use too: refused, never dropped silently
    defined = rec([("user", "Time?"), ("assistant", "Noon.")], tools=[CLOCK])
    assert reason(name, defined) == "tool_turn"
