"""Chat messages: OpenAI {"messages": [{role, content}]}, Bedrock {"system", "messages"}, Bedrock
Converse (system and content as [{"text": ...}] blocks) and LLaMA-Factory v1 content parts."""
from __future__ import annotations

from typing import Any

from transforms.adapters.common import (Adapter, optional_system, refuse, require_dict,
                                        scalar_extras, strict_text, type_name)
from transforms.records import Record, Source

KEYS = ("messages", "system")
ROLES = {"system": "system", "developer": "system", "user": "user", "assistant": "assistant",
         "model": "assistant", "tool": "tool", "function": "tool"}


def matches(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("messages"), list)


def normalize(value: Any, source: Source, opts) -> Record:
    record = require_dict(value, ADAPTER)
    if "messages" not in record:
        raise refuse("missing_field", 'field "messages" is missing')
    messages = record["messages"]
    if not isinstance(messages, list):
        raise refuse("wrong_type", f'field "messages" is {type_name(messages)}, not a list')
    if not messages:
        raise refuse("empty_field", 'field "messages" is empty')
    turns = [turn(message, i) for i, message in enumerate(messages)]
    return Record(source=source, turns=turns, system=optional_system(record),
                  fields=scalar_extras(record, KEYS, {}))


def turn(message: Any, index: int) -> tuple[str, str]:
    label = f"messages[{index}]"
    if not isinstance(message, dict):
        raise refuse("wrong_type", f"{label} is {type_name(message)}, not an object")
    for key in ("role", "content"):
        if key not in message:
            raise refuse("missing_field", f"{label}.{key} is missing")
    role = message["role"]
    if not isinstance(role, str):
        raise refuse("wrong_type", f"{label}.role is {type_name(role)}, not a string")
    if role.lower() not in ROLES:
        raise refuse("unknown_role", f'{label}.role "{role}" is not a known role '
                     f"({', '.join(ROLES)})")
    return ROLES[role.lower()], content_text(message["content"], f"{label}.content")


def content_text(content: Any, label: str) -> str:
    """A string, or a list of text parts joined by newlines: OpenAI {"type": "text", "text"},
    LLaMA-Factory v1 {"type": "text", "value"}, Converse {"text"}."""
    if isinstance(content, list):
        if not content:
            raise refuse("empty_field", f"{label} is empty")
        content = "\n".join(part_text(part, f"{label}[{i}]") for i, part in enumerate(content))
    return strict_text(content, label)


def part_text(part: Any, label: str) -> str:
    if isinstance(part, str):
        return part
    if not isinstance(part, dict):
        raise refuse("wrong_type", f"{label} is {type_name(part)}, not a content part")
    kind = part.get("type", "text")
    text = part.get("text", part.get("value"))
    if kind != "text" or text is None:
        name = kind if "type" in part else "/".join(map(str, part)) or "empty"
        raise refuse("wrong_type", f'{label} is a "{name}" part; only text parts are supported')
    if not isinstance(text, str):
        raise refuse("wrong_type", f"{label}.text is {type_name(text)}, not a string")
    return text


ADAPTER = Adapter("messages", KEYS, matches, normalize)
