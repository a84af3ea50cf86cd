"""A batch of raw items → output lines per split, dead-letter lines and statistics. Pure Python.

This is every per-record stage (normalize, split, format, validate) fused into one loop over a
batch; Beam sees one element per batch (see batching.py for why).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from transforms import stats as st
from transforms.adapters import normalize
from transforms.jsonl import dumps_line
from transforms.records import (FORMAT, NORMALIZE, READ, VALIDATE, RecordError, Source,
                                dead_letter)
from transforms.storage import StorageError, bucket_of
from transforms.targets import get_target

TRAIN, VALIDATION, DEAD_LETTER = "train", "validation", "dead_letter"


@dataclass(slots=True)
class Processed:
    key: str
    lines: dict[str, list[bytes]] = field(default_factory=dict)   # split or dead_letter -> lines
    sources: dict[str, list[int]] = field(default_factory=dict)   # split -> source line per line
    uri: str = ""
    stats: dict = field(default_factory=st.new_stats)


def split_of(record_id: str, fraction: float) -> str:
    """Deterministic train/validation choice from the record id (a hex digest)."""
    if fraction <= 0:
        return TRAIN
    return VALIDATION if int(record_id[:12], 16) / float(1 << 48) < fraction else TRAIN


class BatchProcessor:
    """Holds what is costly to build once per worker (target, context); call it per batch."""

    def __init__(self, cfg):
        self.cfg = cfg
        self.target = get_target(cfg.target)
        self.ctx = cfg.target_context()

    def __call__(self, batch) -> Processed:
        out = Processed(batch.key, uri=batch.uri)
        stats = out.stats
        fstats = st.file_stats(stats, batch.uri, batch.adapter)
        for item in batch.items:
            stats["input_records"] += 1
            fstats["input_records"] += 1
            if item.error is not None:  # refused while reading
                self.count_dead(out, batch, item, item.error)
                continue
            try:
                split, lines, lengths, turns, media = self._one(batch, item)
            except RecordError as err:
                self.count_dead(out, batch, item, err)
                continue
            stats["accepted_records"] += 1
            fstats["accepted_records"] += 1
            stats["output_records"][split] = stats["output_records"].get(split, 0) + len(lines)
            out.lines.setdefault(split, []).extend(lines)
            out.sources.setdefault(split, []).extend([item.line] * len(lines))
            for chars in lengths:
                st.add_length(stats, chars, self.cfg.chars_per_token, self.ctx.max_chars)
            if turns:
                bucket = str(turns) if turns < 10 else "10+"
                stats["turns_histogram"][bucket] = stats["turns_histogram"].get(bucket, 0) + 1
            for uri in media:  # which buckets the referenced media live in (report warning)
                buckets = stats.setdefault("media_buckets", {})
                buckets[bucket_of(uri)] = buckets.get(bucket_of(uri), 0) + 1
        return out

    def _one(self, batch, item):
        """(split, lines, lengths, turns, media URIs) for an accepted item; raises RecordError
        with its stage set when the item is refused, StorageError when the store failed.
        (Read errors never get here: raising an error kept in the batch would tie the batch into
        a reference cycle through its traceback, and memory would grow with the dead letters.)"""
        stage = NORMALIZE
        try:
            if batch.adapter is None:
                raise RecordError("unknown_format", "no input adapter recognises this file; "
                                  "choose one with --input-format")
            record = normalize(item.value, batch.adapter, Source(batch.uri, item.line),
                               self.cfg.adapter).with_id()
            split = batch.split or split_of(record.id, self.cfg.validation_split)
            stage = FORMAT
            record = self.target.prepare_media(record, self.ctx)  # check/upload images; no-op
            objs = self.target.format(record, self.ctx)
            stage = VALIDATE
            lines, lengths, media = [], [], []
            for obj in objs:
                problems = self.target.validate(obj, self.ctx)  # schema, then length limits
                if problems:
                    reason, message = problems[0]
                    raise RecordError(reason, "; ".join(m for _, m in problems), VALIDATE)
                lines.append(dumps_line(obj))
                lengths.append(self.target.measure(obj))
                media += self.target.media_uris(obj)
            if not lines:
                raise RecordError("empty_field", "the record has no text to write", FORMAT)
            return split, lines, lengths, len(record.turns), media
        except RecordError as e:
            e.stage = e.stage or stage
            raise
        except StorageError:  # the store failed, not the record: the run stops
            raise
        except Exception as e:  # a bug must not crash the run: it becomes a dead letter
            raise RecordError("internal_error", f"{type(e).__name__}: {e}", stage) from e

    def refuse_all(self, batch, err: RecordError) -> Processed:
        """Every item of a batch as a dead letter (used when the batch itself failed)."""
        out = Processed(batch.key, uri=batch.uri)
        fstats = st.file_stats(out.stats, batch.uri, batch.adapter)
        for item in batch.items:
            out.stats["input_records"] += 1
            fstats["input_records"] += 1
            self.count_dead(out, batch, item, err)
        return out

    def count_dead(self, out: Processed, batch, item, err: RecordError) -> None:
        """Counts a refused item and adds its dead-letter line."""
        stage = err.stage or READ
        stats = out.stats
        fstats = st.file_stats(stats, batch.uri, batch.adapter)
        stats["dead_letter_records"] += 1
        fstats["dead_letter_records"] += 1
        stats["dead_letter_reasons"][err.reason] = stats["dead_letter_reasons"].get(err.reason, 0) + 1
        stats["dead_letter_stages"][stage] = stats["dead_letter_stages"].get(stage, 0) + 1
        raw = item.raw if item.raw is not None else item.value
        out.lines.setdefault(DEAD_LETTER, []).append(dumps_line(
            dead_letter(err.reason, stage, err.message, batch.uri, item.line, raw,
                        self.cfg.raw_limit)))
