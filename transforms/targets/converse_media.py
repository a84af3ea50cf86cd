"""A Converse record's media (bedrock-conversation's media_staging.MediaStaging: ConverseMedia)
and their content checks, shared by `run` (the staging step, before a record is formatted) and
`tuneprep validate --check-media` (over written records), so both hold a medium to the same
rules:

- an image: transforms/io/images.py place_image, which checks an s3:// one where it is
  (exists, type by content, the model's byte and pixel limits); a video:
  transforms/io/videos.py check_s3_video (exists, the model's byte and duration limits,
  container by content);
- the content is what the block's format says (the format is written from the object's name).

A medium is checked by content only when the written record could hold it: the model takes its
kind and format, and its reference is an s3:// URI. Anything else is a schema problem, which
check_converse reports without reading the object.
"""
from __future__ import annotations

from tuneprep.transforms.targets.base import fail
from tuneprep.transforms.targets.converse_media_blocks import (IMAGE_FORMATS, PILLOW_TYPES,
                                                               VIDEO_FORMATS, extension_of,
                                                               image_types, media_kind,
                                                               media_refs, media_uris,
                                                               s3_problem)
from tuneprep.transforms.targets.media_staging import PLACEHOLDER_PREFIX
from tuneprep.transforms.targets.written_media import WrittenMediaChecker


class ConverseMedia:
    """The record's medium, where the model takes its kind and format: an s3:// image or video
    checked by content where it is (check_content), a local image checked and uploaded. Left to
    build() and check(): a local video, a medium the model does not take (not_taken_by_model,
    unsupported_*_type), and an s3:// reference the Converse rules refuse by its form or name."""

    def stage(self, record, ctx, upload: bool):
        ref = record.image
        model = getattr(ctx, "model", None)
        if not isinstance(ref, str) or not ref.strip():
            return record
        kind = media_kind(ref)
        if ref.startswith("s3://"):
            media_format = (IMAGE_FORMATS if kind == "image" else VIDEO_FORMATS).get(
                extension_of(ref)) if kind else None
            if upload and kind and not s3_problem(ref) and takes(kind, media_format, model):
                check_content(kind, ref, media_format, model)   # (read by the run only)
            return record
        if kind == "video" or not self.uploads_images(model):
            return record
        from tuneprep.transforms.io import images
        record.image, _ = images.place_image(ref, getattr(ctx, "image_uri_prefix", None), model,
                                             image_types(model), upload=upload,
                                             placeholder=PLACEHOLDER_PREFIX)
        return record

    def uploads_images(self, model) -> bool:
        return model is None or "image" in model.media_kinds

    def check_environment(self) -> str | None:
        return None

    def media_uris(self, obj) -> list[str]:
        return media_uris(obj)

    def media_checker(self, model):
        return ConverseMediaChecker(model)


def takes(kind: str, media_format, model) -> bool:
    """Does the model (None: any Converse model) take media of this kind and format?"""
    if model is None:
        known = IMAGE_FORMATS if kind == "image" else VIDEO_FORMATS
        return media_format in known.values()
    return kind in model.media_kinds and media_format in getattr(model, f"{kind}_formats", ())


def check_content(kind: str, uri: str, media_format: str, model, said_by: str = "name") -> None:
    """Reads an s3:// medium and raises RecordError for the first rule it breaks. said_by: what
    gave `media_format` ("name" in a run, "format" for a written block), for the message."""
    from tuneprep.transforms.io import images, videos
    if kind == "image":
        # place_image, the image targets' one entry: an s3:// image is checked where it is
        _, info = images.place_image(uri, None, model, image_types(model))
        actual, agrees = info.format, PILLOW_TYPES.get(media_format) == info.format
    else:
        info = videos.check_s3_video(uri, model)
        actual, agrees = info.container, media_format in videos.converse_formats(info)
    if not agrees:
        fail(f"unsupported_{kind}_type", f"the {kind} {uri!r} is {actual} but its {said_by} "
                                         f"says {media_format}: the Converse block's format "
                                         "comes from the name; rename the object")


class ConverseMediaChecker(WrittenMediaChecker):
    """`validate --check-media` over Converse records: each media block a run would read."""

    def refs(self, obj):
        for kind, uri, media_format in _media_blocks(obj):
            if not s3_problem(uri) and takes(kind, media_format, self.model):
                yield kind, uri, media_format   # else a schema problem, told by check()

    def check(self, kind: str, uri: str, media_format: str) -> None:
        check_content(kind, uri, media_format, self.model, said_by="format")


def _media_blocks(obj):
    """(kind, uri, format) of each well-formed media block of a written record."""
    return [ref for ref in media_refs(obj) if ref[2] is not None]
