"""What the adapters share: the Adapter type, field checks that raise RecordError, the parts
every conversation adapter reads the same way (system prompt, image; tool definitions in
tool_use.py) and the instruction-shaped record builder.

Content is never dropped here: what an adapter reads lands in the Record, a shape the Record
cannot carry (more than one image, videos, audio) is refused. Other top-level scalars are
metadata (ids, category, ...): they are kept in Record.fields for templates to name, and are
not content a target must write; the names of every field not read are kept in
Record.unread, so the run says which ones its output does not carry (extras).
"""
from __future__ import annotations

import functools
import posixpath
from dataclasses import dataclass
from typing import Any, Callable

from tuneprep.transforms.adapters.errors import refuse, type_name
from tuneprep.transforms.adapters.tool_use import TOOL_KEYS, read_tools
from tuneprep.transforms.core.preferences import (PREFERENCE_KEYS, preference_fields,
                                                  read_preference)
from tuneprep.transforms.core.records import Record, Source

SCALARS = (str, int, float, bool)
IMAGE_PLACEHOLDER = "<image>"   # LLaMA-Factory's mark for where the image goes
MEDIA_KEYS = ("images", "videos", "audios")   # LLaMA-Factory's media columns


@dataclass(frozen=True, slots=True)
class Adapter:
    name: str
    keys: tuple[str, ...]                  # the source keys this shape is made of
    matches: Callable[[Any], bool]          # does one raw value look like this shape?
    normalize: Callable[[Any, Source, Any], Record]   # (value, source, AdapterOptions) -> Record


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


def extras(record: dict, used: tuple[str, ...], preference=None) -> tuple[dict, tuple]:
    """(Record.fields, Record.unread): the top-level scalars the adapter did not read, so a
    template can name them, and the names of every top-level field it did not read (lists and
    objects too), so the run can say which ones the output does not carry. Tool definitions
    are read (read_tools, into Record.tools), and so are a preference's keys when the record
    is one (read_preference). A null field holds nothing to lose: it is not named."""
    skipped = _skipped_keys(used)
    if skipped.issuperset(record):
        return {}, ()   # the common case (every key read), in one set operation
    fields = {key: value for key, value in record.items()
              if key not in skipped and isinstance(value, SCALARS)}
    unread = tuple(key for key, value in record.items() if key not in skipped
                   and value is not None and (preference is None or key not in PREFERENCE_KEYS))
    return fields, unread


@functools.lru_cache(maxsize=64)
def _skipped_keys(used: tuple[str, ...]) -> frozenset:
    return frozenset(used + TOOL_KEYS)


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


def resolve(path: str, source_uri: str, image_root: str | None) -> str:
    """Absolute paths and URIs stay; a relative path joins the image root or the source folder.
    posixpath, not os.path: the base may be an s3:// URI."""
    path = path.strip()
    if path.startswith("/") or "://" in path:
        return path
    base = image_root if image_root else posixpath.dirname(source_uri)
    while path.startswith("./"):
        path = path[2:]
    return f"{base.rstrip('/')}/{path}" if base else path


def the_image(record: dict, source: Source, opts) -> str | None:
    """LLaMA-Factory's "images" list: None when absent or empty, its one image resolved, and a
    refusal for more than one, or for any video or audio (the Record carries neither)."""
    for key in MEDIA_KEYS[1:]:
        if record.get(key) not in (None, [], ""):
            raise refuse("not_taken_by_model", f'field "{key}" holds {key[:-1]} media; the '
                         "canonical record carries one image only, so the record is refused "
                         "rather than lose them")
    images = record.get("images")
    if images is None:
        return None
    if not isinstance(images, list):
        raise refuse("wrong_type", f'field "images" is {type_name(images)}, not a list')
    if not images:
        return None
    if len(images) > 1:
        raise refuse("too_many_media", f'field "images" holds {len(images)} images; the '
                     "canonical record carries one image, so the record is refused rather "
                     "than lose images")
    path = text_field({"images[0]": images[0]}, "images[0]")
    return resolve(path, source.uri, getattr(opts, "image_root", None))


def without_placeholders(turns: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The user turns without "<image>" marks (and their ends stripped): the target's image block
    carries the image instead (and Nova reserves the word)."""
    return [(role, content.replace(IMAGE_PLACEHOLDER, "").strip())
            if role == "user" and IMAGE_PLACEHOLDER in content else (role, content)
            for role, content in turns]


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


def user_prompt(instruction: str, context: str) -> str:
    """The user turn of an instruction and its context: the context joins it, a blank line
    between, when it is not blank (Record.context keeps it, so a target can split it off)."""
    return instruction if (not context or context.isspace()) else f"{instruction}\n\n{context}"


# the keys an instruction record reads beside its exchange (history, system, media, tools, a
# preference): a record with none of them is the plain case, built without their readers
OPTIONAL_PARTS = frozenset(("history", "system") + MEDIA_KEYS + TOOL_KEYS + PREFERENCE_KEYS)


def instruction_record(record: dict, source: Source, instruction: str, context: str,
                       response: str, used: tuple[str, ...], opts=None) -> Record:
    """The one truth of an instruction record: its history and exchange are the turns, its
    context Record.context (a part of the last user turn); Record.fields holds only the other
    top-level scalars, so a stray key named like a part ("context" in an Alpaca record,
    "instruction" in a conversation) is metadata and never replaces a part. used: the keys
    read (media keys included), which are not metadata."""
    exchange = [("user", user_prompt(instruction, context)), ("assistant", response)]
    if OPTIONAL_PARTS.isdisjoint(record):
        # what the readers below give for absent keys (measured: half the adapter's cost)
        fields, unread = extras(record, used)
        return Record(source, exchange, context=context, fields=fields, unread=unread)
    turns = history_turns(record) + exchange
    image = the_image(record, source, opts)
    if image is not None:
        turns = without_placeholders(turns)
    preference = read_preference(record)
    fields, unread = extras(record, used, preference)
    return Record(source=source, turns=turns, system=optional_system(record), image=image,
                  context=context, preference=preference,
                  fields=preference_fields(fields, preference), unread=unread,
                  tools=read_tools(record))


def instruction_adapter(name: str, context_key: str, response_key: str) -> Adapter:
    """An instruction-shaped adapter ({"instruction", context, response, "system"?, "history"?,
    "tools"?, "images"?}): Alpaca and Dolly differ only in the names of the context and response
    fields."""
    keys = ("instruction", context_key, response_key, "system", "history")
    read_keys = keys + MEDIA_KEYS   # none of them is Record.fields metadata

    def matches(value: Any) -> bool:
        return isinstance(value, dict) and "instruction" in value and response_key in value

    def normalize(value: Any, source: Source, opts) -> Record:
        record = require_dict(value, adapter)
        instruction, context, response = (record.get("instruction"), record.get(context_key),
                                           record.get(response_key))
        # text_field's own first test, inline: the three fields as the plain case gives them
        if not (type(instruction) is str and type(response) is str and instruction and response
                and not instruction.isspace() and not response.isspace()
                and (context is None or type(context) is str)):
            instruction, context, response = (text_field(record, "instruction"),
                                               text_field(record, context_key, required=False),
                                               text_field(record, response_key))
        return instruction_record(record, source, instruction, context or "", response,
                                  read_keys, opts)

    adapter = Adapter(name, keys, matches, normalize)
    return adapter
