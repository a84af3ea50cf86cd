"""bedrock-image: Titan image fine-tuning, {"image-ref": "s3://…", "caption"}."""
from __future__ import annotations

from tuneprep.transforms.targets import requests_bedrock
from tuneprep.transforms.targets.base import Target, exact_keys, fail, non_empty_string, require_string
from tuneprep.transforms.targets.media_staging import PLACEHOLDER_PREFIX, is_local
from tuneprep.transforms.targets.references import s3_reference_problem
from tuneprep.transforms.targets.written_media import WrittenMediaChecker

_EXTENSIONS = (".jpg", ".jpeg", ".png")


def image_ref_problem(uri) -> tuple[str, str] | None:
    problem = s3_reference_problem(uri, "image")
    if problem:
        return problem
    key = uri[len("s3://"):].partition("/")[2]
    if not key.lower().endswith(_EXTENSIONS):
        return "unsupported_image_type", f"the image {uri!r} is not a .jpg, .jpeg or .png file"
    return None


def caption_problem(caption: str, model) -> tuple[str, str] | None:
    low = getattr(model, "caption_min_chars", None)
    high = getattr(model, "caption_max_chars", None)
    if low is not None and len(caption) < low:
        return "too_short", (f"the caption has {len(caption):,} characters; "
                             f"{model.display} takes at least {low:,}")
    if high is not None and len(caption) > high:
        return "too_long", (f"the caption has {len(caption):,} characters; "
                            f"{model.display} takes at most {high:,}")
    return None


class ImageRefMedia:
    """bedrock-image's media (media_staging.MediaStaging): the record's one image."""

    def stage(self, record, ctx, upload: bool):
        """An s3:// image is checked where it is (size + header); a local one is checked, then
        uploaded under --image-uri-prefix by content, and the record points at the upload.
        The model's image limits apply when a model is given (transforms/io/images.py)."""
        ref = record.image
        if not isinstance(ref, str) or not ref.strip():
            return record   # build() refuses it with no_image / wrong_type / empty_field
        if ref.startswith("s3://"):
            problem = image_ref_problem(ref)
            if problem:
                fail(*problem)
        if not upload and not is_local(ref):
            return record   # read where it is by the run only
        from tuneprep.transforms.io import images
        record.image, _ = images.place_image(ref, getattr(ctx, "image_uri_prefix", None),
                                             getattr(ctx, "model", None), upload=upload,
                                             placeholder=PLACEHOLDER_PREFIX)
        return record

    def uploads_images(self, model) -> bool:
        return True

    def check_environment(self):
        from tuneprep.transforms.io.images import pillow_problem
        return pillow_problem()

    def media_uris(self, obj):
        ref = obj.get("image-ref") if isinstance(obj, dict) else None
        return [ref] if isinstance(ref, str) else []

    def media_checker(self, model):
        return _ImageRefChecker(model)


class BedrockImage(Target):
    name = "bedrock-image"
    kind = "image"
    request_builder = requests_bedrock.FINE_TUNING
    reads = "image"
    takes_validation = False
    takes_image = True
    media = ImageRefMedia()

    def build(self, record, ctx):
        if record.image is None:
            fail("no_image", "the record has no image reference")
        problem = image_ref_problem(record.image)
        if problem:
            fail(*problem)
        caption = require_string(record.caption, "caption")
        problem = caption_problem(caption, ctx.model)
        if problem:
            fail(*problem)
        return [{"image-ref": record.image, "caption": caption}]

    def check(self, obj, ctx):
        problems = exact_keys(obj, {"image-ref", "caption"})
        if problems:
            return problems
        problems = non_empty_string(obj, "caption")
        ref_problem = image_ref_problem(obj["image-ref"])
        if ref_problem:
            problems.append(ref_problem)
        if not problems:
            caption = caption_problem(obj["caption"], ctx.model if ctx else None)
            problems += [caption] if caption else []
        return problems


class _ImageRefChecker(WrittenMediaChecker):
    """`validate --check-media`: a written image-ref read as stage() reads an s3:// one."""

    def refs(self, obj):
        ref = obj.get("image-ref") if isinstance(obj, dict) else None
        if isinstance(ref, str) and not image_ref_problem(ref):
            yield "image", ref, None

    def check(self, kind, uri, media_format):
        from tuneprep.transforms.io import images
        images.place_image(uri, None, self.model)
