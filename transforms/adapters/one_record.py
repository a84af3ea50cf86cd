"""Whether a JSON document holding one list of objects beside other keys is one record an
adapter reads ({"text": ..., "tools": [...]}), not a wrapper of records ({"version": "1.0",
"data": [...]}). The JSON document reader asks it through ReadOptions.one_record, which the
config's builder sets: the readers know no adapter (the storage-readers contract)."""
from __future__ import annotations

from tuneprep.transforms.adapters import detect
from tuneprep.transforms.adapters.tool_use import TOOL_KEYS


def is_one_record(doc: dict, list_key: str) -> bool:
    """The list is a record's tools, or an adapter reads the document as it is."""
    return list_key in TOOL_KEYS or detect([doc]) is not None
