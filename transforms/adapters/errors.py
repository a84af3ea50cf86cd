"""The refusal every adapter raises (a RecordError of stage normalize) and the JSON type names
its messages use; apart from common.py so tool_use.py, which common.py uses, can share them."""
from __future__ import annotations

from typing import Any

from tuneprep.transforms.core.records import NORMALIZE, RecordError


def refuse(reason: str, message: str) -> RecordError:
    return RecordError(reason, message, NORMALIZE)


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string",
            list: "a list", dict: "an object"}.get(type(value), type(value).__name__)
