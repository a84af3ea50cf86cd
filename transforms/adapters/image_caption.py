"""Image + caption: {"image" | "image-ref" | ... | "images": [one], "caption" | "text" | "prompt"}.
Relative image paths are resolved against --image-root, else the caption file's folder. The
image is the first image key found and the caption the first caption key (in the order of
IMAGE_KEYS and CAPTION_KEYS); the other fields are metadata."""
from __future__ import annotations

from typing import Any

from tuneprep.transforms.adapters.common import (Adapter, refuse, extras, require_dict, resolve,
                                        text_field, type_name)
from tuneprep.transforms.adapters.tool_use import read_tools
from tuneprep.transforms.core.records import Record, Source

IMAGE_KEYS = ("image", "image-ref", "image_ref", "image_path", "file_name", "path", "images")
CAPTION_KEYS = ("caption", "text", "prompt")
KEYS = IMAGE_KEYS + CAPTION_KEYS


def matches(value: Any) -> bool:
    return (isinstance(value, dict) and any(k in value for k in IMAGE_KEYS)
            and any(k in value for k in CAPTION_KEYS))


def normalize(value: Any, source: Source, opts) -> Record:
    record = require_dict(value, ADAPTER)
    image_key = next((k for k in IMAGE_KEYS if k in record), None)
    if image_key is None:
        raise refuse("missing_field", 'field "image" is missing')
    caption_key = next((k for k in CAPTION_KEYS if k in record), None)
    if caption_key is None:
        raise refuse("missing_field", 'field "caption" is missing')
    image = resolve(image_of(record, image_key), source.uri, getattr(opts, "image_root", None))
    caption = text_field(record, caption_key)
    fields, unread = extras(record, (image_key, caption_key))
    return Record(source=source, image=image, caption=caption, fields=fields, unread=unread,
                  tools=read_tools(record))


def image_of(record: dict, key: str) -> str:
    if key != "images":
        return text_field(record, key)
    images = record[key]
    if not isinstance(images, list):
        raise refuse("wrong_type", f'field "images" is {type_name(images)}, not a list')
    if not images:
        raise refuse("empty_field", 'field "images" is empty')
    if len(images) > 1:   # one caption describes one image: the others are not dropped
        raise refuse("too_many_media", f'field "images" holds {len(images)} images; an '
                     "image-caption record takes one")
    return text_field({"images[0]": images[0]}, "images[0]")


ADAPTER = Adapter("image-caption", KEYS, matches, normalize)
