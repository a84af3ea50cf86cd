"""Chat messages: OpenAI {"messages": [{role, content}]}, Bedrock {"system", "messages"}, Bedrock
Converse (system and content as [{"text": ...}] blocks) and LLaMA-Factory v1 content parts.

LLaMA-Factory's multimodal records add {"images": ["mllm_demo_data/1.jpg"]}: one image becomes
Record.image, a relative path resolved as the image-caption adapter does (against --image-root,
else the file's folder); more than one is refused (too_many_media: the canonical record carries
one image), never dropped; an absent, null or empty list is a text-only record. The user text
marks where the image goes with a literal "<image>" placeholder; when the record has its image,
every "<image>" is removed from the user turns (and the turn's ends stripped), since the
target's image block carries the image instead (bedrock-conversation puts it before the text of
the first user turn, wherever the placeholder was; Nova reserves the word "<image>"). A record
without an image keeps its text as it is. A "videos" or "audios" list is refused
(not_taken_by_model), never dropped.

Tools: an assistant message with "tool_calls" (or the older "function_call") is a tool turn, and
the record's tool definitions ("tools", "functions", Converse "toolConfig") are kept as JSON
text in Record.fields: a target that cannot write them refuses the record (tool_turn), or
drops them with --repair drop_tool_turns. Other message keys (name, weight) are not read.
"""
from __future__ import annotations

from typing import Any

import orjson

from tuneprep.transforms.adapters.common import (MEDIA_KEYS, Adapter, optional_system, refuse,
                                        require_dict, scalar_extras, strict_text, the_image,
                                        type_name, without_placeholders)
from tuneprep.transforms.core.records import Record, Source

KEYS = ("messages", "system")
ROLES = {"system": "system", "developer": "system", "user": "user", "assistant": "assistant",
         "model": "assistant", "tool": "tool", "function": "tool"}
CALL_KEYS = ("tool_calls", "function_call")   # an assistant message that calls a tool


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
    image = the_image(record, source, opts)
    if image is not None:
        turns = without_placeholders(turns)
    return Record(source=source, turns=turns, system=optional_system(record), image=image,
                  fields=scalar_extras(record, KEYS + MEDIA_KEYS))


def turn(message: Any, index: int) -> tuple[str, str]:
    label = f"messages[{index}]"
    if not isinstance(message, dict):
        raise refuse("wrong_type", f"{label} is {type_name(message)}, not an object")
    calls = next((message[key] for key in CALL_KEYS if message.get(key)), None)
    if calls is not None:
        # a tool call is a tool turn (as ShareGPT's function_call): targets refuse it
        # (tool_turn) or drop it with --repair drop_tool_turns, never write it without its call
        content = message.get("content")
        text = orjson.dumps(calls).decode()
        return "tool", (f"{content}\n{text}" if isinstance(content, str) and content.strip()
                        else text)
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
