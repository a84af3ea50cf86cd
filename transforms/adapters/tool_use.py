"""Tool use and reasoning read into the canonical parts (transforms/core/tools.py), the same for
every dialect that has them:

- tool definitions under "tools" (OpenAI's [{"type": "function", "function": {...}}], or
  glaive / LLaMA-Factory's plain [{"name", "description", "parameters"}], as a list or as its
  JSON text), "functions" (OpenAI's older name, plain items) and "toolConfig" (Converse,
  {"tools": [{"toolSpec": {"name", "description", "inputSchema": {"json": {...}}}}]}) →
  Record.tools, in that order. A definition the canonical ToolSpec cannot hold whole (a key it
  has no place for, a tool of another type than a function) is refused (bad_tool_definition),
  never written without it.
- a call's arguments: a JSON object, or its JSON text (decoded); anything else bad_tool_call.
- calls a dialect gives no id (ShareGPT function_call, OpenAI's older function_call) get one
  made up in order: "call_1", "call_2", ... (Calls.made_up_id).
- a result a dialect gives no id (ShareGPT observation, OpenAI's older "function" message)
  answers the OLDEST call not answered yet (of its name, when it names one). Results come in
  the order of their calls in every dialect seen: LLaMA-Factory writes parallel calls as
  function_call, function_call, observation, observation (LlamaFactory issue #9585); with one
  call at a time, oldest and latest are the same call.
- reasoning: a "reasoning_content" / "reasoning" text on an assistant message, a Converse
  reasoningContent block, or a leading <think>…</think> of an assistant text (tools.split_think)
  → a ("reasoning", text) part before the text. Only the conversation adapters (messages,
  sharegpt) split <think>: an instruction record's output is one completion, written as it is.

Pure Python.
"""
from __future__ import annotations

from typing import Any

import orjson

from tuneprep.transforms.adapters.errors import refuse, type_name
from tuneprep.transforms.core.tools import ToolCall, ToolResult, ToolSpec, split_think

TOOL_KEYS = ("tools", "functions", "toolConfig")   # the top-level keys read into Record.tools
PLAIN_TOOL_KEYS = {"name", "description", "parameters", "strict"}


def read_tools(record: dict) -> list[ToolSpec] | None:
    """Every tool definition of the record, None when it defines none ("", "[]", [], null)."""
    specs: list[ToolSpec] = []
    for key in TOOL_KEYS:
        value = record.get(key)
        if isinstance(value, str):
            value = _decoded_definitions(value, key)
        if value in (None, [], {}):
            continue
        if key == "toolConfig":
            value = _converse_tools(value)
        if not isinstance(value, list):
            raise _bad_definition(f'field "{key}" is {type_name(value)}, not a list of tools')
        specs += [tool_spec(item, f"{key}[{i}]") for i, item in enumerate(value)]
    return specs or None


def _decoded_definitions(text: str, key: str) -> Any:
    if not text.strip():
        return None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise _bad_definition(f'field "{key}" is text that is not JSON ({error})') from None


def _converse_tools(config: Any) -> Any:
    if not isinstance(config, dict):
        raise _bad_definition(f'field "toolConfig" is {type_name(config)}, not an object')
    other = sorted(set(config) - {"tools"})
    if other:   # toolChoice: the canonical record has no place for it
        raise _bad_definition(f'toolConfig.{other[0]} is not carried by the canonical record; '
                              "the record is refused rather than written without it")
    return config.get("tools")


def tool_spec(item: Any, label: str) -> ToolSpec:
    """One definition, in any of the three shapes: plain, OpenAI's wrapped, Converse's."""
    if not isinstance(item, dict):
        raise _bad_definition(f"{label} is {type_name(item)}, not an object")
    if "toolSpec" in item:
        return _converse_spec(item, label)
    if "type" in item or "function" in item:
        if item.get("type", "function") != "function" or set(item) - {"type", "function"}:
            raise _bad_definition(f'{label} is not a {{"type": "function", "function": {{...}}}} '
                                  "tool; only function tools are carried")
        item, label = item.get("function"), f"{label}.function"
        if not isinstance(item, dict):
            raise _bad_definition(f"{label} is {type_name(item)}, not an object")
    return _plain_spec(item, label)


def _plain_spec(item: dict, label: str) -> ToolSpec:
    _only_keys(item, PLAIN_TOOL_KEYS, label)
    strict = item.get("strict")
    if strict is not None and not isinstance(strict, bool):
        raise _bad_definition(f"{label}.strict is {type_name(strict)}, not a boolean")
    return ToolSpec(name=_tool_name(item.get("name"), label),
                    description=_description(item.get("description"), label),
                    parameters=_schema(item.get("parameters"), f"{label}.parameters"),
                    strict=strict)


def _converse_spec(item: dict, label: str) -> ToolSpec:
    _only_keys(item, {"toolSpec"}, label)
    spec, label = item["toolSpec"], f"{label}.toolSpec"
    if not isinstance(spec, dict):
        raise _bad_definition(f"{label} is {type_name(spec)}, not an object")
    _only_keys(spec, {"name", "description", "inputSchema"}, label)
    schema = spec.get("inputSchema")
    if schema is not None:
        if not isinstance(schema, dict):
            raise _bad_definition(f"{label}.inputSchema is {type_name(schema)}, not an object")
        _only_keys(schema, {"json"}, f"{label}.inputSchema")
        schema = schema.get("json")
    return ToolSpec(name=_tool_name(spec.get("name"), label),
                    description=_description(spec.get("description"), label),
                    parameters=_schema(schema, f"{label}.inputSchema.json"))


def _only_keys(item: dict, known: set, label: str) -> None:
    other = sorted(map(str, set(item) - known))
    if other:
        raise _bad_definition(f"{label} has the key {other[0]!r}, which the canonical tool "
                              f"definition has no place for ({', '.join(sorted(known))}); the "
                              "record is refused rather than written without it")


def _tool_name(name: Any, label: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise _bad_definition(f"{label}.name is {_shown(name)}, not a tool name")
    return name


def _description(description: Any, label: str) -> str | None:
    if description is not None and not isinstance(description, str):
        raise _bad_definition(f"{label}.description is {type_name(description)}, not a string")
    return description


def _schema(schema: Any, label: str) -> dict | None:
    if isinstance(schema, str):   # a schema given as its JSON text
        try:
            schema = orjson.loads(schema)
        except orjson.JSONDecodeError:
            raise _bad_definition(f"{label} is text that is not JSON") from None
    if schema is not None and not isinstance(schema, dict):
        raise _bad_definition(f"{label} is {type_name(schema)}, not a JSON-Schema object")
    return schema


def _bad_definition(message: str):
    return refuse("bad_tool_definition", message)


def _shown(value: Any) -> str:
    return "empty" if value == "" else type_name(value) if not isinstance(value, str) else \
        "blank"


# --- calls and results ------------------------------------------------------------------------

def call_arguments(arguments: Any, label: str) -> dict:
    """A call's arguments as an object: given as one, or as its JSON text."""
    if isinstance(arguments, str):
        try:
            arguments = orjson.loads(arguments)
        except orjson.JSONDecodeError as error:
            raise refuse("bad_tool_call", f"{label} is text that is not JSON ({error})") from None
    if not isinstance(arguments, dict):
        raise refuse("bad_tool_call", f"{label} is {type_name(arguments)}, not a JSON object")
    return arguments


def call_name(name: Any, label: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise refuse("bad_tool_call", f"{label} is {_shown(name)}, not a tool name")
    return name


def tool_id(value: Any, label: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise refuse("unmatched_tool_id", f"{label} is {_shown(value)}, not a tool call id")
    return value


class Calls:
    """The calls of one record in order, which of them are answered, and the ids made up for
    dialects without ids."""

    def __init__(self) -> None:
        self.calls: list[ToolCall] = []
        self.answered: set[str] = set()

    def add(self, call: ToolCall) -> tuple[str, ToolCall]:
        self.calls.append(call)
        return "tool_call", call

    def made_up_id(self) -> str:
        ids = {call.id for call in self.calls}
        number = len(self.calls) + 1
        while f"call_{number}" in ids:
            number += 1
        return f"call_{number}"

    def answered_by_id(self, call_id: str) -> str:
        self.answered.add(call_id)
        return call_id

    def oldest_unanswered(self, name: str | None, label: str) -> ToolCall:
        """The call an id-less result answers (marked answered): the oldest not answered yet,
        of this name when the result names one."""
        for call in self.calls:
            if call.id not in self.answered and (name is None or call.name == name):
                self.answered.add(call.id)
                return call
        named = f" to {name!r}" if name else ""
        raise refuse("unmatched_tool_id", f"{label} is a tool result with no call{named} "
                                          "before it left to answer")

    def result(self, content: Any, label: str, name: str | None = None) -> tuple[str, ToolResult]:
        call = self.oldest_unanswered(name, label)
        return "tool", ToolResult(call.id, content, name)


def result_text(content: Any, label: str) -> str:
    """A tool result given as text: a non-empty string (bad_tool_result otherwise)."""
    if not isinstance(content, str):
        raise refuse("bad_tool_result", f"{label} is {type_name(content)}, not text")
    if not content.strip():
        raise refuse("bad_tool_result", f"{label} is empty")
    return content


# --- reasoning --------------------------------------------------------------------------------

REASONING_KEYS = ("reasoning_content", "reasoning")


def given_reasoning(message: dict, label: str) -> list[str]:
    """The reasoning texts an assistant message gives apart from its content."""
    texts = []
    for key in REASONING_KEYS:
        value = message.get(key)
        if value is None or value == "":
            continue
        if not isinstance(value, str):
            raise refuse("wrong_type", f"{label}.{key} is {type_name(value)}, not a string")
        texts.append(value)
    return texts


def assistant_text_parts(text: str, reasoning: list[str]) -> list[tuple[str, str]]:
    """The parts of an assistant text: its reasoning (given apart, and a leading <think> block
    split off the text) as one ("reasoning", ...) part, then the answer text when not blank.
    An empty <think></think> (Qwen3's mark of a turn without thinking) gives no part."""
    thought, answer = split_think(text)
    texts = [t for t in reasoning + ([thought] if thought else []) if t.strip()]
    parts = [("reasoning", "\n\n".join(texts))] if texts else []
    if answer.strip():
        parts.append(("assistant", answer))
    return parts
