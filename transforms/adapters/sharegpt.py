"""ShareGPT: {"conversations": [{"from", "value"}], "system"?, "tools"?, "images"?}; also under
"conversation" or "items", and turns given as {"role", "content"}. function_call / observation
turns are tool turns; "tools" (glaive's JSON text, or a list) is kept as JSON text in
Record.fields, so a target that cannot write tools refuses the record rather than drop them.
"images" is read as the messages adapter reads it (one image; "<image>" marks removed)."""
from __future__ import annotations

from typing import Any

from tuneprep.transforms.adapters.common import (MEDIA_KEYS, Adapter, optional_system, refuse,
                                        require_dict, scalar_extras, strict_text, the_image,
                                        type_name, without_placeholders)
from tuneprep.transforms.core.records import Record, Source

LIST_KEYS = ("conversations", "conversation", "items")
KEYS = LIST_KEYS + ("system",)
ROLES = {"human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant",
         "chatgpt": "assistant", "bard": "assistant", "bing": "assistant", "model": "assistant",
         "system": "system", "function_call": "tool", "observation": "tool", "function": "tool",
         "tool": "tool"}


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
    turns = [turn(t, f"{key}[{i}]") for i, t in enumerate(conversation)]
    image = the_image(record, source, opts)
    if image is not None:
        turns = without_placeholders(turns)
    return Record(source=source, turns=turns, system=optional_system(record), image=image,
                  fields=scalar_extras(record, KEYS + MEDIA_KEYS))


def turn(item: Any, label: str) -> tuple[str, str]:
    if not isinstance(item, dict):
        raise refuse("wrong_type", f"{label} is {type_name(item)}, not an object")
    role_key, text_key = ("from", "value") if "from" in item or "value" in item else ("role",
                                                                                      "content")
    for key in (role_key, text_key):
        if key not in item:
            raise refuse("missing_field", f"{label}.{key} is missing")
    role = item[role_key]
    if not isinstance(role, str):
        raise refuse("wrong_type", f"{label}.{role_key} is {type_name(role)}, not a string")
    if role.lower() not in ROLES:
        raise refuse("unknown_role", f'{label}.{role_key} "{role}" is not a known role '
                     f"({', '.join(ROLES)})")
    return ROLES[role.lower()], strict_text(item[text_key], f"{label}.{text_key}")


ADAPTER = Adapter("sharegpt", KEYS, matches, normalize)
