"""Beam: --dedup exact. A pass over the inputs of its own computes each record's key
(transforms/steps/dedup_keys.py); only (key → location) pairs are grouped, never records (the
local runner holds what it shuffles in memory: about 16 bytes of key and a location per record).
The records each key loses (all but its first in input order) become a side input, looked up
per (file, bucket of lines), that the processing step turns into `duplicate` dead letters: the
same chain, the same accounting."""
from __future__ import annotations

import apache_beam as beam

from tuneprep.transforms.beam.dofns import ConfiguredDoFn
from tuneprep.transforms.beam.read import ReadBatches
from tuneprep.transforms.steps import dedup_keys
from tuneprep.transforms.steps.process import BatchProcessor

URIS = "uris"


class _KeysFn(ConfiguredDoFn):
    """A batch → (key, location) per record its adapter reads; (file index, URI) once a batch."""

    processor = None

    def setup(self):
        super().setup()
        self.processor = BatchProcessor(self.cfg, upload_media=False)

    def process(self, batch):
        yield beam.pvalue.TaggedOutput(URIS, (batch.file_index, batch.uri))
        for item, record in self.processor.normalised(batch):
            yield (dedup_keys.record_key(record),
                   dedup_keys.location(batch.file_index, item.line, item.unit))


def _dropped(element):
    """One key's locations → ((file, bucket), (line, kept location)) for each but the first."""
    _, locations = element
    for dropped, kept in dedup_keys.losers(locations):
        file_index, line, _ = dedup_keys.unpack(dropped)
        yield dedup_keys.bucket(file_index, line), (line, kept)


class DuplicateLosers(beam.PTransform):
    """pbegin → (the dropped records as ((file index, bucket), (line, kept location)), for
    AsMultiMap; the files as (file index, URI), for AsDict): see duplicates_of."""

    def __init__(self, cfg, listing):
        super().__init__()
        self.cfg, self.listing = cfg, listing

    def expand(self, pbegin):
        keyed = (pbegin
                 | "ReadForKeys" >> ReadBatches(self.cfg, self.listing)
                 | "Keys" >> beam.ParDo(_KeysFn(self.cfg)).with_outputs(URIS, main="keys"))
        uris = keyed[URIS] | "FileUris" >> beam.Distinct()
        dropped = (keyed.keys
                   | "GroupByKey" >> beam.GroupByKey()
                   | "Dropped" >> beam.FlatMap(_dropped))
        return dropped, uris


def duplicates_of(batch, losers, uris) -> dict[int, str] | None:
    """The batch's dropped records, line → message naming the kept one (losers: the AsMultiMap
    of DuplicateLosers' first output, uris: the AsDict of its second)."""
    if not batch.items:
        return None
    lines = {item.line for item in batch.items}
    found = {}
    for bucket in dedup_keys.buckets(batch.file_index, lines):
        for line, kept in losers[bucket]:   # (a MultiMap: [] for a key it lacks)
            if line in lines:
                found[line] = dedup_keys.duplicate_message(
                    uris[dedup_keys.unpack(kept)[0]], kept)
    return found or None
