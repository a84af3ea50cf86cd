"""Beam: input files → batches of raw items (transforms/steps/batching.py does the work)."""
from __future__ import annotations

import apache_beam as beam

from tuneprep.transforms.steps import progress

from tuneprep.transforms.io import storage
from tuneprep.transforms.io.listing import InputListing, of_config
from tuneprep.transforms.steps.batching import iter_batches, plan_reads, task_bytes
from tuneprep.transforms.beam.dofns import ConfiguredDoFn
from tuneprep.transforms.beam import metrics


class _ExpandFn(ConfiguredDoFn):
    """One URI as named → its files, on a worker (one element per URI named)."""

    def __init__(self, cfg, expand):
        super().__init__(cfg)
        self.expand = expand

    def process(self, element):
        order, flag, uri = element
        with storage.translate_failures(uri):
            yield order, flag, uri, self.expand(flag, uri)


def _indexed(groups, listing: InputListing):
    files = listing.indexed(groups)
    metrics.FILES_LISTED.inc(len(files))
    return files


class _PlanReadsFn(ConfiguredDoFn):
    def process(self, element):
        file_index, uri, split, pin = element
        with storage.translate_failures(uri):
            yield from plan_reads(file_index, uri, split, self.cfg, pin)


class _ReadFn(ConfiguredDoFn):
    def process(self, task):
        # a failure of the store (not of the file) stops the run: see storage.py
        with storage.translate_failures(task.uri):
            yield from iter_batches(task, self.cfg)
        if progress.COUNTERS.counting():   # (the size is looked up only for progress)
            progress.COUNTERS.file_done(task_bytes(task), task.last)
        if task.last:
            metrics.FILES_READ.inc()


class ListInputs(beam.PTransform):
    """The URIs as named → their files, expanded on the workers. Outputs (the listing: one
    element, (train files, validation files)), for the manifest, and the files as (file
    index, URI, split, pin)."""

    def __init__(self, cfg, listing: InputListing):
        super().__init__()
        self.cfg, self.listing = cfg, listing

    def expand(self, pbegin):
        named = [(i, flag, uri) for i, (flag, uri) in enumerate(self.listing.named)]
        groups = (pbegin
                  | "Named" >> beam.Create(named)
                  | "SpreadNamed" >> beam.Reshuffle()
                  | "Expand" >> beam.ParDo(_ExpandFn(self.cfg, self.listing.expand_pinned))
                  | "Gather" >> beam.combiners.ToList())
        listed = groups | "Listed" >> beam.Map(lambda g, listing: listing.listed(g),
                                               listing=self.listing)
        files = groups | "Index" >> beam.FlatMap(_indexed, listing=self.listing)
        return listed, files


class ReadBatches(beam.PTransform):
    """Lists the input files (on the workers: ListInputs), cuts big JSON Lines files into byte
    ranges (transforms/io/byte_ranges.py), and reads each file or range into batches.

    The Reshuffles move only file names and ranges: they let the runner spread the reading
    over its workers (both local processes with --workers 2, or a cluster's machines).
    `self.listed`, after expansion: the PCollection of the one (train files, validation files)."""

    def __init__(self, cfg, listing: InputListing | None = None):
        super().__init__()
        self.cfg = cfg
        self.listing = listing if listing is not None else of_config(cfg)
        self.listed = None

    def expand(self, pbegin):
        self.listed, files = pbegin | "ListFiles" >> ListInputs(self.cfg, self.listing)
        return (files
                | "SpreadFiles" >> beam.Reshuffle()
                | "PlanReads" >> beam.ParDo(_PlanReadsFn(self.cfg))
                | "SpreadReads" >> beam.Reshuffle()
                | "Read" >> beam.ParDo(_ReadFn(self.cfg)))
