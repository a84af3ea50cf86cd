"""Tool use survives a round trip through the dialects: OpenAI chat → canonical → Bedrock Converse
(nova-2-lite, the one Nova model that takes tool blocks) → canonical → OpenAI chat keeps every
tool definition, call, id, argument and result, with real `tuneprep run`s in between
(DirectRunner, in-process). Nova 1 (nova-lite) refuses the same records rather than lose their
tool use."""
from __future__ import annotations

import orjson

from tuneprep.pipelines.cli import main
from tuneprep.transforms.targets.models import get_model

from tests.helpers import read_json, read_jsonl, write_jsonl

WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "The current weather of a city.",
    "parameters": {"type": "object", "properties": {
        "city": {"type": "string"}, "units": {"type": "string", "enum": ["C", "F"]}},
        "required": ["city"]}}}
SEARCH = {"type": "function", "function": {
    "name": "search_flights", "description": "Flights between two airports on a day.",
    "parameters": {"type": "object", "properties": {
        "from": {"type": "string"}, "to": {"type": "string"},
        "date": {"type": "string", "format": "date"}}}}}


def _call(call_id, name, arguments):
    return {"id": call_id, "type": "function",
            "function": {"name": name, "arguments": orjson.dumps(arguments).decode()}}


BASE = [
    {"tools": [WEATHER], "messages": [
        {"role": "system", "content": "Answer with the tools you have."},
        {"role": "user", "content": "Weather in Paris and in Rome, in C?"},
        {"role": "assistant", "content": None, "tool_calls": [
            _call("call_a1", "get_weather", {"city": "Paris", "units": "C"}),
            _call("call_b2", "get_weather", {"city": "Rome", "units": "C"})]},
        {"role": "tool", "tool_call_id": "call_a1", "content": "18, cloudy"},
        {"role": "tool", "tool_call_id": "call_b2", "content": "24, sunny"},
        {"role": "assistant", "content": "Paris: 18 °C, cloudy. Rome: 24 °C, sunny."}]},
    {"tools": [WEATHER, SEARCH], "messages": [
        {"role": "system", "content": "Answer with the tools you have."},
        {"role": "user", "content": "A flight LIS→OSL on 2026-12-24, and the weather there?"},
        {"role": "assistant", "content": "Looking both up.", "tool_calls": [
            _call("t-1", "search_flights", {"from": "LIS", "to": "OSL", "date": "2026-12-24",
                                            "nested": {"seats": [1, 2], "ok": True}})]},
        {"role": "tool", "tool_call_id": "t-1", "content": '{"flights": ["TP1234"]}'},
        {"role": "assistant", "content": None, "tool_calls": [
            _call("t-2", "get_weather", {"city": "Oslo"})]},
        {"role": "tool", "tool_call_id": "t-2", "content": "-4, snow"},
        {"role": "assistant", "content": "TP1234 flies; Oslo has -4 °C and snow."}]},
]




def _variant(record: dict, n: int) -> dict:
    """The record with its question and call ids numbered (Nova 2 Lite takes 200 training
    records at least)."""
    text = orjson.dumps(record).decode()
    for call_id in ("call_a1", "call_b2", "t-1", "t-2"):
        text = text.replace(f'"{call_id}"', f'"{call_id}-{n}"')
    variant = orjson.loads(text)
    variant["messages"][1]["content"] += f" (question {n})"
    return variant


RECORDS = [_variant(record, n) for n in range(get_model("nova-2-lite").min_records // len(BASE))
           for record in BASE]


def _run(capsys, source, target, out, *extra) -> list[dict]:
    code = main(["run", "--input", str(source), "--target", target, "--output", str(out),
                 *extra])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert orjson.loads((out / "report.json").read_bytes())["dead_letter_records"] == 0
    return read_jsonl(out / "train/train.jsonl")


def _calls(record) -> list[tuple]:
    return [(c["id"], c["function"]["name"], orjson.loads(c["function"]["arguments"]))
            for m in record["messages"] for c in m.get("tool_calls", ())]


def _results(record) -> list[tuple]:
    return [(m["tool_call_id"], m["content"]) for m in record["messages"] if m["role"] == "tool"]


def test_openai_to_converse_and_back_keeps_every_call_id_and_argument(tmp_path, capsys):
    source = write_jsonl(tmp_path / "openai.jsonl", RECORDS)
    direct = _run(capsys, source, "openai-chat", tmp_path / "direct")
    converse = _run(capsys, source, "bedrock-conversation", tmp_path / "converse",
                    "--model", "nova-2-lite")
    # Converse as AWS writes it: toolConfig, toolUse in assistant turns, the two results of the
    # parallel calls merged into one user turn
    first = converse[0]
    assert [t["toolSpec"]["name"] for t in first["toolConfig"]["tools"]] == ["get_weather"]
    assert first["toolConfig"]["tools"][0]["toolSpec"]["inputSchema"]["json"] == \
        WEATHER["function"]["parameters"]
    assert [m["role"] for m in first["messages"]] == ["user", "assistant", "user", "assistant"]
    assert [b["toolUse"]["toolUseId"] for b in first["messages"][1]["content"]] == [
        "call_a1-0", "call_b2-0"]
    assert [b["toolResult"]["toolUseId"] for b in first["messages"][2]["content"]] == [
        "call_a1-0", "call_b2-0"]

    back = _run(capsys, tmp_path / "converse/train/train.jsonl", "openai-chat",
                tmp_path / "back")
    assert back == direct
    for original, final in zip(RECORDS, back):
        assert _calls(final) == _calls(original)
        assert _results(final) == _results(original)
        assert final["tools"] == original["tools"]
        assert [m["role"] for m in final["messages"]] == [m["role"] for m in original["messages"]]
        assert [m.get("content") for m in final["messages"]] == [
            m.get("content") for m in original["messages"]]


def test_nova_1_refuses_the_tool_use_it_cannot_write(tmp_path, capsys):
    """The same records for nova-lite: each is a tool_turn dead letter (Nova 1 takes no tool
    blocks), so no training record is left and the run fails, writing nothing."""
    source = write_jsonl(tmp_path / "openai.jsonl", RECORDS)
    out = tmp_path / "nova1"
    code = main(["run", "--input", str(source), "--target", "bedrock-conversation",
                 "--model", "nova-lite", "--output", str(out)])
    err = capsys.readouterr().err
    assert code == 1
    assert f"train has 0 records; nova-lite needs at least {get_model('nova-lite').min_records}" \
        in err
    report = read_json(out / "report.json")
    assert report["dead_letter_reasons"] == {"tool_turn": len(RECORDS)}
    assert not (out / "train").exists() and not (out / "_SUCCESS").exists()
