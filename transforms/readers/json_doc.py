"""A whole-file JSON document: an array of records, one record, a {name: caption} map, or a
{"data": [...]} wrapper."""
from __future__ import annotations

from typing import Any, BinaryIO, Iterator

import orjson

from transforms.readers import RAW_PREFIX_BYTES, RawItem, ReadOptions, read_error
from transforms.readers.opening import one_line, strip_bom

# The document is parsed whole; a generous bound keeps a wrong input from exhausting memory.
MAX_DOCUMENT_BYTES = 2 << 30
TURN_KEYS = ("role", "from")


def read_json_doc(stream: BinaryIO, opts: ReadOptions) -> Iterator[RawItem]:
    data = stream.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        yield read_error(0, "record_too_large",
                         f"record too large: JSON document is over {MAX_DOCUMENT_BYTES} bytes; "
                         "use JSON Lines", data[:RAW_PREFIX_BYTES])
        return
    data = strip_bom(data)
    if not data.strip():
        return
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as bad:
            yield read_error(0, "invalid_utf8", f"invalid UTF-8: {one_line(bad)}",
                             data[:RAW_PREFIX_BYTES])
            return
        yield read_error(0, "invalid_json", f"invalid JSON: {one_line(exc)}",
                         data[:RAW_PREFIX_BYTES])
        return
    for index, value in enumerate(records_of(doc)):
        yield RawItem(index + 1, value)


def records_of(doc: Any) -> list:
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict) and doc:
        if all(isinstance(v, str) for v in doc.values()):
            return [{"image": name, "caption": caption} for name, caption in doc.items()]
        wrapped = single_list_value(doc)
        if wrapped is not None:
            return wrapped
    return [doc]


def single_list_value(doc: dict) -> list | None:
    """The list of {"data": [...]}; None when the one list is a record's own turns
    ({"messages": [...]} is one conversation, not a wrapper)."""
    if len(doc) != 1:
        return None
    (value,) = doc.values()
    if not isinstance(value, list):
        return None
    if any(isinstance(v, dict) and any(k in v for k in TURN_KEYS) for v in value[:20]):
        return None
    return value
