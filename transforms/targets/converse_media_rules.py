"""The rules a written Converse record's media blocks must follow: each block's shape, URI,
bucket owner and format (media_block_problems), and the record's media as a whole against the
model (media_rules: kinds taken, one kind per record, video count, the dataset's bucket)."""
from __future__ import annotations

from tuneprep.transforms.io.storage import bucket_of
from tuneprep.transforms.targets.bucket_owner import missing_owner
from tuneprep.transforms.targets.converse_media_blocks import (IMAGE_FORMATS, VIDEO_FORMATS,
                                                               key_problem, s3_problem)
from tuneprep.transforms.targets.references import is_account_id


class MediaSeen:
    """What the media blocks of one record hold, for the record-level rules."""

    def __init__(self):
        self.kinds: set[str] = set()
        self.videos = 0
        self.uris: list[str] = []


def media_block_problems(value, kind: str, label: str, model, media: MediaSeen):
    shape = (f"{label} must be {{\"{kind}\": {{\"format\", \"source\": {{\"s3Location\": "
             f"{{\"uri\"}}}}}}}}")
    if not isinstance(value, dict) or set(value) != {"format", "source"}:
        return [("invalid_record", shape)]
    source = value["source"]
    location = source.get("s3Location") if isinstance(source, dict) and set(source) == {
        "s3Location"} else None
    if not isinstance(location, dict) or "uri" not in location or \
            set(location) - {"uri", "bucketOwner"}:
        return [("invalid_record", shape)]
    media.kinds.add(kind)
    media.videos += kind == "video"
    problems = []
    owner = location.get("bucketOwner")
    if owner is not None and not is_account_id(owner):
        return [("invalid_record", f"{label}: s3Location.bucketOwner {owner!r} is not a "
                                   "12-digit AWS account id")]
    problem = s3_problem(location["uri"]) or key_problem(location["uri"], model)
    if problem:
        problems.append((problem[0], f"{label}: {problem[1]}"))
    else:
        media.uris.append(location["uri"])
    problem = missing_owner(location, model)
    problems += [(problem[0], f"{label}: {problem[1]}")] if problem else []
    media_format = value["format"]
    taken = getattr(model, f"{kind}_formats", None) or (
        tuple(IMAGE_FORMATS.values()) if kind == "image" else tuple(VIDEO_FORMATS.values()))
    if media_format not in taken:
        who = model.display if model is not None else "the Converse format"
        reason = "unsupported_image_type" if kind == "image" else "unsupported_video_type"
        problems.append((reason, f"{label}: {kind} format {media_format!r}; {who} takes "
                                 f"{', '.join(dict.fromkeys(taken))}"))
    return problems


def media_rules(media: MediaSeen, ctx, model, media_allowed: bool) -> list[tuple[str, str]]:
    if not media.kinds:
        return []
    problems = []
    if not media_allowed:
        return [("not_taken_by_model", "this format takes text prompts only, no media")]
    if model is not None:
        refused = sorted(media.kinds - set(model.media_kinds))
        if refused:
            takes = " and ".join(model.media_kinds) or "text only"
            problems.append(("not_taken_by_model", f"{model.display} takes no "
                                                   f"{' or '.join(refused)} ({takes})"))
    if len(media.kinds) > 1:
        problems.append(("mixed_media", "the record holds images and a video; a dataset is "
                                        "text + images or text + videos, never both"))
    limit = getattr(model, "max_videos_per_record", None)
    if limit is not None and media.videos > limit:
        problems.append(("too_many_media", f"the record holds {media.videos} videos; "
                                           f"{model.display} takes at most {limit}"))
    dataset = getattr(ctx, "dataset_uri", None)
    if getattr(model, "media_in_dataset_bucket", False) and isinstance(dataset, str) \
            and dataset.startswith("s3://"):
        bucket = bucket_of(dataset)
        outside = sorted({uri for uri in media.uris if bucket_of(uri) != bucket})
        if outside:
            problems.append(("media_outside_dataset_bucket",
                             f"{', '.join(outside)} is not in the dataset's bucket {bucket!r}; "
                             f"{model.display} reads media only from the dataset's bucket"))
    return problems
