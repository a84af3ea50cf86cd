"""The first records of a file through the run's own per-record code (transforms/steps/
process.py: BatchProcessor, the one per-record path), for the commands that look before a run:
`run --dry-run` counts what it gives, `inspect` shows it record by record (with the canonical
record the chain built: BatchProcessor(keep_records=True)). So every record rule
and reason code is the run's; nothing is written and no medium uploaded (their BatchProcessor
stages media with upload_media=False: transforms/steps/stage_media.py)."""
from __future__ import annotations

import orjson

from tuneprep.transforms.steps.process import DEAD_LETTER


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
