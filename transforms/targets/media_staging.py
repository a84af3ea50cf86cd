"""The media capability of a target: what checks and places the media a record names, apart from
the Target contract (base.py), so that formatting never touches a store. A target that takes
media declares one (`media = ConverseMedia()`); the others leave Target.media None and nothing
of this runs for them.

The per-record staging step (transforms/steps/stage_media.py) calls stage() between the adapter
and Target.format; the launcher, `tuneprep validate` and the report call the others."""
from __future__ import annotations

from typing import Protocol, runtime_checkable

from tuneprep.transforms.core.records import Record

# Where a run without uploads (--dry-run, inspect) names a local medium the run would upload,
# when no --image-uri-prefix is given: the option's own name, so it reads as "yours goes here".
PLACEHOLDER_PREFIX = "s3://image-uri-prefix/images"


@runtime_checkable
class MediaStaging(Protocol):
    def stage(self, record: Record, ctx, upload: bool) -> Record:
        """Checks the media the record names and puts them where the service reads them (a
        local image uploaded under ctx.image_uri_prefix by content, the reference rewritten).
        upload False (a dry run, inspect): nothing is written and no store is read for media;
        a local medium is checked as the run checks it and named where the run would put it,
        a remote one is left unread. Raises RecordError for a bad medium, StorageError when the
        store fails (the run stops)."""

    def uploads_images(self, model) -> bool:
        """Are images checked and uploaded for this model (None: no --model)? The launcher
        takes --image-uri-prefix only then."""

    def check_environment(self) -> str | None:
        """What this machine lacks to read the media (Pillow), checked before the run; None
        when all is there."""

    def media_uris(self, obj) -> list[str]:
        """The s3:// URIs a written object references (the report's bucket check)."""

    def media_checker(self, model):
        """For `tuneprep validate --check-media`: an object whose problems(obj) reads the media
        a written object names by the rules stage() applies (written_media.py)."""


def is_local(ref: str) -> bool:
    """A local path (or file://): what stage() uploads; anything else is read where it is."""
    return "://" not in ref or ref.startswith("file://")


def uploads_images(target, model) -> bool:
    return target.media is not None and target.media.uploads_images(model)


def environment_problem(target) -> str | None:
    return target.media.check_environment() if target.media is not None else None
