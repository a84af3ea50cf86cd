"""Prompt/completion pairs: {"prompt", "completion"} (Bedrock text-to-text and similar)."""
from __future__ import annotations

from typing import Any

from transforms.adapters.common import Adapter, require_dict, scalar_extras, text_field
from transforms.records import Record, Source

KEYS = ("prompt", "completion")


def matches(value: Any) -> bool:
    return isinstance(value, dict) and "prompt" in value and "completion" in value


def normalize(value: Any, source: Source, opts) -> Record:
    record = require_dict(value, ADAPTER)
    prompt = text_field(record, "prompt")
    completion = text_field(record, "completion")
    fields = {"instruction": prompt, "context": "", "response": completion}
    return Record(source=source, turns=[("user", prompt), ("assistant", completion)],
                  fields=scalar_extras(record, KEYS, fields))


ADAPTER = Adapter("prompt-completion", KEYS, matches, normalize)
