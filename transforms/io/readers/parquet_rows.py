"""Parquet rows as dicts, read a few rows at a time, each row group checked before it is read.

A Parquet file can decode to far more than it stores: a dictionary page holds a value once and
every row may repeat it (a 977-byte file of 1 MB values took 3 GiB in `run` when read 4,096
rows at a time). So rows are decoded BATCH_ROWS at a time, and a row group that decodes to more
than max(MAX_EXPANSION × its stored bytes, EXPANSION_FLOOR) is one record_too_large item naming
its rows, measured before any of its rows is given, and reading goes on with the next row group.
The check reads top-level text columns as dictionaries (each value once, however many rows
repeat it) and the rest one batch at a time, then hands Arrow's freed memory back: decoding a
bomb's rows for the check took ~230 MB more than a plain run, over the 512 MiB bound in CI."""
from __future__ import annotations

from typing import Iterator

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tuneprep.transforms.io.readers import RawItem, ReadOptions, read_error
from tuneprep.transforms.io.storage import open_random_access

BATCH_ROWS = 64              # rows decoded at a time (~1 µs a row of overhead; 16 took 3 µs)
MAX_EXPANSION = 1000         # decoded bytes a stored byte may become (text: ~3-10)
EXPANSION_FLOOR = 256 << 20  # a small row group may always decode to this much


def read_parquet(uri: str, opts: ReadOptions) -> Iterator[RawItem]:
    with open_random_access(uri) as f:
        parquet = pq.ParquetFile(f)
        meta = parquet.metadata
        check = pq.ParquetFile(f, read_dictionary=_text_columns(parquet.schema_arrow))
        size = f.seek(0, 2)   # (the file's size: a row group stores no more than this)
        row = 0
        for group in range(meta.num_row_groups):
            rows = meta.row_group(group).num_rows
            stored = _stored_bytes(meta.row_group(group), size)
            cap = max(MAX_EXPANSION * stored, EXPANSION_FLOOR)
            if _decodes_over(check, group, cap):
                yield read_error(row + 1, "record_too_large", (
                    f"record too large: row group {group + 1} (rows {row + 1:,}-{row + rows:,}) "
                    f"decodes to over {cap:,} bytes, over {MAX_EXPANSION:,} times its "
                    f"{stored:,} stored bytes (a decompression bomb?): its rows are not read"))
                row += rows
                continue
            for batch in parquet.iter_batches(batch_size=BATCH_ROWS, row_groups=[group]):
                for value in batch.to_pylist():
                    row += 1
                    yield RawItem(row, value)


def _stored_bytes(group, file_size: int) -> int:
    """The row group's compressed bytes, as its metadata says (never more than the file)."""
    return min(sum(group.column(i).total_compressed_size for i in range(group.num_columns)),
               file_size)


def _text_columns(schema: pa.Schema) -> list[str]:
    return [field.name for field in schema if pa.types.is_string(field.type)
            or pa.types.is_large_string(field.type) or pa.types.is_binary(field.type)
            or pa.types.is_large_binary(field.type)]


def _decodes_over(check: pq.ParquetFile, group: int, cap: int) -> bool:
    decoded = 0
    try:
        for batch in check.iter_batches(batch_size=BATCH_ROWS, row_groups=[group]):
            decoded += sum(map(_decoded_bytes, batch.columns))
            if decoded > cap:
                return True
        return False
    finally:
        pa.default_memory_pool().release_unused()


def _decoded_bytes(column: pa.Array) -> int:
    """What the column's values take once decoded: a dictionary column (read so when the file
    stores its Arrow schema) holds each value once, but each row becomes its own value."""
    if not pa.types.is_dictionary(column.type):
        return column.nbytes
    values = column.dictionary
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type) or \
            pa.types.is_binary(values.type) or pa.types.is_large_binary(values.type):
        lengths = pc.binary_length(values).take(column.indices)
        return column.indices.nbytes + (pc.sum(lengths).as_py() or 0)
    return column.dictionary_decode().nbytes   # (other values: decoded, BATCH_ROWS at most)
