"""A whole-file JSON document: an array of records, one record, a {name: caption} map, or a
{"data": [...]} wrapper.

A document up to --max-record-bytes is parsed whole (it may be one record); a bigger one is
streamed (json_stream.py), its shape told from its first bytes. Either way each element of the
array, of the wrapper's list or of the map is one item, with line = index + 1.
"""
from __future__ import annotations

import io
from typing import Any, BinaryIO, Iterator

import orjson

from tuneprep.transforms.io.readers import (RAW_PREFIX_BYTES, RawItem, ReadOptions, read_error,
                                            strip_bom)
from tuneprep.transforms.io.readers.json_stream import (ARRAY, CHUNK, MAP, VALUE, JSONError, Layout,
                                            ijson, stream_elements, wrapper)
from tuneprep.transforms.io.readers.nesting import MAX_DEPTH, too_deep

TURN_KEYS = ("role", "from")
TURN_SAMPLE = 20     # list items looked at to tell a {"data": [...]} wrapper from a record's turns


def read_json_doc(stream: BinaryIO, opts: ReadOptions) -> Iterator[RawItem]:
    limit = opts.max_record_bytes
    head = stream.read(limit + 1)
    if len(head) <= limit:
        yield from read_whole(strip_bom(head))
        return
    head = strip_bom(head).lstrip()
    while not head:   # (a document can start with any amount of white space)
        if not (chunk := stream.read(CHUNK)):
            return
        head = chunk.lstrip()
    layout = layout_of(head)
    if layout is None:
        yield read_error(1, "record_too_large", "record too large: the JSON document is one "
                         f"record over {limit} bytes (--max-record-bytes)", head[:RAW_PREFIX_BYTES])
        return
    yield from stream_elements(head, stream, limit, layout)


def layout_of(head: bytes) -> Layout | None:
    """Where the records of a document are, from its first bytes; None for one record."""
    if head.startswith(b"{"):
        shape, key = object_shape(head)
        return None if shape == "record" else MAP if shape == "map" else wrapper(key)
    return ARRAY if head.startswith(b"[") else VALUE   # else one string or number, or not JSON


def read_whole(data: bytes) -> Iterator[RawItem]:
    """A document up to the size limit, parsed whole."""
    if not data.strip():
        return
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        layout = layout_of(data.lstrip())
        if layout not in (None, VALUE):   # the elements before the fault are good: stream them
            yield from stream_elements(data, io.BytesIO(), len(data), layout)
            return
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as bad:
            yield read_error(0, "invalid_utf8", f"invalid UTF-8: {bad}",
                             data[:RAW_PREFIX_BYTES])
            return
        if exc.msg.startswith("depth limit"):   # (orjson parses 1024 levels)
            yield read_error(0, "too_deep", f"too deep: the JSON document nests over {MAX_DEPTH} "
                             "levels", data[:RAW_PREFIX_BYTES])
            return
        yield read_error(0, "invalid_json", f"invalid JSON: {exc}",
                         data[:RAW_PREFIX_BYTES])
        return
    deep = too_deep(doc)   # one write of the whole settles the common case
    for index, value in enumerate(records_of(doc)):
        if deep and too_deep(value):
            yield read_error(index + 1, "too_deep", f"too deep: element {index + 1} of the JSON "
                             f"document nests over {MAX_DEPTH} levels")
        else:
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
    if any(isinstance(v, dict) and any(k in v for k in TURN_KEYS) for v in value[:TURN_SAMPLE]):
        return None
    return value


def object_shape(head: bytes) -> tuple[str, str | None]:
    """What a JSON object over the size limit is, from its first bytes (the old rules of
    records_of() on what they show): ("map", None) when every value is a string so far,
    ("wrapper", key) when its one key holds a list whose first items are not turns, else
    ("record", None): one record, too large. A wrapper's keys after its list are not read."""
    depth, key, values, items, shape = 0, None, 0, 0, "record"
    try:
        for event, value in ijson.basic_parse(io.BytesIO(head), use_float=True):
            if event in ("end_map", "end_array"):
                depth -= 1
                continue
            if depth == 1 and event == "map_key":
                if values and shape == "wrapper":   # a second key: the list is a field
                    return "record", None
                key = value if key is None else key
            elif depth == 1:   # a value of the object
                values += 1
                if event == "string" and (values == 1 or shape == "map"):
                    shape = "map"
                elif event == "start_array" and values == 1:
                    shape = "wrapper"
                else:
                    return "record", None
            elif depth == 2 and shape == "wrapper":   # an item of the list starts
                items += 1
                if items > TURN_SAMPLE:
                    break
            elif depth == 3 and shape == "wrapper" and event == "map_key" and value in TURN_KEYS:
                return "record", None   # {"messages": [...]}: one conversation
            if event in ("start_map", "start_array"):
                depth += 1
                if depth > MAX_DEPTH + 2:   # (streaming reports the element too deep)
                    break
    except (JSONError, UnicodeDecodeError):
        pass   # the head ends inside the document, or the document is bad (streaming tells)
    return shape, key if shape == "wrapper" else None
