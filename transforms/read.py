"""Beam: input files → batches of raw items (transforms/batching.py does the work)."""
from __future__ import annotations

import apache_beam as beam

from transforms import progress, storage
from transforms.batching import iter_batches
from transforms.process import VALIDATION


class _ReadFileFn(beam.DoFn):
    def __init__(self, cfg):
        self.cfg = cfg

    def setup(self):
        storage.configure(self.cfg.s3_endpoint_url)   # on remote workers too

    def process(self, element):
        file_index, uri, split = element
        # a failure of the store (not of the file) stops the run: see storage.py
        with storage.translate_failures(uri):
            yield from iter_batches(file_index, uri, split, self.cfg)
        progress.COUNTERS.file_done()


class ReadBatches(beam.PTransform):
    """Lists the (already expanded) input files and reads each into batches.

    One file is read by one worker; the Reshuffle of the small file list lets a distributed
    runner spread files over workers (on the local runner it moves only file names)."""

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
                | "ReadFile" >> beam.ParDo(_ReadFileFn(self.cfg)))
