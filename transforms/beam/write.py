"""Beam: processed batches → part files, then one assembly step that lays out the dataset: the
phases of transforms/sink/dataset_sink.py (Beam FileBasedSink's open/write/close, finalize) as
Beam steps.

Parts are written where they are made (no shuffle of records: the local runner would hold a
shuffled corpus in memory); only their small descriptions and the statistics are gathered."""
from __future__ import annotations

import time

import apache_beam as beam

from tuneprep.transforms.steps import progress
from tuneprep.transforms.steps import sampling
from tuneprep.transforms.steps import stats as st
from tuneprep.transforms.steps.file_counts import FileCounts
from tuneprep.transforms.sink import dataset_sink
from tuneprep.transforms.io import s3_config
from tuneprep.transforms.sink.part_table import PartTable
from tuneprep.transforms.beam.dofns import ConfiguredDoFn
from tuneprep.transforms.beam import metrics
from tuneprep.transforms.targets import run_context

STATS = "stats"
CANDIDATES = "candidates"


class _WritePartsFn(ConfiguredDoFn):
    def setup(self):
        super().setup()
        self.limits = sampling.bounds(run_context.model_spec(self.cfg)) if self.cfg.sample_to_quota else {}

    def process(self, processed):
        parts = dataset_sink.write_batch(self.cfg, processed)
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


def _plan_files(_, parts: PartTable, cfg):
    s3_config.configure(cfg.s3_endpoint_url, timeout=cfg.s3_timeout)
    return dataset_sink.plan_files(cfg, parts.parts(cfg))


class _WriteFileFn(ConfiguredDoFn):
    def process(self, task):
        entry, copied, uploaded = dataset_sink.write_file(self.cfg, task)
        metrics.SHARDS_WRITTEN.inc()
        metrics.BYTES_COPIED_ON_S3.inc(copied)
        metrics.BYTES_THROUGH_WORKER.inc(uploaded)
        yield task.split, task.index, entry


def _assemble(_, parts, stats, cfg, extra, candidates=None, listed=None, started=None,
              written=None):
    s3_config.configure(cfg.s3_endpoint_url, timeout=cfg.s3_timeout)   # the worker that assembles may be a remote one
    totals, files = stats
    return dataset_sink.finalize(cfg, parts.parts(cfg), {**totals, "files": files.as_dict()},
                                 extra, candidates, listed, started, written)


class GatherParts(beam.CombineFn):
    """The parts' descriptions, as one PartTable (transforms/sink/part_table.py): what the
    runner holds of them at the end of a run is a few blobs, not an object a part."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg

    def create_accumulator(self):
        return PartTable()

    def add_input(self, acc, part):
        acc.add(self.cfg, part)
        return acc

    def merge_accumulators(self, accs):
        accs = iter(accs)
        first = next(accs)
        for acc in accs:
            first.merge(acc)
        return first

    def extract_output(self, acc):
        return acc


class MergeStats(beam.CombineFn):
    """The batches' statistics merged: (the totals, their per-file counts as one FileCounts,
    transforms/steps/file_counts.py; the assembly makes stats["files"] of them once)."""

    def create_accumulator(self):
        return st.new_stats(), FileCounts()

    def add_input(self, acc, stats):
        totals, files = acc
        st.merge(totals, {k: v for k, v in stats.items() if k != "files"})
        files.add_all(stats.get("files") or {})
        return acc

    def merge_accumulators(self, accs):
        accs = iter(accs)
        totals, files = next(accs)
        for more, more_files in accs:
            st.merge(totals, more)
            files.merge(more_files)
        return totals, files

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
                 | "GatherParts" >> beam.CombineGlobally(GatherParts(cfg)))
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
        limits = sampling.bounds(run_context.model_spec(cfg)) if cfg.sample_to_quota else {}
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
