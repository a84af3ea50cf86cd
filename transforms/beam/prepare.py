"""Beam: batches of raw items → processed batches (normalize, split, format, validate).

Rule failures are dead letters with their own reason inside BatchProcessor; Beam's exception
handling is the safety net for anything else, turning a failed batch into `internal_error`
dead letters so no record is lost and the run goes on."""
from __future__ import annotations

import apache_beam as beam

from tuneprep.transforms.io import storage
from tuneprep.transforms.beam.dedup import duplicates_of
from tuneprep.transforms.beam.dofns import ConfiguredDoFn
from tuneprep.transforms.steps.process import BatchProcessor
from tuneprep.transforms.core.records import NORMALIZE, RecordError


class _BatchProcessorFn(ConfiguredDoFn):
    """Builds the BatchProcessor once per worker (targets may read or upload media)."""

    processor = None

    def setup(self):
        super().setup()
        self.processor = BatchProcessor(self.cfg)


class _ProcessBatchFn(_BatchProcessorFn):
    def process(self, batch, losers=None, uris=None):
        yield self.processor(batch, duplicates_of(batch, losers, uris)
                             if losers is not None else None)


class _FailedBatchFn(_BatchProcessorFn):
    """(batch, exception info) from with_exception_handling → every item a dead letter."""

    def process(self, failed):
        batch, (exc_type, exc_repr, _traceback) = failed
        if isinstance(exc_type, type) and issubclass(exc_type, storage.StorageError):
            # the store failed, not the records: stop the run (StorageError's repr is its message)
            raise storage.StorageError(exc_repr)
        name = getattr(exc_type, "__name__", str(exc_type))
        error = RecordError("internal_error", f"the batch failed: {name}: {exc_repr}", NORMALIZE)
        yield self.processor.refuse_all(batch, error)


class PrepareRecords(beam.PTransform):
    """Outputs two PCollections of processed batches: (processed, rescued from failed batches).

    They are kept apart rather than flattened: the local runner materialises a Flatten's inputs,
    which would hold the whole processed corpus in memory."""

    def __init__(self, cfg, losers=None):
        super().__init__()
        self.cfg = cfg
        self.losers = losers   # --dedup: DuplicateLosers' two PCollections (beam/dedup.py)

    def expand(self, batches):
        side = {} if self.losers is None else {"losers": beam.pvalue.AsMultiMap(self.losers[0]),
                                               "uris": beam.pvalue.AsDict(self.losers[1])}
        good, failed = (batches
                        | "Process" >> beam.ParDo(_ProcessBatchFn(self.cfg), **side)
                        .with_exception_handling())
        rescued = failed | "FailedToDeadLetters" >> beam.ParDo(_FailedBatchFn(self.cfg))
        return good, rescued
