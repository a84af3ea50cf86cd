"""Prompt/completion pairs: {"prompt", "completion", "system"?} (Bedrock text-to-text and
similar); a system prompt is read as the other conversation adapters read it."""
from __future__ import annotations

from typing import Any

from tuneprep.transforms.adapters.common import (Adapter, optional_system, require_dict, extras,
                                        text_field)
from tuneprep.transforms.adapters.tool_use import read_tools
from tuneprep.transforms.core.records import Record, Source

KEYS = ("prompt", "completion")


def matches(value: Any) -> bool:
    return isinstance(value, dict) and "prompt" in value and "completion" in value


def normalize(value: Any, source: Source, opts) -> Record:
    record = require_dict(value, ADAPTER)
    prompt = text_field(record, "prompt")
    completion = text_field(record, "completion")
    fields, unread = extras(record, KEYS + ("system",))
    # an instruction-shaped pair whose context is "" (Record.context; the id counts it)
    return Record(source=source, turns=[("user", prompt), ("assistant", completion)],
                  system=optional_system(record), context="", fields=fields, unread=unread,
                  tools=read_tools(record))


ADAPTER = Adapter("prompt-completion", KEYS, matches, normalize)
