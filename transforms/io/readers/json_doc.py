"""A whole-file JSON document: an array of records, one record, a {name: caption} map, or a
{"data": [...]} wrapper (beside which other keys may sit: {"version": "1.0", "data": [...]}), or
the list of records at --records-path (a dotted path: "data", "payload.items").

A document up to --max-record-bytes is parsed whole (it may be one record); a bigger one is
streamed (json_stream.py), its shape told from its first bytes. Either way each element of the
array, of the wrapper's list or of the map is one item, record index + 1 (RawItem.unit RECORD).
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any, BinaryIO, Callable, Iterator

import orjson

from tuneprep.transforms.core.records import RECORD
from tuneprep.transforms.io.readers import (RAW_PREFIX_BYTES, RawItem, ReadOptions, read_error,
                                            strip_bom)
from tuneprep.transforms.io.readers.array_elements import array_items
from tuneprep.transforms.io.readers.json_stream import (ARRAY, CHUNK, MAP, VALUE, JSONError, Layout,
                                            ijson, stream_elements, wrapper)
from tuneprep.transforms.io.readers.nesting import MAX_DEPTH, too_deep

TURN_KEYS = ("role", "from")
TURN_SAMPLE = 20     # list items looked at to tell a {"data": [...]} wrapper from a record's turns

# ReadOptions.one_record: (the document, the key of its one list) → whether it is one record
OneRecord = Callable[[dict, str], bool] | None


def read_json_doc(stream: BinaryIO, opts: ReadOptions) -> Iterator[RawItem]:
    """The document's records, each counted as a record (its index, 1-based), not a line: the
    lines of a pretty-printed document say nothing of where a record is."""
    for item in _read_json_doc(stream, opts):
        if item.line:   # (0: the file as a whole)
            item.unit = RECORD
        yield item


def _read_json_doc(stream: BinaryIO, opts: ReadOptions) -> Iterator[RawItem]:
    limit = opts.max_record_bytes
    head = stream.read(limit + 1)
    if len(head) <= limit:
        yield from read_whole(strip_bom(head), opts.records_path, opts.one_record)
        return
    head = strip_bom(head).lstrip()
    while not head:   # (a document can start with any amount of white space)
        if not (chunk := stream.read(CHUNK)):
            return
        head = chunk.lstrip()
    layout = path_layout(opts.records_path) if opts.records_path else layout_of(head)
    if layout is None:
        yield read_error(1, "record_too_large", "record too large: the JSON document is one "
                         f"record over {limit} bytes (--max-record-bytes); if it wraps a list "
                         "of records, name it with --records-path KEY", head[:RAW_PREFIX_BYTES])
        return
    yield from stream_elements(head, stream, limit, layout)


def layout_of(head: bytes) -> Layout | None:
    """Where the records of a document are, from its first bytes; None for one record."""
    if head.startswith(b"{"):
        shape, key = object_shape(head)
        return None if shape == "record" else MAP if shape == "map" else wrapper(key)
    return ARRAY if head.startswith(b"[") else VALUE   # else one string or number, or not JSON


def path_layout(path: str) -> Layout:
    """The list at a dotted --records-path, streamed."""
    parts = path.split(".")
    opener = b"".join(b"{" + orjson.dumps(p) + b":" for p in parts) + b"["
    return Layout(f"{path}.item", False, len(parts) + 1, opener)


def at_path(doc: Any, path: str) -> tuple[list | None, str]:
    """The list at a dotted path of doc, or (None, why not)."""
    value, walked = doc, []
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            where = f' under "{".".join(walked)}"' if walked else ""
            keys = ", ".join(map(str, value))[:200] if isinstance(value, dict) else None
            return None, (f'no key "{part}"{where}' + (f" (keys: {keys})" if keys else
                                                       f" (it is {type_label(value)})"))
        value = value[part]
        walked.append(part)
    if not isinstance(value, list):
        return None, f"it is {type_label(value)}, not a list of records"
    return value, ""


def type_label(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
            type(None): "null"}.get(type(value), "a number")


def read_whole(data: bytes, records_path: str | None = None,
               one_record: OneRecord = None) -> Iterator[RawItem]:
    """A document up to the size limit, parsed whole."""
    if not data.strip():
        return
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        layout = path_layout(records_path) if records_path else layout_of(data.lstrip())
        if layout is ARRAY:   # each element parsed alone: one bad element is one error item
            yield from array_items(data)
            return
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
    if records_path:
        records, why = at_path(doc, records_path)
        if records is None:
            yield read_error(0, "empty_file", f"no records at --records-path {records_path}: "
                             f"{why}")
            return
    else:
        records = records_of(doc, one_record)
    deep = too_deep(doc)   # one write of the whole settles the common case
    for index, value in enumerate(records):
        if deep and too_deep(value):
            yield read_error(index + 1, "too_deep", f"too deep: element {index + 1} of the JSON "
                             f"document nests over {MAX_DEPTH} levels")
        else:
            yield RawItem(index + 1, value)


def records_of(doc: Any, one_record: OneRecord = None) -> list:
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict) and doc:
        if all(isinstance(v, str) for v in doc.values()):
            return [{"image": name, "caption": caption} for name, caption in doc.items()]
        wrapped = single_list_value(doc, one_record)
        if wrapped is not None:
            return wrapped
    return [doc]


def single_list_value(doc: dict, one_record: OneRecord = None) -> list | None:
    """The list of {"data": [...]}; None when the one list is a record's own turns
    ({"messages": [...]} is one conversation, not a wrapper). Beside other keys
    ({"version": "1.0", "data": [...]}), the one list is the records when it holds objects
    only, no other value is a list or an object holding one, and the document is no record an
    adapter reads ({"text": ..., "tools": [...]} is one document: `one_record` tells)."""
    key = wrapper_key(doc, one_record)
    return None if key is None else doc[key]


def wrapper_key(doc: Any, one_record: OneRecord = None) -> str | None:
    """The key of the records' list of a wrapper document (see single_list_value), or None."""
    if not isinstance(doc, dict) or not doc:
        return None
    lists = [k for k, v in doc.items() if isinstance(v, list)]
    if len(lists) != 1:
        return None
    value = doc[lists[0]]
    sample = value[:TURN_SAMPLE]
    if any(isinstance(v, dict) and any(k in v for k in TURN_KEYS) for v in sample):
        return None
    if len(doc) == 1 or _records_beside_other_keys(doc, lists[0], sample, one_record):
        return lists[0]
    return None


def _records_beside_other_keys(doc: dict, key: str, sample: list,
                               one_record: OneRecord) -> bool:
    """Whether the one list under `key` is the records though the document has other keys:
    it holds objects only, no other value is a list or an object holding one, and the
    document is no record an adapter reads (`one_record`, given by the caller)."""
    return not (not doc[key] or not all(isinstance(v, dict) for v in sample)
                or any(isinstance(v, dict) and any(isinstance(w, (list, dict))
                                                   for w in v.values())
                       for k, v in doc.items() if k != key)
                or (one_record is not None and one_record(doc, key)))


def object_shape(head: bytes) -> tuple[str, str | None]:
    """What a JSON object over the size limit is, from its first bytes (the old rules of
    records_of() on what they show): ("map", None) when every value is a string so far,
    ("wrapper", key) when its one key holds a list whose first items are not turns, else
    ("record", None): one record, too large. A wrapper's keys after its list are not read."""
    scan = _ObjectScan()
    try:
        for event, value in ijson.basic_parse(io.BytesIO(head), use_float=True):
            if not scan.step(event, value):
                break
    except (JSONError, UnicodeDecodeError):
        pass   # the head ends inside the document, or the document is bad (streaming tells)
    return scan.shape, scan.key if scan.shape == "wrapper" else None


@dataclass(slots=True)
class _ObjectScan:
    """object_shape's reading of the parse events, one at a time."""
    depth: int = 0
    key: str | None = None   # the object's first key
    values: int = 0          # the object's values seen
    items: int = 0           # a wrapper's list items seen
    shape: str = "record"

    def step(self, event: str, value: Any) -> bool:
        """Take one event; False once the shape is settled (or the head too deep to tell)."""
        if event in ("end_map", "end_array"):
            self.depth -= 1
            return True
        if not self._seen(event, value):
            return False
        if event in ("start_map", "start_array"):
            self.depth += 1
            return self.depth <= MAX_DEPTH + 2   # (streaming reports the element too deep)
        return True

    def _seen(self, event: str, value: Any) -> bool:
        if self.depth == 1:
            return self._key(value) if event == "map_key" else self._value(event)
        if self.shape != "wrapper":
            return True
        if self.depth == 2:   # an item of the list starts
            self.items += 1
            return self.items <= TURN_SAMPLE
        if self.depth == 3 and event == "map_key" and value in TURN_KEYS:
            return self._one_record()   # {"messages": [...]}: one conversation
        return True

    def _key(self, key: str) -> bool:
        if self.values and self.shape == "wrapper":   # a second key: the list is a field
            return self._one_record()
        self.key = key if self.key is None else self.key
        return True

    def _value(self, event: str) -> bool:
        self.values += 1
        if event == "string" and (self.values == 1 or self.shape == "map"):
            self.shape = "map"
        elif event == "start_array" and self.values == 1:
            self.shape = "wrapper"
        else:
            return self._one_record()
        return True

    def _one_record(self) -> bool:
        self.shape = "record"
        return False


def records_location(uri: str, opts: ReadOptions) -> str:
    """Where read_json_doc finds the records of a JSON document, in words (for `inspect`)."""
    if opts.records_path:
        return f'the list at "{opts.records_path}" (--records-path)'
    from tuneprep.transforms.io.readers.formats import read_head
    data = strip_bom(read_head(uri, opts.encoding, opts.max_record_bytes + 1)).strip()
    if len(data) > opts.max_record_bytes:
        layout = layout_of(data)
        return ("one record" if layout is None else "an array" if layout is ARRAY
                else "a {name: caption} map" if layout is MAP
                else f'the list under "{layout.prefix[:-5]}"' if layout.base == 2 else "one value")
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError:
        return "not valid JSON"
    if isinstance(doc, list):
        return "an array"
    if isinstance(doc, dict) and doc and all(isinstance(v, str) for v in doc.values()):
        return "a {name: caption} map"
    key = wrapper_key(doc, opts.one_record)
    if key is not None:
        others = [k for k in doc if k != key]
        return (f'the list under "{key}"' + (f", beside {', '.join(others)}" if others else ""))
    return "one record"
