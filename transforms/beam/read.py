"""Beam: input files → batches of raw items (transforms/core/batching.py does the work)."""
from __future__ import annotations

import apache_beam as beam

from tuneprep.transforms.core import progress

from tuneprep.transforms.io import storage
from tuneprep.transforms.core.batching import iter_batches, plan_reads
from tuneprep.transforms.beam.dofns import ConfiguredDoFn
from tuneprep.transforms.core.process import VALIDATION


class _PlanReadsFn(ConfiguredDoFn):
    def process(self, element):
        file_index, uri, split = element
        with storage.translate_failures(uri):
            yield from plan_reads(file_index, uri, split, self.cfg)


class _ReadFn(ConfiguredDoFn):
    def process(self, task):
        # a failure of the store (not of the file) stops the run: see storage.py
        with storage.translate_failures(task.uri):
            yield from iter_batches(task, self.cfg)
        if task.last:
            progress.COUNTERS.file_done()


class ReadBatches(beam.PTransform):
    """Lists the (already expanded) input files, cuts big JSON Lines files into byte ranges
    (transforms/io/byte_ranges.py), and reads each file or range into batches.

    The Reshuffles move only file names and ranges: they let the runner spread the reading
    over its workers (both local processes with --workers 2, or a cluster's machines)."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg

    def expand(self, pbegin):
        files = [(i, uri, None) for i, uri in enumerate(self.cfg.inputs)]
        files += [(len(files) + i, uri, VALIDATION)
                  for i, uri in enumerate(self.cfg.validation_inputs)]
        return (pbegin
                | "ListFiles" >> beam.Create(files)
                | "SpreadFiles" >> beam.Reshuffle()
                | "PlanReads" >> beam.ParDo(_PlanReadsFn(self.cfg))
                | "SpreadReads" >> beam.Reshuffle()
                | "Read" >> beam.ParDo(_ReadFn(self.cfg)))
