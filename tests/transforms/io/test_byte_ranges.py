"""transforms/io/byte_ranges.py and range reading: a big JSON Lines file read in byte ranges gives
exactly the items, line numbers and errors of reading it whole. (RunConfig.split_bytes and
--split-bytes keep their names: they belong to the command line.)"""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from tuneprep.transforms.steps.batching import ReadTask, iter_batches, plan_reads
from tuneprep.transforms.core.config import RunConfig
from tuneprep.transforms.io.readers import ReadOptions, read_items
from tuneprep.transforms.io.byte_ranges import ByteRange, find_cuts, plan_ranges
from tests.helpers import alpaca_lines


def brute_cuts(data: bytes, range_bytes: int) -> list[tuple[int, int]]:
    """The same rule, one byte at a time: the first line start at or after range_bytes past
    the previous cut, not at the very end."""
    starts = [0] + [i + 1 for i, b in enumerate(data) if b == 0x0A]
    cuts, last = [], 0
    for line_no, start in enumerate(starts, 1):
        if start >= last + range_bytes and start < len(data):
            cuts.append((start, line_no))
            last = start
    return cuts


def blocks_of(data: bytes, size: int):
    return iter([data[i:i + size] for i in range(0, len(data), size)])


@settings(max_examples=300, deadline=None)
@given(lines=hs.lists(hs.binary(max_size=12).map(lambda b: b.replace(b"\n", b"x")), max_size=40),
       trailing=hs.booleans(), range_bytes=hs.integers(1, 30), block=hs.integers(1, 50))
@pytest.mark.slow
def test_cuts_match_a_byte_by_byte_scan_whatever_the_block_size(lines, trailing, range_bytes,
                                                                 block):
    data = b"\n".join(lines) + (b"\n" if trailing and lines else b"")
    assert list(find_cuts(blocks_of(data, block), range_bytes)) == brute_cuts(data, range_bytes)


def items_key(items):
    return [(i.line, i.value, i.error.reason if i.error else None,
             i.error.message if i.error else None) for i in items]


def test_reading_every_range_gives_what_reading_the_whole_file_gives(tmp_path):
    path = tmp_path / "big.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + b"\r\n".join(alpaca_lines(500)) + b"\r\n")
    opts = ReadOptions(max_record_bytes=200)
    ranges = plan_ranges(str(path), range_bytes=2000)
    assert ranges is not None and len(ranges) > 10
    assert ranges[0].start == 0 and ranges[0].first_line == 1 and ranges[-1].end is None
    assert all(a.end == b.start for a, b in zip(ranges, ranges[1:]))
    whole = list(read_items(str(path), opts))
    pieces = [item for r in ranges for item in read_items(str(path), opts, r)]
    assert items_key(pieces) == items_key(whole)
    assert {"invalid_json", "record_too_large"} <= {i.error.reason for i in whole if i.error}


def test_small_compressed_or_other_files_are_not_cut(tmp_path):
    small = tmp_path / "small.jsonl"
    small.write_bytes(b"\n".join(alpaca_lines(20)) + b"\n")
    assert plan_ranges(str(small), range_bytes=10_000) is None         # under twice the size
    for name in ("big.jsonl.gz", "big.csv", "big.json", "big.txt"):
        other = tmp_path / name
        other.write_bytes(b"x\n" * 5000)
        assert plan_ranges(str(other), range_bytes=100) is None, name
    assert plan_ranges(str(small), range_bytes=0) is None               # 0 turns cutting off


def test_an_empty_range_is_not_an_empty_file(tmp_path):
    path = tmp_path / "blank.jsonl"
    path.write_bytes(b'{"a": 1}\n' + b"\n" * 50)
    assert items_key(read_items(str(path), ReadOptions(), ByteRange(9, None, 2))) == []
    assert [i.error.reason for i in read_items(str(tmp_path / "blank.jsonl"))
            if i.error] == []


def test_a_file_read_in_ranges_is_detected_once_and_batched_in_input_order(tmp_path):
    path = tmp_path / "big.jsonl"
    path.write_bytes(b"\n".join(alpaca_lines(300)) + b"\n")
    cfg = RunConfig(target="bedrock-text", output="unused", batch_size=16, split_bytes=3000)
    tasks = plan_reads(4, str(path), None, cfg)
    assert len(tasks) > 3 and [t.part_index for t in tasks] == list(range(len(tasks)))
    assert {t.adapter for t in tasks} == {"alpaca"} and [t.last for t in tasks][-2:] == [
        False, True]
    batches = [b for t in reversed(tasks) for b in iter_batches(t, cfg)]   # any order
    batches.sort(key=lambda b: b.key)
    whole = list(iter_batches(ReadTask(4, str(path), None), cfg))
    assert [(i.line, i.value) for b in batches for i in b.items] == [
        (i.line, i.value) for b in whole for i in b.items]
    assert all(b.key.startswith("000004-") for b in batches)


def test_a_file_no_adapter_recognises_is_read_whole(tmp_path):
    path = tmp_path / "odd.jsonl"
    path.write_bytes(b'{"zzz": 1}\n' * 2000)
    cfg = RunConfig(target="bedrock-text", output="unused", split_bytes=1000)
    assert plan_reads(0, str(path), None, cfg) == [ReadTask(0, str(path), None)]
