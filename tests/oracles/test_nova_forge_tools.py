"""AWS's Nova Forge SDK validator (the `forge` fixture) as the oracle for tool use and reasoning:
every tool-use / reasoning record bedrock-conversation writes for Nova 2 Lite passes it, and the
tool-use / reasoning records the SDK refuses, tuneprep's rules refuse too (`tuneprep validate`'s
check, the one every written record goes through), but for the differences listed here with
their reasons. Nova 1 (Nova Lite) takes no tool blocks: tuneprep writes none for it, though
the SDK's validator, which does not ask the model's version, takes them (NOVA1_NO_TOOLS).

Files go under a `validation` folder: the oracle script then skips the SDK's Bedrock record-count
bounds, which are on a training set (8 / 200 records), not on these rule cases.
"""
from __future__ import annotations

import pytest

from tuneprep.transforms.core.records import RecordError
from tuneprep.transforms.core.tools import ToolCall, ToolResult, ToolSpec
from tuneprep.transforms.targets import get_target
from tuneprep.transforms.core.context import TargetContext
from tuneprep.transforms.targets.models import get_model

from tests.helpers import rec, write_jsonl

pytestmark = pytest.mark.slow

CONV = get_target("bedrock-conversation")
SYSTEM = "You are a careful assistant with tools."
WEATHER = ToolSpec("get_weather", "Weather of a city",
                   {"type": "object", "properties": {"city": {"type": "string"},
                                                     "unit": {"enum": ["C", "F"]}},
                    "required": ["city"], "additionalProperties": False})
CLOCK = ToolSpec("now", "The time now")   # no parameters: the default inputSchema
SEARCH = ToolSpec("search-web", "Search the web",
                  {"type": "object", "$defs": {"q": {"type": "string"}},
                   "properties": {"q": {"$ref": "#/$defs/q"}}})


def call(id_, name, **arguments):
    return ("tool_call", ToolCall(id_, name, arguments))


def answer(id_, content):
    return ("tool", ToolResult(id_, content))


# canonical tool-use records of every shape the writer makes; each holds a system prompt, a
# call and a result, so a file of them is one dataset for the SDK (its optional fields alike)
TOOL_RECORDS = {
    "one_call": [("user", "Weather in Paris?"), call("c1", "get_weather", city="Paris"),
                 answer("c1", "18 C, sunny"), ("assistant", "18 C and sunny.")],
    "parallel_calls": [("user", "Paris and Rome?"), ("assistant", "Looking both up."),
                       call("tooluse_a1", "get_weather", city="Paris"),
                       call("tooluse_b2", "get_weather", city="Rome", unit="C"),
                       answer("tooluse_a1", "18 C"), answer("tooluse_b2", {"temp": 21}),
                       ("assistant", "Paris 18 C, Rome 21 C.")],
    "no_parameters": [("user", "What time is it?"), call("t1", "now"), answer("t1", "12:00"),
                      ("assistant", "Noon.")],
    "list_and_scalar_results": [("user", "Two searches"), call("s1", "search-web", q="a"),
                                call("s2", "search-web", q="b"), answer("s1", ["x", "y"]),
                                answer("s2", 3), ("assistant", "Done.")],
    "converse_items": [("user", "Search"), call("s1", "search-web", q="a"),
                       answer("s1", [{"text": "found"}, {"json": {"hits": 2}}]),
                       ("assistant", "Two hits.")],
    "results_then_user_text": [("user", "Time?"), call("t1", "now"), answer("t1", "12:00"),
                               ("user", "And the weather in Oslo?"),
                               call("c1", "get_weather", city="Oslo"), answer("c1", "2 C"),
                               ("assistant", "Noon, and 2 C in Oslo.")],
    "text_after_calls": [("user", "Time?"), ("assistant", "Checking."), call("t1", "now"),
                         answer("t1", "12:00"), ("assistant", "It is noon."),
                         ("user", "Thanks"), ("assistant", "You are welcome.")],
    "unicode": [("user", "Météo à Zürich? 天气"), call("c1", "get_weather", city="Zürich"),
                answer("c1", "5 °C ☁"), ("assistant", "5 °C, nuageux.")],
}


def _reasoned(turns):
    """The same record with reasoning before each assistant message."""
    out = []
    for role, content in turns:
        starts = role in ("assistant", "tool_call") and (not out or out[-1][0] not in (
            "assistant", "tool_call", "reasoning"))
        if starts:
            out.append(("reasoning", f"I should answer step by step ({len(out)})."))
        out.append((role, content))
    return out


def _write(records, model, path):
    ctx = TargetContext(model=get_model(model))
    objs = []
    for turns in records:
        record = rec(turns, tools=[WEATHER, CLOCK, SEARCH], system=SYSTEM)
        (obj,) = CONV.format(record, ctx)
        assert CONV.validate(obj, ctx) == [], turns
        objs.append(obj)
    assert CONV.dataset_problems({f: n for f in CONV.dataset_facets(objs[0])
                                  for n in [len(objs)]}, ctx, len(objs)) == []
    return write_jsonl(path, objs), objs


@pytest.mark.parametrize("model, reasoning", [("nova-2-lite", False), ("nova-2-lite", True)])
def test_tool_use_written_passes(forge, model, reasoning, tmp_path):
    records = [(_reasoned(t) if reasoning else t) for t in TOOL_RECORDS.values()]
    path, objs = _write(records, model, tmp_path / "validation" / "tools.jsonl")
    assert all("toolConfig" in o for o in objs)
    if reasoning:
        assert all(CONV.dataset_facets(o) == {"system", "toolUse", "toolResult", "reasoning"}
                   for o in objs)
    verdict = forge(model, [path])
    assert verdict == {"records": len(TOOL_RECORDS), "refused": [], "dataset_error": None}


def test_nova_1_writes_no_tool_use_the_sdk_would_take(forge, tmp_path):
    """Nova Lite refuses each tool-use record (tool_turn: refused rather than lose its tools),
    by the Nova 1 page and the Forge SDK's converter ('not supported in Nova 1.0'); the SDK's
    validator itself takes them for Nova Lite (the same records written for Nova 2 Lite): the
    stricter reading wins (models.ModelSpec.tool_use)."""
    ctx = TargetContext(model=get_model("nova-lite"))
    for turns in TOOL_RECORDS.values():
        with pytest.raises(RecordError) as refused:
            CONV.format(rec(turns, tools=[WEATHER, CLOCK, SEARCH], system=SYSTEM), ctx)
        assert refused.value.reason == "tool_turn"
    path, objs = _write(TOOL_RECORDS.values(), "nova-2-lite",
                        tmp_path / "validation" / "tools.jsonl")
    assert all(CONV.validate(obj, ctx) for obj in objs)
    assert forge("nova-lite", [path]) == {"records": len(TOOL_RECORDS), "refused": [],
                                          "dataset_error": None}


def test_reasoning_written_passes(forge, tmp_path):
    records = [_reasoned([("user", f"What is {i} + {i}?"), ("assistant", f"{2 * i}.")])
               for i in range(6)]
    ctx = TargetContext(model=get_model("nova-2-lite"))
    objs = [CONV.format(rec(t, system=SYSTEM), ctx)[0] for t in records]
    assert all(CONV.validate(o, ctx) == [] for o in objs)
    path = write_jsonl(tmp_path / "validation" / "reasoning.jsonl", objs)
    assert forge("nova-2-lite", [path]) == {"records": 6, "refused": [], "dataset_error": None}


# --- one written record per rule: the SDK's refusals are tuneprep's ---------------------------

def _text(t):
    return {"text": t}


def _msg(role, *blocks):
    return {"role": role, "content": list(blocks)}


def _use(id_="c1", name="get_weather", input_=None):
    return {"toolUse": {"toolUseId": id_, "name": name,
                        "input": {"city": "Paris"} if input_ is None else input_}}


def _result(id_="c1", *items):
    return {"toolResult": {"toolUseId": id_, "content": list(items) or [_text("18 C")]}}


def _think(t="Let me think."):
    return {"reasoningContent": {"reasoningText": {"text": t}}}


SPEC = {"toolSpec": {"name": "get_weather", "description": "Weather of a city",
                     "inputSchema": {"json": {"type": "object",
                                              "properties": {"city": {"type": "string"}}}}}}


def _spec(**fields):
    return {"toolSpec": {**SPEC["toolSpec"], **fields}}


def _record(*messages, tools=(SPEC,), config=True):
    obj = {"schemaVersion": "bedrock-conversation-2024"}
    if config:
        obj["toolConfig"] = {"tools": list(tools)}
    obj["messages"] = list(messages) or [
        _msg("user", _text("Weather?")), _msg("assistant", _use()), _msg("user", _result()),
        _msg("assistant", _text("18 C."))]
    return obj


Q, A = _msg("user", _text("Weather?")), _msg("assistant", _text("18 C."))


def _image(uri):
    return {"image": {"format": "png", "source": {"s3Location": {
        "uri": uri, "bucketOwner": "123456789012"}}}}

CASES = {
    "good": _record(),
    "good_json_result": _record(Q, _msg("assistant", _use()),
                                _msg("user", _result("c1", {"json": {"t": 18}})), A),
    "good_calls_only_then_text": _record(Q, _msg("assistant", _text("Checking."), _use()),
                                         _msg("user", _result(), _text("Thanks")), A),
    "undefined_name": _record(Q, _msg("assistant", _use(name="get_time")), _msg("user", _result()),
                              A),
    "duplicate_use_id": _record(Q, _msg("assistant", _use(), _use()), _msg("user", _result()), A),
    "result_for_no_call": _record(Q, _msg("assistant", _use()), _msg("user", _result("c9")), A),
    "result_answered_twice": _record(Q, _msg("assistant", _use()),
                                     _msg("user", _result(), _result()), A),
    "use_in_user_turn": _record(_msg("user", _text("Weather?"), _use()),
                                _msg("assistant", _text("Hm.")), _msg("user", _result()), A),
    "result_in_assistant_turn": _record(Q, _msg("assistant", _use(), _result())),
    "empty_tools": _record(tools=()),
    "duplicate_tool_names": _record(tools=(SPEC, SPEC)),
    "blank_tool_name": _record(Q, A, tools=(_spec(name=" "),)),
    "blank_description": _record(tools=(_spec(description=" "),)),
    "no_description": _record(tools=({"toolSpec": {"name": "get_weather", "inputSchema":
                                                   SPEC["toolSpec"]["inputSchema"]}},)),
    "schema_without_type": _record(tools=(_spec(inputSchema={"json": {"properties": {}}}),)),
    "schema_not_object": _record(tools=(_spec(inputSchema={"json": ["type"]}),)),
    "result_text_and_json": _record(Q, _msg("assistant", _use()),
                                    _msg("user", _result("c1", {"text": "a", "json": {}})), A),
    "result_item_empty": _record(Q, _msg("assistant", _use()),
                                 _msg("user", {"toolResult": {"toolUseId": "c1",
                                                              "content": [{}]}}), A),
    "result_no_content": _record(Q, _msg("assistant", _use()),
                                 _msg("user", {"toolResult": {"toolUseId": "c1",
                                                              "content": []}}), A),
    "result_json_list": _record(Q, _msg("assistant", _use()),
                                _msg("user", _result("c1", {"json": [1]})), A),
    "input_not_object": _record(Q, _msg("assistant", _use(input_="Paris")),
                                _msg("user", _result()), A),
    "blank_use_id": _record(Q, _msg("assistant", _use(id_=" ")), _msg("user", _result(" ")), A),
    "reserved_word_in_result": _record(Q, _msg("assistant", _use()),
                                       _msg("user", _result("c1", _text("USER: 18 C"))), A),
    "reasoning_in_user_turn": _record(_msg("user", _think(), _text("Weather?")), A, config=False),
    "reserved_word_in_reasoning": _record(Q, _msg("assistant", _think("Thought: easy"),
                                                  _text("18 C.")), config=False),
    "reasoning": _record(Q, _msg("assistant", _think(), _text("18 C.")), config=False),
    "reasoning_and_tools": _record(Q, _msg("assistant", _think(), _use()), _msg("user", _result()),
                                   _msg("assistant", _think("Now answer."), _text("18 C."))),
    # tuneprep's stricter rules (TUNEPREP_ONLY)
    "unanswered_call": _record(Q, _msg("assistant", _text("Checking."), _use())),
    "definitions_key": _record(tools=(_spec(inputSchema={"json": {"type": "object",
                                                                  "definitions": {}}}),)),
    "schema_type_string": _record(tools=(_spec(inputSchema={"json": {"type": "string"}}),)),
    "name_with_space": _record(Q, A, tools=(_spec(name="get weather"),)),
    "use_id_with_space": _record(Q, _msg("assistant", _use(id_="call 1")),
                                 _msg("user", _result("call 1")), A),
    "blank_result_text": _record(Q, _msg("assistant", _use()),
                                 _msg("user", _result("c1", _text(""))), A),
    "blocks_without_tool_config": _record(config=False),
    "unknown_spec_key": _record(tools=(_spec(strict=True),)),
}

# Where tuneprep and the SDK part ways on these records, and why. None of them is a record
# tuneprep writes and the SDK refuses: that is test_tool_use_written_passes.
TUNEPREP_ONLY = {
    # a call left without its result teaches the model to stop there; the SDK checks only that
    # each result answers a call before it
    "unanswered_call",
    # Bedrock refuses what the SDK does not check: keys of no JSON Schema draft 2020-12
    # ("extraneous key [definitions]", zed-industries/zed#28521), a top-level type other than
    # object (ToolInputSchema), names and toolUseIds outside 1-64 of [a-zA-Z0-9_-]
    # (ToolSpecification, ToolUseBlock)
    "definitions_key", "schema_type_string", "name_with_space", "use_id_with_space",
    # an empty text result is refused as every empty text block is (the SDK takes "")
    "blank_result_text",
    # Bedrock: "The toolConfig field must be defined when using toolUse and toolResult content
    # blocks"; the SDK checks the tool blocks against toolConfig only when there is one
    "blocks_without_tool_config",
    # a toolSpec key Bedrock's fine-tuning has no use for (OpenAI's strict); the SDK ignores it
    "unknown_spec_key",
}
# per model: the rules only one model has
# Nova 2 Lite takes reasoning (in a record with an image too: the media rule is per message)
REASONING_CASES = {"reasoning", "reasoning_and_tools", "reasoning_beside_an_image"}
# Nova 1 takes no tool blocks (the Nova 1 page; the SDK's converter: 'Tool/function calling is
# not supported in Nova 1.0'), which the SDK's validator does not check: the good tool-use
# cases are refused by tuneprep alone for Nova Lite
NOVA1_NO_TOOLS = {"good", "good_json_result", "good_calls_only_then_text"}


def _png(width: int, height: int) -> bytes:
    import io

    from PIL import Image
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 40)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("model", ["nova-lite", "nova-2-lite"])
def test_tool_and_reasoning_cases_refused_alike(forge, s3, model, tmp_path):
    """Each case alone; the image (for reasoning in a record with media: taken, as the rule is
    per message) on the S3 test server, where the SDK reads it."""
    image = _image(s3.put("media/dog.png", _png(64, 48)))
    cases = {**CASES, "reasoning_beside_an_image": _record(
        _msg("user", image, _text("What?")), _msg("assistant", _think(), _text("A dog.")),
        config=False)}
    names = list(cases)
    path = write_jsonl(tmp_path / "validation" / "cases.jsonl", cases.values())
    verdict = forge(model, [path], endpoint=s3.endpoint)
    refused_by_sdk = {names[r["line"] - 1] for r in verdict["refused"]}
    ctx = TargetContext(model=get_model(model))
    refused_by_tuneprep = {name for name, obj in cases.items() if CONV.validate(obj, ctx)}
    takes_tools = get_model(model).tool_use
    assert refused_by_tuneprep - refused_by_sdk == TUNEPREP_ONLY | (
        set() if takes_tools else NOVA1_NO_TOOLS)
    if not takes_tools:   # and refused for their tool use alone
        assert all([reason for reason, _ in CONV.validate(cases[name], ctx)] == [
            "tool_turn"] for name in NOVA1_NO_TOOLS)
    assert refused_by_sdk - refused_by_tuneprep == set()
    good = {n for n in names if n.startswith("good")}
    takes_reasoning = model == "nova-2-lite"
    assert set(names) - refused_by_sdk == good | TUNEPREP_ONLY | (
        REASONING_CASES if takes_reasoning else set())
    assert len(refused_by_sdk) == len(names) - len(good | TUNEPREP_ONLY) - (
        len(REASONING_CASES) if takes_reasoning else 0)
