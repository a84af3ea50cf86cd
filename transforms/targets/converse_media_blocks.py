"""A Converse record's media blocks: the image and video formats by extension, building a block
from an s3:// URI, and reading the blocks of a written record (kinds, URIs, formats).

    {"image": {"format": "jpeg", "source": {"s3Location": {"uri": "s3://...", "bucketOwner"?}}}}

the same with "video". Sources: docs/sources/service-formats.md §1.5-1.6, §2.2.
"""
from __future__ import annotations

import mimetypes
import re

from tuneprep.transforms.targets.base import fail
from tuneprep.transforms.targets.references import s3_reference_problem

IMAGE_FORMATS = {".jpg": "jpeg", ".jpeg": "jpeg", ".png": "png", ".gif": "gif", ".webp": "webp"}
VIDEO_FORMATS = {".mp4": "mp4", ".mov": "mov", ".mkv": "mkv", ".webm": "webm", ".flv": "flv",
                 ".mpeg": "mpeg", ".mpg": "mpg", ".wmv": "wmv", ".3gp": "three_gp"}
MEDIA = ("image", "video")

def s3_problem(uri) -> tuple[str, str] | None:
    """bad_image_ref when uri is not an s3://bucket/key URI (a local image is uploaded before,
    by the media staging step, converse_media.ConverseMedia; a local video is refused here)."""
    return s3_reference_problem(uri, "media")


_WORD_KEY = re.compile(r"[\w\-/.]+")


def key_problem(uri: str, model) -> tuple[str, str] | None:
    """Nova's rule for media object keys (ModelSpec.word_media_keys)."""
    key = uri[len("s3://"):].partition("/")[2]
    if getattr(model, "word_media_keys", False) and not _WORD_KEY.fullmatch(key):
        return ("bad_image_ref", f"the media key {key!r} holds characters {model.display} "
                                 "refuses; keys take letters, digits and _ - / . only")
    return None


def extension_of(uri: str) -> str:
    """The lower-case extension of a URI or path's last part ("" when it has none)."""
    dot = uri.rfind(".")
    return uri[dot:].lower() if dot > uri.rfind("/") else ""


def media_kind(uri: str) -> str | None:
    """The media kind by the extension, as media_block reads it: image, video or None."""
    ext = extension_of(uri)
    return "image" if ext in IMAGE_FORMATS else "video" if ext in VIDEO_FORMATS else None


# Converse image formats ↔ the type names Pillow reads from the content (transforms/io/images.py)
PILLOW_TYPES = {"jpeg": "JPEG", "png": "PNG", "gif": "GIF", "webp": "WEBP"}


def image_types(model) -> tuple[str, ...]:
    """Pillow's names of the image types the model takes; every Converse image format when no
    model is given (as check_converse reads the model's image_formats)."""
    formats = getattr(model, "image_formats", None) or tuple(IMAGE_FORMATS.values())
    return tuple(dict.fromkeys(PILLOW_TYPES[f] for f in formats if f in PILLOW_TYPES))


def media_block(uri, bucket_owner: str | None = None) -> dict:
    """A record's image (or video, by its extension) → a Converse media block (with the
    bucket's owning account, when given)."""
    problem = s3_problem(uri)
    if problem:
        fail(*problem)
    extension = extension_of(uri)
    if extension in IMAGE_FORMATS:
        kind, media_format = "image", IMAGE_FORMATS[extension]
    elif extension in VIDEO_FORMATS:
        kind, media_format = "video", VIDEO_FORMATS[extension]
    else:   # a video the format does not take (.avi) is validate's unsupported_video_type too
        video = (mimetypes.guess_type(uri)[0] or "").startswith("video/")
        fail("unsupported_video_type" if video else "unsupported_image_type",
             f"the media {uri!r} is not an image ({', '.join(sorted(IMAGE_FORMATS))}) or a "
             f"video ({', '.join(sorted(VIDEO_FORMATS))}) by its extension")
    location = {"uri": uri, **({"bucketOwner": bucket_owner} if bucket_owner else {})}
    return {kind: {"format": media_format, "source": {"s3Location": location}}}


def media_kinds(obj) -> set[str]:
    """The media kinds ("image", "video") a written record holds."""
    kinds = set()
    messages = obj.get("messages") if isinstance(obj, dict) else None
    for message in messages if isinstance(messages, list) else ():
        content = message.get("content") if isinstance(message, dict) else None
        for block in content if isinstance(content, list) else ():
            if isinstance(block, dict):
                kinds |= set(block) & set(MEDIA)
    return kinds


def media_refs(obj):
    """(kind, uri, format) of each media block of a written record whose s3Location.uri is a
    string (format None when it is not one)."""
    messages = obj.get("messages") if isinstance(obj, dict) else None
    for message in messages if isinstance(messages, list) else ():
        content = message.get("content") if isinstance(message, dict) else None
        for block in content if isinstance(content, list) else ():
            for kind in MEDIA:
                value = block.get(kind) if isinstance(block, dict) else None
                try:
                    uri = value["source"]["s3Location"]["uri"]
                except (TypeError, KeyError):
                    continue
                if isinstance(uri, str):
                    media_format = value.get("format")
                    yield kind, uri, media_format if isinstance(media_format, str) else None


def media_uris(obj) -> list[str]:
    """The s3:// URIs of a written record's media blocks (Target.media_uris, for the report)."""
    return [uri for _, uri, _ in media_refs(obj)]


def mixed_media_problems(kinds: set) -> list[tuple[str, str]]:
    """The dataset-level rule: one media kind per dataset (Nova: text + images or text +
    videos, never both, even across records)."""
    if len(kinds & set(MEDIA)) > 1:
        return [("mixed_media", "the file holds records with images and records with videos; "
                                "a dataset is text + images or text + videos, never both")]
    return []
