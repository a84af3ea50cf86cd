"""One input file (or one byte range of a big one) → batches of raw items, with the file's adapter
chosen once. Pure Python.

Records travel through the pipeline in batches (one Beam element per few thousand records):
per-element overhead on the local runner is ~45 µs, so one element per record would cost more
than all the per-record work together.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import chain
from typing import Iterator

import orjson

from tuneprep.transforms.adapters import DETECT_SAMPLE, detect  # one sample size for detection
from tuneprep.transforms.io import storage
from tuneprep.transforms.io.readers import RawItem, read_items
from tuneprep.transforms.io.byte_ranges import ByteRange, plan_ranges


RECORD_BYTES = 1024   # the record size batch_size is meant for
HEAD_BYTES = 16 << 20   # at most about this much input is held for detection


@dataclass(slots=True)
class Batch:
    file_index: int        # position of the file in the sorted input list: fixes the output order
    batch_index: int
    uri: str
    split: str | None      # forced split ("validation" for --validation-input files) or None
    adapter: str | None    # None when no adapter recognises the file
    items: list[RawItem] = field(default_factory=list)
    part_index: int = 0    # byte range of a file read in ranges (io/byte_ranges.py), else 0

    @property
    def key(self) -> str:
        return f"{self.file_index:06d}-{self.part_index:04d}-{self.batch_index:08d}"


@dataclass(frozen=True, slots=True)
class ReadTask:
    """One input file, or one byte range of a big one, for one worker to read."""
    file_index: int
    uri: str
    split: str | None
    part_index: int = 0
    part: ByteRange | None = None
    adapter: str | None = None    # chosen once from the head of a file read in ranges; else
                                  # at reading
    last: bool = True             # the file's last range (the progress line counts files)
    pin: int | str | None = None  # the file as listed (io/input_pins.py): the reader checks it


def task_bytes(task: ReadTask) -> int:
    """The input bytes a task reads: its byte range, or its file from the range's start (the
    progress line's count; 0 when the size cannot be had)."""
    start = task.part.start if task.part is not None else 0
    if task.part is not None and task.part.end is not None:
        return task.part.end - start
    try:
        fs, path = storage.filesystem(task.uri)
        return max(0, fs.size(path) - start)
    except Exception:   # (the read itself reports an unreadable file)
        return 0


def plan_reads(file_index: int, uri: str, split: str | None, cfg,
               pin: int | str | None = None) -> list[ReadTask]:
    """A big JSON Lines file → one task per byte range, all with the adapter its first records
    call for; any other file → one task."""
    whole = [ReadTask(file_index, uri, split, pin=pin)]
    try:
        ranges = plan_ranges(uri, cfg.read.file_format, cfg.split_bytes)
    except Exception:   # unreadable here: read whole, the reader reports it as a dead letter
        return whole
    if not ranges:
        return whole
    adapter = choose_adapter(read_head(iter(read_items(uri, cfg.read)))[0], cfg)
    if adapter is None:   # nothing to share; every range would refuse its records alike
        return whole
    return [ReadTask(file_index, uri, split, i, r, adapter, i == len(ranges) - 1, pin)
            for i, r in enumerate(ranges)]


def read_head(items: Iterator[RawItem]) -> tuple[list[RawItem], list[int]]:
    """The first items, for adapter detection, and the encoded size of each
    good one: DETECT_SAMPLE items, or fewer once they pass HEAD_BYTES (20 records at the
    16 MiB limit would take gigabytes as Python objects). Takes no item beyond those."""
    head, sizes = [], []
    for item in items:
        head.append(item)
        if item.error is None and (size := encoded_size(item.value)) is not None:
            sizes.append(size)
        if len(head) >= DETECT_SAMPLE or sum(sizes) >= HEAD_BYTES:
            break
    return head, sizes


def encoded_size(value) -> int | None:
    """The value's size as JSON; None when orjson cannot write it (nested over 254 levels)."""
    try:
        return len(orjson.dumps(value, default=str))
    except TypeError:   # (orjson.JSONEncodeError is one)
        return None


def batch_bytes(batch_size: int) -> int:
    """The input bytes a batch holds at most: batch_size × RECORD_BYTES (1 MiB for the local
    1,024, 4 MiB for S3's 4,096), so a worker's memory stays flat whatever the records' size
    (measured: 1,024 chat records of ~2 kB took ~20 MiB more per worker than 1,024 Alpaca
    records of ~0.6 kB; 1,024 records of 15 MB sized from 20 tiny first ones took 2.8 GiB)."""
    return batch_size * RECORD_BYTES


def item_size(item: RawItem) -> int:
    """What an item weighs in a batch: its value's size as JSON, or its kept raw text."""
    if item.error is None:
        return encoded_size(item.value) or RECORD_BYTES   # (too deep to write: guessed)
    return len(item.raw) if isinstance(item.raw, (bytes, str)) else RECORD_BYTES


def fill_batches(items: Iterator[RawItem], most_records: int,
                 most_bytes: int) -> Iterator[list[RawItem]]:
    """The items in lists of at most most_records items and most_bytes (item_size), sized as
    they fill, so big records after small ones still make small batches; a record over
    most_bytes is a batch of its own."""
    # Item by item, never ahead: sizing 64 items from one encoding of their list was ~0.4 µs a
    # record cheaper, but it parsed and encoded 64 items at once (a run of 15 MB records then
    # held ~1 GB: tests/e2e/test_memory_by_bytes.py).
    pending, held = [], 0
    for item in items:
        size = item_size(item)
        if pending and (len(pending) >= most_records or held + size > most_bytes):
            yield pending
            pending, held = [], 0
        pending.append(item)
        held += size
    if pending:
        yield pending


def choose_adapter(head: list[RawItem], cfg) -> str | None:
    return cfg.input_format or detect([i.value for i in head if i.error is None], cfg.adapter)


def iter_batches(task: ReadTask, cfg, size: int | None = None) -> Iterator[Batch]:
    """Batches of at most `size` records (by default cfg.batch_size) and batch_bytes()."""
    items = iter(read_items(task.uri, cfg.read, task.part, task.pin))
    head, _ = read_head(items)
    adapter = task.adapter or choose_adapter(head, cfg)
    items = chain(head, items)  # the items read for detection are the first records too
    for batch_index, pending in enumerate(
            fill_batches(items, size or cfg.batch_size, batch_bytes(cfg.batch_size))):
        yield Batch(task.file_index, batch_index, task.uri, task.split, adapter, pending,
                    task.part_index)
