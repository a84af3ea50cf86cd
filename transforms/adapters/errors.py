"""The refusal every adapter raises (a RecordError of stage normalize) and the JSON type names
its messages use (core/shape_rules.py's, shared with the targets' checks); apart from common.py
so tool_use.py, which common.py uses, can share them."""
from __future__ import annotations

from tuneprep.transforms.core.records import NORMALIZE, RecordError
from tuneprep.transforms.core.shape_rules import type_name  # noqa: F401 (the adapters' name)


def refuse(reason: str, message: str) -> RecordError:
    return RecordError(reason, message, NORMALIZE)
