"""A batch of raw items → output lines per split, dead-letter lines and statistics. Pure Python.

This is every per-record stage (normalize, split, stage media, format, validate) fused into one
loop over a batch; Beam sees one element per batch (see batching.py for why). Every record takes
the same chain of steps, whatever its shape, adapter or target: `run`, `--dry-run`, `inspect`
(sample_outcomes.py), `validate`'s detected format and the launch's check of the inputs
(input_refusal.py) all call it, the last four with media checked, not uploaded; so a rule lives
in its adapter or target alone, and no other module formats or adapts a record
(tests/transforms/core/test_one_path.py).
"""
from __future__ import annotations

import re
from copy import copy
from dataclasses import dataclass, field

from tuneprep.transforms.steps import preference_stats
from tuneprep.transforms.steps import stats as st
from tuneprep.transforms.core import tokens
from tuneprep.transforms.core import unwritten_fields
from tuneprep.transforms.adapters import normalizer
from tuneprep.transforms.adapters.suggest import unknown_format
from tuneprep.transforms.core.jsonl import dumps_line
from tuneprep.transforms.steps.sampling import add_measures, empty_figures, measure
from tuneprep.transforms.steps.stage_media import MediaStep
from tuneprep.transforms.core.records import (DEDUP, FORMAT, NORMALIZE, READ, VALIDATE,
                                              Record, RecordError, Source, dead_letter)
from tuneprep.transforms.io.storage import StorageError, bucket_of
from tuneprep.transforms.targets import get_target
from tuneprep.transforms.targets.base import Target
from tuneprep.transforms.core.context import selection_problem
from tuneprep.transforms.targets import run_context

TRAIN, VALIDATION, DEAD_LETTER = "train", "validation", "dead_letter"
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


@dataclass(slots=True)
class Processed:
    key: str
    lines: dict[str, list[bytes]] = field(default_factory=dict)   # split or dead_letter -> lines
    sources: dict[str, list[int]] = field(default_factory=dict)   # split -> source line per line
    # split -> each line's measures (sampling.measure), kept only under --sample-to-quota
    measures: dict[str, list[tuple]] = field(default_factory=dict)
    uri: str = ""
    stats: dict = field(default_factory=st.new_stats)


def stable_message(message: str) -> str:
    """A dead letter's message without memory addresses ("<… object at 0x7f…>" from an
    exception's text), which differ from run to run: identical runs write identical dead
    letters and manifests."""
    return _ADDRESS.sub("", message) if " at 0x" in message else message


def split_of(record_id: str, fraction: float) -> str:
    """Deterministic train/validation choice from the record id (a hex digest)."""
    if fraction <= 0:
        return TRAIN
    return VALIDATION if int(record_id[:12], 16) / float(1 << 48) < fraction else TRAIN


def _refused_before(item, duplicates: dict[int, str] | None) -> RecordError | None:
    """The item's refusal before its adapter: while reading, or as a duplicate (--dedup)."""
    if item.error is not None:
        return item.error
    if duplicates and item.line in duplicates:
        return RecordError("duplicate", duplicates[item.line], DEDUP)
    return None


class BatchProcessor:
    """Holds what is costly to build once per worker (target, context); call it per batch.
    upload_media False (dry run, inspect): media are checked, never uploaded (stage_media.py).
    keep_records (inspect): `records` maps each item's line to the record its adapter built, so
    a command shows the chain's own record rather than normalize a second time."""

    def __init__(self, cfg, upload_media: bool = True, keep_records: bool = False):
        self.cfg = cfg
        self.records: dict[int, Record] | None = {} if keep_records else None
        self.target = get_target(cfg.target)
        self.ctx = run_context.target_context(cfg)
        # exact token counts: the tokenizer loaded here, once a worker (a worker without its
        # package fails the run rather than estimate); which counts are exact, for the report
        self.token_counts = tokens.report_entry(self.ctx)
        media = self.target.media   # None on text targets: no staging step, no media URIs
        self.stage_media = MediaStep(media, self.ctx, upload_media) if media is not None else None
        # a record's media URIs and facets are gathered only where the target has some (text
        # targets have neither: two calls a record saved on the hot path)
        self.gathers_media = media is not None or \
            type(self.target).dataset_facets is not Target.dataset_facets
        self.fraction = cfg.validation_split
        self.selecting = bool(self.ctx.records_with or self.ctx.records_without)
        self._normalizers: dict[str, object] = {}
        self._unwritten: dict[tuple, tuple] = {}   # Record.unread -> the names not written

    def __call__(self, batch, duplicates: dict[int, str] | None = None) -> Processed:
        """duplicates (--dedup): line → message for the batch's records that duplicate one
        kept earlier (transforms/beam/dedup.py finds them): each is a `duplicate` dead letter."""
        out = Processed(batch.key, uri=batch.uri)
        stats = out.stats
        accepted, lengths, turn_counts, media, tool_use, unwritten = 0, [], [], [], [], []
        repaired: dict[str, int] = {}   # --repair name -> records it mended (that count)
        facets: dict[str, int] = {}   # facet -> records holding it (dataset-level rules)
        faceted = 0
        one = self._one
        normalize = self._normalizer(batch.adapter)
        sampling = self.cfg.sample_to_quota
        split_lines, split_sources = out.lines, out.sources
        for item in batch.items:
            refused = _refused_before(item, duplicates)
            if refused is not None:
                self.count_dead(out, batch, item, refused)
                continue
            try:
                split, lines, sizes, turns, uses, record_media, repairs, unread = one(
                    batch, item, normalize)
            except RecordError as err:
                self.count_dead(out, batch, item, err)
                continue
            accepted += 1
            if unread:
                unwritten.append(unread)
            for name in repairs:
                repaired[name] = repaired.get(name, 0) + 1
            if split in split_lines:
                split_lines[split] += lines
                split_sources[split] += [item.line] * len(lines)
            else:
                split_lines[split], split_sources[split] = lines, [item.line] * len(lines)
            lengths += sizes
            turn_counts.append(turns)
            tool_use.append(uses)
            if sampling:   # a record's turns and tool use counted on its first line
                out.measures.setdefault(split, []).extend(
                    [measure(sizes[0], turns, uses)] + [measure(n) for n in sizes[1:]])
            if record_media is not None:
                media += record_media[0]
                faceted += 1
                for facet in record_media[1]:
                    facets[facet] = facets.get(facet, 0) + 1
        # counted once per batch: per-record dict updates cost more than the records' own work
        fstats = st.file_stats(stats, batch.uri, batch.adapter)
        for counts in (stats, fstats):
            counts["input_records"] += len(batch.items)
            counts["accepted_records"] += accepted
        for split, lines in out.lines.items():
            if split != DEAD_LETTER:
                stats["output_records"][split] = len(lines)
        st.add_lengths(stats, lengths, self.cfg.chars_per_token, self.ctx.max_chars)
        st.add_turns(stats, turn_counts)
        preference_stats.add(stats, tool_use, self.cfg.chars_per_token)
        unwritten_fields.count(stats, unwritten)
        if repaired:
            stats["repaired_records"] = repaired
        stats["token_counts"] = dict(self.token_counts)
        if sampling:   # per split too: the report then counts what the down-sample kept
            stats["by_split"] = {split: add_measures(empty_figures(), ms, self.cfg.chars_per_token,
                                                     self.ctx.max_chars)
                                 for split, ms in out.measures.items()}
        if faceted:  # for the target's rules over the whole dataset (checked when assembling)
            stats["dataset_facets"] = facets
            stats["faceted_records"] = faceted
        for uri in media:  # which buckets the referenced media live in (report warning)
            buckets = stats.setdefault("media_buckets", {})
            buckets[bucket_of(uri)] = buckets.get(bucket_of(uri), 0) + 1
        return out

    def _normalizer(self, adapter: str | None):
        if adapter is None:
            return None
        if adapter not in self._normalizers:
            self._normalizers[adapter] = normalizer(adapter, self.cfg.adapter)
        return self._normalizers[adapter]

    def _one(self, batch, item, normalize):
        """(split, lines, lengths, turns, summary (tool use, preference / RFT data), (media URIs,
        dataset facets) or None for a text target, repairs, the source fields not written) for
        an accepted item;
        raises RecordError with its stage set when the item is refused, StorageError when the
        store failed.
        (Read errors never get here: raising an error kept in the batch would tie the batch into
        a reference cycle through its traceback, and memory would grow with the dead letters.)"""
        stage = NORMALIZE
        try:
            if normalize is None:   # no adapter for the file
                raise unknown_format(item.value)   # with the keys found and a --field-map
            record = normalize(item.value, Source(batch.uri, item.line, item.unit, item.offset))
            if self.records is not None:   # a copy: a --repair drop_* mends the one written
                self.records[item.line] = copy(record)
            split = batch.split or (split_of(record.with_id().id, self.fraction)
                                    if self.fraction > 0 else TRAIN)
            stage = FORMAT
            target, ctx = self.target, self.ctx
            if self.stage_media is not None:
                record = self.stage_media(record)  # check/upload media
            objs = target.format(record, ctx)
            stage = VALIDATE
            lines, lengths = [], []
            for obj in objs:
                size = target.measure(obj)
                problems = target.validate(obj, ctx, size)  # schema, then limits
                if problems:
                    reason, message = problems[0]
                    raise RecordError(reason, "; ".join(m for _, m in problems), VALIDATE)
                lines.append(dumps_line(obj))
                lengths.append(size)
            if not lines:
                raise RecordError("empty_field", "the record has no text to write", FORMAT)
            media = self._media(objs) if self.gathers_media else None
            if self.selecting:
                left_out = selection_problem(media[1] if media else set(), ctx)
                if left_out:
                    raise RecordError("not_selected", left_out, VALIDATE)
            # format() leaves the record as written (a --repair drop_* takes its parts away)
            return (split, lines, lengths, len(record.turns),
                    preference_stats.summary(record, target.trains_on), media, record.repairs,
                    self.not_written(record.unread) if record.unread else ())
        except RecordError as e:
            e.stage = e.stage or stage
            raise
        except StorageError:  # the store failed, not the record: the run stops
            raise
        except Exception as e:  # a bug must not crash the run: it becomes a dead letter
            raise RecordError("internal_error", f"{type(e).__name__}: {e}", stage) from e

    def normalised(self, batch):
        """(item, record) for each item of the batch its adapter reads (--dedup's keys: the
        others are dead letters of the chain whatever their key)."""
        normalize = self._normalizer(batch.adapter)
        if normalize is None:
            return
        for item in batch.items:
            if item.error is not None:
                continue
            try:
                yield item, normalize(item.value, Source(batch.uri, item.line, item.unit,
                                                         item.offset))
            except Exception:   # refused (or a bug): the chain makes it a dead letter
                continue

    def not_written(self, unread: tuple) -> tuple:
        """The fields of Record.unread the target does not write (a sagemaker template
        writes those it names), worked out once for each set of names (up to a bound: the
        names are the user's data)."""
        names = self._unwritten.get(unread)
        if names is None:
            names = tuple(name for name in unread if not self.target.writes_field(name, self.ctx))
            if len(self._unwritten) < 1024:
                self._unwritten[unread] = names
        return names

    def _media(self, objs) -> tuple[list[str], set[str]]:
        """The media URIs and dataset facets of a record's objects."""
        uris, facets, media = [], set(), self.target.media
        for obj in objs:
            if media is not None:
                uris += media.media_uris(obj)
            facets |= self.target.dataset_facets(obj)
        return uris, facets

    def refuse_all(self, batch, err: RecordError) -> Processed:
        """Every item of a batch as a dead letter (used when the batch itself failed)."""
        out = Processed(batch.key, uri=batch.uri)
        fstats = st.file_stats(out.stats, batch.uri, batch.adapter)
        out.stats["input_records"] += len(batch.items)
        fstats["input_records"] += len(batch.items)
        for item in batch.items:
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
            dead_letter(err.reason, stage, stable_message(err.message), batch.uri, item.line,
                        raw, self.cfg.raw_limit, item.unit, item.offset)))
