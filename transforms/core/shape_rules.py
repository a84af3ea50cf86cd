"""The record-shape refusals `run` and `validate` both make (issue 22, one rule set): a list the
record needs that is empty, a value of the wrong JSON type, a key that is missing, a content part
of a kind the format does not take. `run` meets them as an adapter reads its input
(adapters/messages.py), `validate` as a target checks a written record
(targets/converse_check.py); each takes its (reason, message) from here, so the same record is
refused for the same rule with the same code by both commands. Pure Python."""
from __future__ import annotations

from typing import Any


def type_name(value: Any) -> str:
    """A value's JSON type, as the messages name it."""
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string",
            list: "a list", dict: "an object"}.get(type(value), type(value).__name__)


def empty(label: str) -> tuple[str, str]:
    """A list or text the record needs holds nothing: messages, a message's content."""
    return "empty_field", f"{label} is empty"


def wrong_type(label: str, value: Any, wanted: str) -> tuple[str, str]:
    return "wrong_type", f"{label} is {type_name(value)}, not {wanted}"


def missing(label: str) -> tuple[str, str]:
    return "missing_field", f"{label} is missing"


def unknown_part(label: str, kind: str, taken: str = "text") -> tuple[str, str]:
    """A content part or block of a kind the format does not take (Converse {"audio": ...})."""
    return "wrong_type", f'{label} is a "{kind}" part; only {taken} parts are supported'
