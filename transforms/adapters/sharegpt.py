"""ShareGPT: {"conversations": [{"from", "value"}], "system"?, "tools"?, "images"?}; also under
"conversation" or "items", and turns given as {"role", "content"}. "images" is read as the
messages adapter reads it (one image; "<image>" marks removed).

Tool use (glaive, LLaMA-Factory; adapters/tool_use.py says how every dialect is read):
- "tools" (glaive's JSON text, or a list of plain or OpenAI-wrapped definitions) → Record.tools;
  text that is not JSON is bad_tool_definition.
- a function_call turn, {"name", "arguments"} as JSON text (or a list of them: parallel calls),
  → ("tool_call", ToolCall) parts with made-up ids "call_1", "call_2", ... in order;
- an observation (or "function", "tool") turn → ("tool", ToolResult) answering the oldest call
  not answered yet, its text as it is.
- a gpt turn starting with <think>…</think> → a ("reasoning", text) part before its text; a
  turn of reasoning alone is taken only before a function_call turn (the reasoning of a call).
"""
from __future__ import annotations

from typing import Any

import orjson

from tuneprep.transforms.adapters.common import (MEDIA_KEYS, Adapter, optional_system, refuse,
                                        require_dict, extras, strict_text, the_image,
                                        type_name, without_placeholders)
from tuneprep.transforms.adapters.tool_use import (Calls, assistant_text_parts, call_arguments,
                                                   call_name, read_tools)
from tuneprep.transforms.core.preferences import preference_fields, read_preference
from tuneprep.transforms.core.records import Record, Source
from tuneprep.transforms.core.tools import ToolCall

LIST_KEYS = ("conversations", "conversation", "items")
KEYS = LIST_KEYS + ("system",)
ROLES = {"human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant",
         "chatgpt": "assistant", "bard": "assistant", "bing": "assistant", "model": "assistant",
         "system": "system", "function_call": "tool_call", "observation": "tool",
         "function": "tool", "tool": "tool"}


def matches(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    for key in LIST_KEYS:
        turns = value.get(key)
        if isinstance(turns, list):
            # "items" is a common word: only a list of {"from": ...} turns makes it ShareGPT.
            return key != "items" or (bool(turns) and isinstance(turns[0], dict)
                                      and "from" in turns[0])
    return False


def normalize(value: Any, source: Source, opts) -> Record:
    record = require_dict(value, ADAPTER)
    key = next((k for k in LIST_KEYS if k in record), None)
    if key is None:
        raise refuse("missing_field", 'field "conversations" is missing')
    conversation = record[key]
    if not isinstance(conversation, list):
        raise refuse("wrong_type", f'field "{key}" is {type_name(conversation)}, not a list')
    if not conversation:
        raise refuse("empty_field", f'field "{key}" is empty')
    tools = read_tools(record)
    roles = [turn_role(t, f"{key}[{i}]") for i, t in enumerate(conversation)]
    calls = Calls()
    turns = [part for i, item in enumerate(conversation)
             for part in turn_parts(item, roles, i, f"{key}[{i}]", calls)]
    image = the_image(record, source, opts)
    if image is not None:
        turns = without_placeholders(turns)
    preference = read_preference(record)   # LLaMA-Factory's DPO / KTO columns
    fields, unread = extras(record, KEYS + MEDIA_KEYS, preference)
    return Record(source=source, turns=turns, system=optional_system(record), image=image,
                  fields=preference_fields(fields, preference), unread=unread,
                  tools=tools, preference=preference)


def turn_parts(item: dict, roles: list[str], index: int, label: str,
               calls: Calls) -> list[tuple[str, Any]]:
    role, text_key = roles[index], _keys(item)[1]
    text = strict_text(item[text_key], f"{label}.{text_key}")
    label = f"{label}.{text_key}"
    if role == "tool_call":
        return function_calls(text, label, calls)
    if role == "tool":
        return [calls.result(text, label)]
    if role != "assistant":
        return [(role, text)]
    parts = assistant_text_parts(text, [])
    calls_next = index + 1 < len(roles) and roles[index + 1] == "tool_call"
    if not calls_next and all(part_role == "reasoning" for part_role, _ in parts):
        raise refuse("empty_field", f"{label} holds reasoning and no answer")
    return parts


def function_calls(text: str, label: str, calls: Calls) -> list[tuple[str, ToolCall]]:
    """A function_call turn's calls: {"name", "arguments"} or a list of them, as JSON text."""
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise refuse("bad_tool_call", f"{label} is text that is not JSON ({error})") from None
    items = value if isinstance(value, list) and value else [value]
    parts = []
    for i, item in enumerate(items):
        where = f"{label}[{i}]" if isinstance(value, list) else label
        if not isinstance(item, dict):
            raise refuse("bad_tool_call", f"{where} is {type_name(item)}, not a call object")
        other = sorted(map(str, set(item) - {"name", "arguments"}))
        if other:
            raise refuse("bad_tool_call", f"{where} has the key {other[0]!r}; a call is "
                                          '{"name", "arguments"}')
        if "arguments" not in item:
            raise refuse("bad_tool_call", f"{where}.arguments is missing")
        parts.append(calls.add(ToolCall(calls.made_up_id(),
                                        call_name(item.get("name"), f"{where}.name"),
                                        call_arguments(item["arguments"], f"{where}.arguments"))))
    return parts


def _keys(item: dict) -> tuple[str, str]:
    return ("from", "value") if "from" in item or "value" in item else ("role", "content")


def turn_role(item: Any, label: str) -> str:
    if not isinstance(item, dict):
        raise refuse("wrong_type", f"{label} is {type_name(item)}, not an object")
    role_key, text_key = _keys(item)
    for key in (role_key, text_key):
        if key not in item:
            raise refuse("missing_field", f"{label}.{key} is missing")
    role = item[role_key]
    if not isinstance(role, str):
        raise refuse("wrong_type", f"{label}.{role_key} is {type_name(role)}, not a string")
    if role.lower() not in ROLES:
        raise refuse("unknown_role", f'{label}.{role_key} "{role}" is not a known role '
                     f"({', '.join(ROLES)})")
    return ROLES[role.lower()]


ADAPTER = Adapter("sharegpt", KEYS, matches, normalize)
