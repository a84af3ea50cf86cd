"""The first records of a file through the run's own per-record code (transforms/core/
process.py: BatchProcessor, the one per-record path), for the commands that look before a run:
`run --dry-run` counts what it gives, `inspect` shows it record by record. So every record rule
and reason code is the run's; nothing is written and no medium uploaded."""
from __future__ import annotations

import orjson

from tuneprep.transforms.steps.process import DEAD_LETTER


class NoMedia:
    """The target, with media never uploaded: a dry run writes nothing anywhere. A local image
    of bedrock-image is checked as the run checks it (exists, type by content, the model's
    limits: no AWS needed), and the record then names where the run would upload it; other
    media are not read."""

    PLACEHOLDER_PREFIX = "s3://image-uri-prefix/images"   # what the run takes from the option

    def __init__(self, target):
        self._target = target
        self.skipped = 0     # sampled records with media the dry run did not read
        self.checked = 0     # local images checked (not uploaded)

    def prepare_media(self, record, ctx):
        ref = record.image
        if self._target.name == "bedrock-image" and isinstance(ref, str) and ref.strip() \
                and ("://" not in ref or ref.startswith("file://")):
            from tuneprep.transforms.io import images
            _, _, digest, info = images.check_local(ref, getattr(ctx, "model", None))
            self.checked += 1
            prefix = getattr(ctx, "image_uri_prefix", None) or self.PLACEHOLDER_PREFIX
            record.image = f"{prefix}/{images.content_name(digest, info.format)}"
            return record
        self.skipped += record.image is not None
        return record

    def __getattr__(self, name):
        return getattr(self._target, name)


def outcomes(processor, batch) -> dict[int, dict]:
    """Each item's line -> {"dead_letter": its dead-letter line as the run writes it} or
    {"written": [the objects the run writes for it]}."""
    out = processor(batch)
    by_line: dict[int, dict] = {}
    for line in out.lines.get(DEAD_LETTER, ()):
        letter = orjson.loads(line)
        source = letter["source"]
        by_line[source.get("line", source.get("record"))] = {"dead_letter": letter}
    for split, lines in out.lines.items():
        if split != DEAD_LETTER:
            for n, line in zip(out.sources[split], lines):
                by_line.setdefault(n, {"written": []})["written"].append(orjson.loads(line))
    return by_line
