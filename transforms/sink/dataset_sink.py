"""The write side of a run, in the phases of Beam's FileBasedSink (open a file / write its
records / close it, then finalize), as plain functions that transforms/beam/write.py runs as
Beam steps. Pure Python over fsspec.

- initialize: the launcher's, before the job (the `_RUNNING` claim: claim.py);
- open / write / close: write_batch(), where a batch was processed: its lines of each kind
  (train, validation, dead_letter) to one part file each (parts.py), opened, written whole and
  closed at once, under `_temporary/RUN/`;
- finalize, in parallel: plan_files() from the parts' descriptions, then write_file() once per
  task on any worker: the split files that can be written apart (shards.py);
- finalize: finalize(), once, after every part exists: the rest of the dataset from the parts
  (assemble.py: sampling, quotas, report, manifest, training request, `_SUCCESS`).

Unlike FileBasedSink's finalize, nothing is renamed into place on an object store (a rename
there copies every byte): parts are concatenated once, in input order (docs/design.md §5).
"""
from __future__ import annotations

from tuneprep.transforms.steps.process import DEAD_LETTER
from tuneprep.transforms.sink import claim, shards
from tuneprep.transforms.io import s3_writers, storage
from tuneprep.transforms.sink.assemble import assemble
from tuneprep.transforms.core.layout import SPLITS, TRAIN
from tuneprep.transforms.sink.parts import Part, by_kind, write_part
from tuneprep.transforms.targets import get_target


def write_batch(cfg, processed) -> list[Part]:
    """Open, write, close: the part files of one processed batch (steps/process.py Processed),
    one per kind; under --sample-to-quota each data line's source line goes beside it (what
    the down-sample leaves out is named by its source)."""
    parts = []
    with storage.translate_failures(cfg.output):
        for kind, lines in processed.lines.items():
            sources = processed.sources.get(kind) if (
                cfg.sample_to_quota and kind != DEAD_LETTER) else None
            parts.append(write_part(cfg, kind, processed.key, lines, processed.uri, sources))
    return parts


def plan_files(cfg, parts: list[Part]) -> list[shards.FileTask]:
    """The split files written in parallel, one task each: shards of a sharded layout, a
    one-file layout concatenated on S3. Only the parts' descriptions are read."""
    if cfg.claimed:
        claim.check(cfg.output, cfg.run_id)
    kinds = by_kind(parts)
    if not kinds.get(TRAIN):   # the run fails: nothing is written
        return []
    target = get_target(cfg.target)
    return [task for split in SPLITS
            for task in shards.plan_split(cfg, target, split, kinds.get(split, [])) or []]


def write_file(cfg, task: shards.FileTask) -> tuple[dict, int, int]:
    """One task of plan_files() → (the file's manifest entry, bytes S3 copied, bytes the
    worker uploaded for it)."""
    with storage.translate_failures(cfg.output), s3_writers.aborted_on_failure():
        return shards.write_file(cfg, task)


def finalize(cfg, parts: list[Part], stats: dict, manifest_extra: dict, candidates=None,
             listed=None, started: float | None = None, written=()) -> dict:
    """The dataset from every part; returns the report (assemble.py).

    listed: (train files, validation files) as the workers listed them, for the manifest, or
    None; written: (split, index, manifest entry) of each file write_file() wrote."""
    if listed is not None:
        manifest_extra = {**manifest_extra, "inputs": listed[0], "validation_inputs": listed[1]}
    with storage.translate_failures(cfg.output), s3_writers.aborted_on_failure():
        return assemble(cfg, parts, stats, manifest_extra, candidates, started,
                        written=_by_split(written or ()))


def _by_split(entries) -> dict[str, list[dict]]:
    out: dict = {}
    for split, _, entry in sorted(entries, key=lambda e: (e[0], e[1])):
        out.setdefault(split, []).append(entry)
    return out
