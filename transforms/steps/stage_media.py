"""The media staging step of the per-record chain (adapter → split → stage media → format →
checks, transforms/steps/process.py): the target's media capability (Target.media,
transforms/targets/media_staging.py) checks the media a record names and puts them where the
service reads them, so that formatting reads and writes no store.

One flag decides whether media are uploaded: a run uploads; a dry run and `inspect` check what
they can without writing anything (a local image as the run checks it, named where the run would
upload it) and count, for their notes, what they checked and what they left unread."""
from __future__ import annotations

from tuneprep.transforms.core.records import Record


class MediaStep:
    """Called once a record; holds the counts of a run without uploads."""

    def __init__(self, media, ctx, upload: bool):
        self.media, self.ctx, self.upload = media, ctx, upload
        self.checked = 0    # (no uploads) local media checked and named where the run puts them
        self.skipped = 0    # (no uploads) records whose medium was not read

    def __call__(self, record: Record) -> Record:
        if self.upload:
            return self.media.stage(record, self.ctx, True)
        before = record.image
        record = self.media.stage(record, self.ctx, False)
        if record.image != before:
            self.checked += 1
        elif before is not None:
            self.skipped += 1
        return record
