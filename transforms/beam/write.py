"""Beam: processed batches → part files, then one assembly step that lays out the dataset.

Parts are written where they are made (no shuffle of records: the local runner would hold a
shuffled corpus in memory); only their small descriptions and the statistics are gathered."""
from __future__ import annotations

import time

import apache_beam as beam

from tuneprep.transforms.core import progress
from tuneprep.transforms.core import sampling
from tuneprep.transforms.core import stats as st
from tuneprep.transforms.io import storage
from tuneprep.transforms.io import s3_config, s3_writers, shards
from tuneprep.transforms.io.assemble import assemble
from tuneprep.transforms.io.parts import write_part
from tuneprep.transforms.beam.dofns import ConfiguredDoFn
from tuneprep.transforms.beam import metrics
from tuneprep.transforms.core.process import DEAD_LETTER

STATS = "stats"
CANDIDATES = "candidates"


class _WritePartsFn(ConfiguredDoFn):
    def setup(self):
        super().setup()
        self.limits = sampling.bounds(self.cfg.model_spec()) if self.cfg.sample_to_quota else {}

    def process(self, processed):
        parts = []
        with storage.translate_failures(self.cfg.output):
            for kind, lines in processed.lines.items():
                sources = processed.sources.get(kind) if (
                    self.cfg.sample_to_quota and kind != DEAD_LETTER) else None
                parts.append(write_part(self.cfg, kind, processed.key, lines, processed.uri,
                                        sources))
        yield from parts
        progress.COUNTERS.add_batch(processed.stats["input_records"],   # per batch: free
                                    processed.stats["dead_letter_records"])
        metrics.batch_done(processed.stats, len(parts))   # what a remote runner shows
        yield beam.pvalue.TaggedOutput(STATS, processed.stats)
        for candidates in sampling.batch_candidates(processed, self.limits):
            yield beam.pvalue.TaggedOutput(CANDIDATES, candidates)   # (split, smallest N)


class SmallestCandidates(beam.CombineFn):
    """--sample-to-quota: the n smallest (hash, part key, index, measures) of a split; each
    worker keeps n per split, so only the kept candidates meet on one worker."""

    def __init__(self, n: int):
        super().__init__()
        self.fn = sampling.Smallest(n)

    def create_accumulator(self):
        return self.fn.create()

    def add_input(self, acc, entries):
        return self.fn.add(acc, entries)

    def merge_accumulators(self, accs):
        return self.fn.merge(accs)

    def extract_output(self, acc):
        return self.fn.extract(acc)


def _plan_files(_, parts, cfg):
    """The files written in parallel (transforms/io/shards.py): shards of a sharded layout, a
    one-file layout concatenated on S3. Only the parts' descriptions are read here."""
    from tuneprep.transforms.io import claim
    from tuneprep.transforms.io.split_files import shard_count
    from tuneprep.transforms.targets import get_target
    from tuneprep.transforms.core.process import TRAIN, VALIDATION
    s3_config.configure(cfg.s3_endpoint_url, timeout=cfg.s3_timeout)
    if cfg.claimed:
        claim.check(cfg.output, cfg.run_id)
    target = get_target(cfg.target)
    by_kind: dict = {}
    for part in sorted(parts, key=lambda p: (p.kind, p.key)):
        by_kind.setdefault(part.kind, []).append(part)
    if not by_kind.get(TRAIN):   # the run fails: nothing is written
        return []
    tasks = []
    for split in (TRAIN, VALIDATION):
        tasks += shards.plan_split(cfg, target, split, by_kind.get(split, []), shard_count) or []
    return tasks


class _WriteFileFn(ConfiguredDoFn):
    def process(self, task):
        from tuneprep.transforms.io.output_files import OutputFile
        with storage.translate_failures(self.cfg.output), s3_writers.aborted_on_failure():
            entry, copied, uploaded = shards.write_file(self.cfg, task, OutputFile)
        metrics.SHARDS_WRITTEN.inc()
        metrics.BYTES_COPIED_ON_S3.inc(copied)
        metrics.BYTES_THROUGH_WORKER.inc(uploaded)
        yield task.split, task.index, entry


def _by_split(entries) -> dict:
    out: dict = {}
    for split, _, entry in sorted(entries, key=lambda e: (e[0], e[1])):
        out.setdefault(split, []).append(entry)
    return out


def _assemble(_, parts, stats, cfg, extra, candidates=None, listed=None, started=None,
              written=None):
    s3_config.configure(cfg.s3_endpoint_url, timeout=cfg.s3_timeout)   # the worker that assembles may be a remote one
    if listed is not None:   # the input files, as the workers listed them (for the manifest)
        extra = {**extra, "inputs": listed[0], "validation_inputs": listed[1]}
    with storage.translate_failures(cfg.output), s3_writers.aborted_on_failure():
        return assemble(cfg, parts, stats, extra, candidates, started,
                        written=_by_split(written or []))


class MergeStats(beam.CombineFn):
    def create_accumulator(self):
        return st.new_stats()

    def add_input(self, acc, stats):
        return st.merge(acc, stats)

    def merge_accumulators(self, accs):
        accs = iter(accs)
        first = next(accs)
        for acc in accs:
            st.merge(first, acc)
        return first

    def extract_output(self, acc):
        return acc


class WriteDataset(beam.PTransform):
    """Writes parts, then assembles OUT/ (splits, dead letters, manifest, report, _SUCCESS).
    Outputs the report."""

    def __init__(self, cfg, manifest_extra: dict, listed=None):
        super().__init__()
        self.cfg = cfg
        self.manifest_extra = manifest_extra
        self.started = time.time()   # the graph is built as the run starts: the report's start
        self.listed = listed   # PCollection of the one (train files, validation files), or None

    def expand(self, processed):
        """`processed`: one or more PCollections of processed batches, each written where it
        is (see PrepareRecords on why they are not flattened first)."""
        cfg, extra = self.cfg, self.manifest_extra
        collections = processed if isinstance(processed, (tuple, list)) else (processed,)
        parts, stats, candidates = [], [], []
        for i, pcoll in enumerate(collections):
            written = pcoll | f"WriteParts{i}" >> beam.ParDo(_WritePartsFn(cfg)).with_outputs(
                STATS, CANDIDATES, main="parts")
            parts.append(written.parts)
            stats.append(written[STATS])
            candidates.append(written[CANDIDATES])
        # only the parts' descriptions and the statistics are gathered: small
        parts = (parts | "AllParts" >> beam.Flatten()
                 | "GatherParts" >> beam.combiners.ToList())
        stats = (stats | "AllStats" >> beam.Flatten()
                 | "MergeStats" >> beam.CombineGlobally(MergeStats()))
        sample = {}
        if self.listed is not None:
            sample["listed"] = beam.pvalue.AsSingleton(self.listed)
        # the split files written in parallel, one task each (then assembled into the manifest)
        sample["written"] = beam.pvalue.AsSingleton(
            collections[0].pipeline
            | "OnceFiles" >> beam.Create([None])
            | "PlanFiles" >> beam.FlatMap(_plan_files, parts=beam.pvalue.AsSingleton(parts),
                                          cfg=cfg)
            | "SpreadFileTasks" >> beam.Reshuffle()
            | "WriteFiles" >> beam.ParDo(_WriteFileFn(cfg))
            | "GatherFiles" >> beam.combiners.ToList())
        limits = sampling.bounds(cfg.model_spec()) if cfg.sample_to_quota else {}
        if limits:   # split -> its smallest candidates: at most the quota's worth of each
            sample["candidates"] = beam.pvalue.AsSingleton(
                candidates | "AllCandidates" >> beam.Flatten()
                | "SmallestPerSplit" >> beam.CombinePerKey(
                    SmallestCandidates(max(limits.values())))
                | "CandidatesBySplit" >> beam.combiners.ToDict())
        return (collections[0].pipeline
                | "Once" >> beam.Create([None])
                | "Assemble" >> beam.Map(
                    _assemble, parts=beam.pvalue.AsSingleton(parts),
                    stats=beam.pvalue.AsSingleton(stats), cfg=cfg, extra=extra,
                    started=self.started, **sample))
