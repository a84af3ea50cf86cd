"""What the adapters share: the Adapter type, field checks that raise RecordError, and the
instruction-shaped record builder."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from transforms.records import NORMALIZE, Record, RecordError, Source

SCALARS = (str, int, float, bool)


@dataclass(frozen=True, slots=True)
class Adapter:
    name: str
    keys: tuple[str, ...]                  # the source keys this shape is made of
    matches: Callable[[Any], bool]          # does one raw value look like this shape?
    normalize: Callable[[Any, Source, Any], Record]   # (value, source, AdapterOptions) -> Record


def refuse(reason: str, message: str) -> RecordError:
    return RecordError(reason, message, NORMALIZE)


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string",
            list: "a list", dict: "an object"}.get(type(value), type(value).__name__)


def require_dict(value: Any, adapter: Adapter) -> dict:
    if not isinstance(value, dict):
        raise refuse("wrong_type", f"record is {type_name(value)}, not an object "
                     f"({adapter.name} records are objects)")
    if value.keys().isdisjoint(adapter.keys):
        found = ", ".join(list(map(str, value))[:8]) or "none"
        raise refuse("unknown_format", f"record has none of the {adapter.name} fields "
                     f"({', '.join(adapter.keys)}); its keys: {found}")
    return value


def text_field(record: dict, key: str, required: bool = True, label: str | None = None) -> str:
    """A string field; numbers become text. Optional fields that are absent or null give ""."""
    value = record.get(key)
    if type(value) is str and (not required or (value and not value.isspace())):
        return value  # the common case, without building a label
    label = label or f'field "{key}"'
    if key not in record:
        if required:
            raise refuse("missing_field", f"{label} is missing")
        return ""
    value = record[key]
    if value is None and not required:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise refuse("wrong_type", f"{label} is {type_name(value)}, not a string")
    if required and (not value or value.isspace()):
        raise refuse("empty_field", f"{label} is empty")
    return value


def strict_text(value: Any, label: str) -> str:
    """A string that must be given as a string (turn contents, roles)."""
    if not isinstance(value, str):
        raise refuse("wrong_type", f"{label} is {type_name(value)}, not a string")
    if not value or value.isspace():
        raise refuse("empty_field", f"{label} is empty")
    return value


def scalar_extras(record: dict, used: tuple[str, ...] | set[str], fields: dict) -> dict:
    """Adds the other top-level scalar fields, so a template can name them; never overrides."""
    for key, value in record.items():
        if key not in used and key not in fields and isinstance(value, SCALARS):
            fields[key] = value
    return fields


def optional_system(record: dict) -> str | None:
    """A top-level system prompt: a string, or Converse-style [{"text": ...}] blocks."""
    value = record.get("system")
    if value is None:
        return None
    if isinstance(value, list):
        value = "\n".join(strict_text(block.get("text") if isinstance(block, dict) else block,
                                      f"system[{i}].text") for i, block in enumerate(value))
    if not isinstance(value, str):
        raise refuse("wrong_type", f'field "system" is {type_name(value)}, not a string')
    return value or None


def history_turns(record: dict) -> list[tuple[str, str]]:
    """Alpaca-style history [[question, answer], ...], oldest first."""
    history = record.get("history")
    if history is None:
        return []
    if not isinstance(history, list):
        raise refuse("wrong_type", f'field "history" is {type_name(history)}, not a list')
    turns = []
    for i, pair in enumerate(history):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise refuse("wrong_type", f"history[{i}] is not a [question, answer] pair")
        turns.append(("user", strict_text(pair[0], f"history[{i}][0]")))
        turns.append(("assistant", strict_text(pair[1], f"history[{i}][1]")))
    return turns


def instruction_record(record: dict, source: Source, instruction: str, context: str,
                       response: str, used: tuple[str, ...]) -> Record:
    system = optional_system(record)
    user = instruction if (not context or context.isspace()) else f"{instruction}\n\n{context}"
    fields = {"instruction": instruction, "context": context, "response": response}
    if system is not None:
        fields["system"] = system
    return Record(source=source,
                  turns=history_turns(record) + [("user", user), ("assistant", response)],
                  system=system, fields=scalar_extras(record, used, fields))


def instruction_adapter(name: str, context_key: str, response_key: str) -> Adapter:
    """An instruction-shaped adapter ({"instruction", context, response, "system"?, "history"?}):
    Alpaca and Dolly differ only in the names of the context and response fields."""
    keys = ("instruction", context_key, response_key, "system", "history")

    def matches(value: Any) -> bool:
        return isinstance(value, dict) and "instruction" in value and response_key in value

    def normalize(value: Any, source: Source, opts) -> Record:
        record = require_dict(value, adapter)
        return instruction_record(record, source,
                                  instruction=text_field(record, "instruction"),
                                  context=text_field(record, context_key, required=False),
                                  response=text_field(record, response_key), used=keys)

    adapter = Adapter(name, keys, matches, normalize)
    return adapter
