"""Tool use and reasoning read from every dialect into the canonical parts (transforms/core/
tools.py): the small fixtures of tests/fixtures/tools (one file a dialect) give exactly these
records; each malformed shape is refused with its reason; the real corpora read without a
refusal."""
from __future__ import annotations

import json

import orjson
import pytest

from tuneprep.transforms.adapters import AdapterOptions, normalize
from tuneprep.transforms.core.records import RecordError, Source
from tuneprep.transforms.core.tools import ToolCall, ToolResult, ToolSpec
from tests.helpers import REPO

FIXTURES = REPO / "tests" / "fixtures" / "tools"


def fixture(name: str, adapter: str):
    path = FIXTURES / name
    return [normalize(orjson.loads(line), adapter, Source(str(path), number), AdapterOptions())
            for number, line in enumerate(path.read_bytes().splitlines(), 1)]


def refused(value, adapter="messages") -> tuple[str, str]:
    with pytest.raises(RecordError) as info:
        normalize(value, adapter, Source("mem://a.jsonl", 1), AdapterOptions())
    assert info.value.stage == "normalize"
    return info.value.reason, info.value.message


def test_openai_parallel_calls_results_by_id_and_reasoning():
    first, second = fixture("openai_parallel.jsonl", "messages")
    assert first.tools == [ToolSpec(
        "get_weather", "Current weather of a city",
        {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        strict=True)]
    assert first.turns == [
        ("system", "You answer with tools."), ("user", "Weather in Paris and Rome?"),
        # content null: no assistant text part, the calls alone
        ("tool_call", ToolCall("call_a1", "get_weather", {"city": "Paris"})),
        ("tool_call", ToolCall("call_b2", "get_weather", {"city": "Rome"})),
        # results keep their source order and ids (answered out of call order)
        ("tool", ToolResult("call_b2", "24 C, sunny")),
        ("tool", ToolResult("call_a1", "18 C, cloudy")),
        ("assistant", "Paris: 18 C and cloudy; Rome: 24 C and sunny.")]
    assert first.fields == {"id": "par-1", "parallel_tool_calls": True}
    assert second.turns == [
        ("user", "2+3?"), ("reasoning", "Use the add tool."), ("assistant", "Let me add."),
        ("tool_call", ToolCall("c9", "add", {"a": 2, "b": 3})),
        ("tool", ToolResult("c9", "5", name="add")),   # text parts joined; its name kept
        ("assistant", "5.")]
    assert second.tools[0].description is None and second.tools[0].strict is None


def test_openai_legacy_functions_get_made_up_ids_in_order():
    (record,) = fixture("openai_functions.jsonl", "messages")
    assert [spec.name for spec in record.tools] == ["lookup", "translate"]
    assert record.turns == [
        ("user", "Define and translate 'chat'."),
        ("tool_call", ToolCall("call_1", "lookup", {"word": "chat"})),
        ("tool", ToolResult("call_1", "an informal conversation", name="lookup")),
        ("assistant", "Now the translation."),
        ("tool_call", ToolCall("call_2", "translate", {"text": "chat"})),
        ("tool", ToolResult("call_2", "cat (French)", name="translate")),
        ("assistant", "'chat' is an informal conversation; in French it means cat.")]


def test_a_function_message_answers_the_oldest_unanswered_call_of_its_name():
    record = normalize({"messages": [
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": None, "function_call": {"name": "a", "arguments": "{}"}},
        {"role": "assistant", "content": None, "function_call": {"name": "b", "arguments": "{}"}},
        {"role": "function", "name": "b", "content": "B"},
        {"role": "function", "name": "a", "content": "A"},
        {"role": "assistant", "content": "done"}]}, "messages", Source("m", 1))
    assert [turn for turn in record.turns if turn[0] == "tool"] == [
        ("tool", ToolResult("call_2", "B", "b")), ("tool", ToolResult("call_1", "A", "a"))]


def test_sharegpt_llamafactory_calls_and_observations():
    parallel, listed = fixture("sharegpt_llamafactory.jsonl", "sharegpt")
    assert parallel.tools == [ToolSpec(
        "calculate_age", "Age from a birth date",
        {"type": "object", "properties": {"birthdate": {"type": "string"}},
         "required": ["birthdate"]})]
    # LlamaFactory issue #9585's shape: two calls, then their two observations in order
    assert parallel.turns[1:] == [
        ("tool_call", ToolCall("call_1", "calculate_age", {"birthdate": "1990-05-15"})),
        ("tool_call", ToolCall("call_2", "calculate_age", {"birthdate": "1992-03-10"})),
        ("tool", ToolResult("call_1", '{"age": 35}')),   # an observation's text, as it is
        ("tool", ToolResult("call_2", '{"age": 33}')),
        ("assistant", "They are 35 and 33.")]
    # a list of calls in one turn; arguments as an object or as JSON text; OpenAI-wrapped tools
    assert listed.tools == [ToolSpec("convert", None, {"type": "object",
                                                       "properties": {"to": {"type": "string"}}})]
    assert listed.turns[1:3] == [("tool_call", ToolCall("call_1", "convert", {"to": "EUR"})),
                                 ("tool_call", ToolCall("call_2", "convert", {"to": "GBP"}))]
    assert listed.fields == {}   # tools are not metadata any more


def test_converse_tool_use_results_reasoning_and_media():
    songs, chart = fixture("converse_tools.jsonl", "messages")
    assert songs.tools == [ToolSpec("top_song", "The most played song of a station",
                                    {"type": "object", "properties": {"sign": {"type": "string"}},
                                     "required": ["sign"]})]
    assert songs.system == "You use tools."
    assert songs.turns == [
        ("user", "Most popular song on WZPZ?"),
        ("reasoning", "The user wants the top song; call top_song."),
        ("assistant", "Let me check."),
        ("tool_call", ToolCall("tooluse_1", "top_song", {"sign": "WZPZ"})),
        ("tool", ToolResult("tooluse_1", {"song": "Elemental Hotel", "artist": "8 Storey Hike"})),
        ("assistant", "Elemental Hotel, by 8 Storey Hike.")]
    assert chart.image == "s3://bucket-a/charts/q3.png"
    assert chart.fields == {"schemaVersion": "bedrock-conversation-2024",
                            "bucketOwner": "123456789012"}
    assert chart.turns == [
        ("user", "What does this chart show? Search the notes too."),
        ("tool_call", ToolCall("t1", "search", {"q": "q3 notes"})),
        ("tool_call", ToolCall("t2", "search", {"q": "q3 chart"})),
        ("tool", ToolResult("t1", "Revenue grew.\nCosts fell.")),     # all text: joined
        ("tool", ToolResult("t2", [{"text": "Chart of Q3"}, {"json": {"growth": 0.12}}])),
        ("user", "Summarise, please."),
        ("assistant", "Q3 revenue grew 12% while costs fell.")]


def test_think_blocks_are_split_off_assistant_text_only():
    lines = (FIXTURES / "think.jsonl").read_bytes().splitlines()
    closed, empty, sharegpt = [
        normalize(orjson.loads(line), "messages" if b'"messages"' in line else "sharegpt",
                  Source("think.jsonl", number)) for number, line in enumerate(lines, 1)]
    assert closed.turns == [("user", "Is 91 prime?"), ("reasoning", "91 = 7 x 13."),
                            ("assistant", "No: 91 = 7 x 13.")]
    assert empty.turns == [("user", "Hi"), ("assistant", "Hello!")]   # Qwen3's empty block
    assert sharegpt.turns == [("user", "2+2?"), ("reasoning", "Add them."), ("assistant", "4"),
                              ("user", "And <think> is a tag?"),   # user text: as it is
                              ("assistant", "Yes, <think> starts a reasoning block.")]
    # an instruction record's output is one completion: written as it is
    alpaca = normalize({"instruction": "q", "output": "<think>r</think>a"}, "alpaca",
                       Source("a", 1))
    assert alpaca.turns[-1] == ("assistant", "<think>r</think>a")


CALL = {"role": "assistant", "content": None,
        "tool_calls": [{"id": "c1", "type": "function",
                        "function": {"name": "f", "arguments": "{}"}}]}


def chat(*messages):
    return {"messages": [{"role": "user", "content": "q"}, *messages]}


@pytest.mark.parametrize("value, adapter, reason, message", [
    (chat({**CALL, "tool_calls": [{"id": "c1", "function": {"name": "f", "arguments": "{x"}}]}),
     "messages", "bad_tool_call", "messages[1].tool_calls[0].function.arguments is text that is "
                                  "not JSON"),
    (chat({**CALL, "tool_calls": [{"id": "c1", "function": {"name": "f", "arguments": "[1]"}}]}),
     "messages", "bad_tool_call", "messages[1].tool_calls[0].function.arguments is a list, not "
                                  "a JSON object"),
    (chat({**CALL, "tool_calls": [{"id": "c1", "function": {"arguments": "{}"}}]}),
     "messages", "bad_tool_call", "messages[1].tool_calls[0].function.name is null"),
    (chat({**CALL, "tool_calls": [{"id": "c1", "function": {"name": "f"}}]}),
     "messages", "bad_tool_call", "messages[1].tool_calls[0].function.arguments is missing"),
    (chat({"role": "tool", "content": "r"}), "messages", "unmatched_tool_id",
     "messages[1] is a tool result with no call before it left to answer"),
    (chat(CALL, {"role": "tool", "tool_call_id": "c1", "content": ""}), "messages",
     "bad_tool_result", "messages[2].content is empty"),
    (chat({"role": "function", "name": "g", "content": "r"}), "messages", "unmatched_tool_id",
     "messages[1] is a tool result with no call to 'g'"),
    ({"messages": [{"role": "user", "content": "q", "tool_calls": CALL["tool_calls"]}]},
     "messages", "misplaced_tool_block", "messages[0] is a user message with tool calls"),
    ({**chat(), "tools": "[{"}, "messages", "bad_tool_definition",
     'field "tools" is text that is not JSON'),
    ({**chat(), "tools": [{"description": "no name"}]}, "messages", "bad_tool_definition",
     "tools[0].name is null, not a tool name"),
    ({**chat(), "tools": [{"type": "code_interpreter"}]}, "messages", "bad_tool_definition",
     "tools[0] is not a"),
    ({**chat(), "tools": [{"name": "f", "examples": []}]}, "messages", "bad_tool_definition",
     "tools[0] has the key 'examples'"),
    ({**chat(), "toolConfig": {"tools": [], "toolChoice": {"auto": {}}}}, "messages",
     "bad_tool_definition", "toolConfig.toolChoice is not carried"),
    (chat({"role": "assistant", "content": "<think>only thinking</think>"}), "messages",
     "empty_field", "messages[1].content holds reasoning and no answer"),
    (chat({"role": "assistant", "content": [{"toolResult": {"toolUseId": "t", "content": [
        {"text": "r"}]}}]}), "messages", "misplaced_tool_block",
     "messages[1].content[0] is a toolResult block in a assistant message"),
    ({"messages": [{"role": "user", "content": [{"toolUse": {
        "toolUseId": "t", "name": "f", "input": {}}}]}]}, "messages", "misplaced_tool_block",
     "messages[0].content[0] is a toolUse block in a user message"),
    ({"messages": [{"role": "user", "content": [{"reasoningContent": {
        "reasoningText": {"text": "r"}}}]}]}, "messages", "misplaced_reasoning",
     "messages[0].content[0] is a reasoningContent block in a user message"),
    (chat({"role": "assistant", "content": [{"toolUse": {"toolUseId": "t", "name": "f",
                                                           "input": "x"}}]}),
     "messages", "bad_tool_call", "messages[1].content[0].toolUse.input is text that is not JSON"),
    ({"messages": [{"role": "user", "content": [{"toolResult": {"toolUseId": "t", "content": [
        {"image": {}}]}}]}]}, "messages", "bad_tool_result",
     'messages[0].content[0].toolResult.content[0] is not one {"text"} or {"json"} item'),
    ({"messages": [{"role": "user", "content": [{"toolResult": {
        "toolUseId": "t", "content": [{"text": "r"}], "status": "error"}}]}]}, "messages",
     "bad_tool_result", "messages[0].content[0].toolResult.status is 'error'"),
    (chat({"role": "assistant", "content": [{"image": {"source": {"s3Location": {
        "uri": "s3://b/a.png"}}}}, {"text": "a"}]}), "messages", "media_in_assistant_turn",
     "messages[1].content[0] is a image block in a assistant message"),
    ({"messages": [{"role": "user", "content": [{"image": {"format": "png", "source": {
        "bytes": "iVBOR"}}}, {"text": "q"}]}]}, "messages", "wrong_type",
     "messages[0].content[0].image.source has the key 'bytes'"),
    ({"messages": [{"role": "user", "content": [{"image": {"source": {"s3Location": {
        "uri": "s3://b/a.png"}}}}, {"text": "q"}]}], "images": ["s3://b/c.png"]}, "messages",
     "too_many_media", "the record holds 2 media"),
    ({"conversations": [{"from": "human", "value": "q"},
                        {"from": "function_call", "value": "get_weather(Paris)"}]},
     "sharegpt", "bad_tool_call", "conversations[1].value is text that is not JSON"),
    ({"conversations": [{"from": "human", "value": "q"},
                        {"from": "function_call", "value": '{"name": "f", "args": {}}'}]},
     "sharegpt", "bad_tool_call", "conversations[1].value has the key 'args'"),
    ({"conversations": [{"from": "human", "value": "q"}, {"from": "observation", "value": "r"}]},
     "sharegpt", "unmatched_tool_id", "conversations[1].value is a tool result with no call"),
    ({"conversations": [{"from": "human", "value": "q"}], "tools": "not json"}, "sharegpt",
     "bad_tool_definition", 'field "tools" is text that is not JSON'),
    ({"conversations": [{"from": "human", "value": "q"},
                        {"from": "gpt", "value": "<think>r</think>"}]}, "sharegpt",
     "empty_field", "conversations[1].value holds reasoning and no answer"),
])
def test_malformed_tool_use_is_refused_with_its_reason(value, adapter, reason, message):
    got_reason, got_message = refused(value, adapter)
    assert (got_reason, got_message[:len(message)]) == (reason, message)


def test_reasoning_alone_before_a_call_is_the_calls_reasoning():
    record = normalize({"conversations": [
        {"from": "human", "value": "q"}, {"from": "gpt", "value": "<think>call f</think>"},
        {"from": "function_call", "value": '{"name": "f", "arguments": {}}'},
        {"from": "observation", "value": "r"}, {"from": "gpt", "value": "a"}]},
        "sharegpt", Source("s", 1))
    assert record.turns[1:3] == [("reasoning", "call f"), ("tool_call", ToolCall("call_1", "f", {}))]
    record = normalize(chat({**CALL, "content": "<think>call f</think>"},
                            {"role": "tool", "tool_call_id": "c1", "content": "r"},
                            {"role": "assistant", "content": "a"}), "messages", Source("m", 1))
    assert record.turns[1:3] == [("reasoning", "call f"), ("tool_call", ToolCall("c1", "f", {}))]


def test_glaive_corpus_reads_without_a_refusal(corpora):
    values = json.loads((corpora / "sharegpt_glaive_toolcall/glaive_toolcall_en_demo.json")
                        .read_text(encoding="utf-8"))
    records = [normalize(value, "sharegpt", Source("glaive", n)) for n, value in
               enumerate(values, 1)]
    assert len(records) == 300
    with_calls = [r for r in records if any(role == "tool_call" for role, _ in r.turns)]
    assert len(with_calls) == 153 and sum(1 for r in records if r.tools) == 191
    calls = [part for r in records for role, part in r.turns if role == "tool_call"]
    results = [part for r in records for role, part in r.turns if role == "tool"]
    assert len(calls) == len(results) == 211
    for record in with_calls:   # every call answered by its own result, named as defined
        ids = [part.id for role, part in record.turns if role == "tool_call"]
        assert ids == [f"call_{n}" for n in range(1, len(ids) + 1)]
        assert ids == [part.id for role, part in record.turns if role == "tool"]
        names = {spec.name for spec in record.tools}
        assert all(part.name in names and isinstance(part.arguments, dict)
                   for role, part in record.turns if role == "tool_call")
    assert all(not r.fields for r in records)   # "tools" is read, not metadata


@pytest.mark.parametrize("name", ["nova_tooluse_train_ft.jsonl", "nova_tooluse_test_ft.jsonl",
                                  "nova_tooluse_formatted_test_ft.jsonl"])
def test_nova_tool_use_samples_read_without_a_refusal(corpora, name):
    lines = (corpora / "bedrock_samples" / name).read_bytes().splitlines()
    records = [normalize(orjson.loads(line), "messages", Source(name, n))
               for n, line in enumerate(lines, 1)]
    assert len(records) == {"nova_tooluse_train_ft.jsonl": 560}.get(name, 120)
    # their tool calls are the assistant's text (a JSON-like answer), not a dialect's calls
    assert all(role in ("user", "assistant") for r in records for role, _ in r.turns)
