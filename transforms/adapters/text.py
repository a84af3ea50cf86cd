"""Plain documents: a string, or an object with the text under text/content/input/document/body
(the first of these keys the record has; the other fields are metadata)."""
from __future__ import annotations

from typing import Any

from tuneprep.transforms.adapters.common import (Adapter, refuse, require_dict, extras,
                                        text_field)
from tuneprep.transforms.adapters.tool_use import read_tools
from tuneprep.transforms.core.records import Record, Source

KEYS = ("text", "content", "input", "document", "body")


def matches(value: Any) -> bool:
    return isinstance(value, str) or (
        isinstance(value, dict) and any(isinstance(value.get(k), str) for k in KEYS))


def normalize(value: Any, source: Source, opts) -> Record:
    if isinstance(value, str):
        if not value or value.isspace():
            raise refuse("empty_field", "the document is empty")
        return Record(source=source, text=value)
    record = require_dict(value, ADAPTER)
    key = next(k for k in KEYS if k in record)
    text = text_field(record, key)
    # tool definitions beside a document are read, so a target refuses them, never drops them
    fields, unread = extras(record, (key,))
    return Record(source=source, text=text, fields=fields, unread=unread,
                  tools=read_tools(record))


ADAPTER = Adapter("text", KEYS, matches, normalize)
