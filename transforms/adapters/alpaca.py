"""Alpaca: {"instruction", "input", "output", "system"?, "history"? [[q, a], ...]}."""
from __future__ import annotations

from typing import Any

from transforms.adapters.common import Adapter, instruction_record, require_dict, text_field
from transforms.records import Record, Source

KEYS = ("instruction", "input", "output", "system", "history")


def matches(value: Any) -> bool:
    return isinstance(value, dict) and "instruction" in value and "output" in value


def normalize(value: Any, source: Source, opts) -> Record:
    record = require_dict(value, ADAPTER)
    return instruction_record(record, source,
                              instruction=text_field(record, "instruction"),
                              context=text_field(record, "input", required=False),
                              response=text_field(record, "output"), used=KEYS)


ADAPTER = Adapter("alpaca", KEYS, matches, normalize)
