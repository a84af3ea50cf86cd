"""transforms/steps/batching.py: batches bounded by records and bytes, filled item by item and
never ahead of the item that ends a batch (a run of big records after small ones is held one
batch at a time, not a chunk at a time)."""
from __future__ import annotations

from tuneprep.transforms.steps.batching import fill_batches, item_size
from tuneprep.transforms.core.records import READ, RecordError
from tuneprep.transforms.io.readers import RawItem


def refused(line, raw):
    return RawItem(line, error=RecordError("invalid_json", "bad", READ), raw=raw)


def test_the_bounds_hold():
    small = [RawItem(i, {"text": "x" * 90}) for i in range(192)]
    assert item_size(small[0]) == 101
    sizes = [len(b) for b in fill_batches(iter(small), 1024, 1000)]
    assert sizes == [9] * (len(small) // 9) + ([len(small) % 9] if len(small) % 9 else [])
    assert [len(b) for b in fill_batches(iter(small), 50, 1 << 20)] == [50, 50, 50, 42]
    assert [len(b) for b in fill_batches(iter([refused(1, "abc"), refused(2, "d")]), 10, 100)] \
        == [2]


def test_a_batch_is_given_before_the_items_after_it_are_read():
    """Sizing items ahead in chunks held 64 parsed 15 MB records (and their encoding) at once:
    the reader must not be pulled past the item that ends the batch."""
    pulled = []

    def reader():
        for i in range(200):
            pulled.append(i)
            yield RawItem(i, {"text": "x" * (10 if i < 20 else 5000)})

    batches = fill_batches(reader(), 1024, 6000)
    first = next(batches)
    assert len(first) == 21 and len(pulled) == 22   # the 22nd item ended the batch: held next
    second = next(batches)
    assert len(second) == 1 and len(pulled) == 23
