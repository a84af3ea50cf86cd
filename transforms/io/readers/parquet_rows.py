"""Parquet rows as dicts, read one record batch at a time."""
from __future__ import annotations

from typing import Iterator

import pyarrow.parquet as pq

from tuneprep.transforms.io.readers import RawItem, ReadOptions
from tuneprep.transforms.io.storage import open_random_access

BATCH_ROWS = 4096


def read_parquet(uri: str, opts: ReadOptions) -> Iterator[RawItem]:
    with open_random_access(uri) as f:
        row = 0
        for batch in pq.ParquetFile(f).iter_batches(batch_size=BATCH_ROWS):
            for value in batch.to_pylist():
                row += 1
                yield RawItem(row, value)
