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


def not_a_string(label: str, value: Any) -> tuple[str, str] | None:
    """A value that must be a string (a message's role: `"role": 5` is wrong_type, not an
    unknown role); None when it is one."""
    return None if isinstance(value, str) else wrong_type(label, value, "a string")


def block_keys(block: dict, label: str) -> tuple[str, str] | None:
    """A Converse content block (an object without "type") names exactly one kind: `{}` is
    empty; a text block with another key beside its text is refused: the written block has
    no place for it and run never drops a field without a word (the Nova Forge SDK ignores
    such a key and SageMaker's converse schema allows it, but no format page says Bedrock
    takes one: docs/sources/formats-2026.md). None when neither: the block's reader judges
    its kind."""
    if not block:
        return "empty_field", f"{label} is an empty object, not a content block"
    if "text" in block and len(block) > 1:
        others = ", ".join(sorted(map(str, set(block) - {"text"})))
        return "invalid_record", (f'{label} holds {others} beside its text; a text block is '
                                  '{"text": ...} alone')
    return None
