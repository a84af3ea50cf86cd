"""transforms/core/batching.py: batches bounded by records and bytes; the items' sizes taken in
chunks give the very batches sizing item by item gives."""
from __future__ import annotations

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from tuneprep.transforms.core import batching
from tuneprep.transforms.core.batching import fill_batches, item_size, together_size
from tuneprep.transforms.core.records import READ, RecordError
from tuneprep.transforms.io.readers import RawItem


def one_by_one(items, most_records, most_bytes):
    """fill_batches' rule, item by item (what it did before sizing in chunks)."""
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


def refused(line, raw):
    return RawItem(line, error=RecordError("invalid_json", "bad", READ), raw=raw)


values = st.recursive(st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=40),
                      lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)
items = st.lists(st.one_of(
    st.builds(lambda v: RawItem(1, v), values),
    st.builds(lambda raw: refused(1, raw), st.text(max_size=300) | st.none())), max_size=300)


@settings(max_examples=80, deadline=None)
@given(items, st.integers(1, 80), st.integers(1, 4000))
def test_chunked_sizing_makes_the_batches_item_by_item_sizing_makes(items, records, bytes_):
    got = [[id(i) for i in batch] for batch in fill_batches(iter(items), records, bytes_)]
    assert got == [[id(i) for i in batch] for batch in one_by_one(items, records, bytes_)]


def test_a_chunk_is_sized_as_the_sum_of_its_items():
    chunk = [RawItem(1, {"instruction": "“quoted” 東京 😀", "input": "", "output": "x\ny"}),
             refused(2, "not json"), RawItem(3, [1, 2.5, None, True]), refused(4, None),
             RawItem(5, "a document")]
    assert together_size(chunk) == sum(item_size(item) for item in chunk)
    assert together_size([refused(1, "abc")]) == 3 and together_size([]) == 0


def test_a_value_too_deep_for_one_list_is_sized_on_its_own():
    deep = []
    for _ in range(253):   # orjson writes it alone; one more level (the list) it refuses
        deep = [deep]
    orjson.dumps(deep)
    chunk = [RawItem(1, deep), RawItem(2, {"a": "b"})]
    assert together_size(chunk) is None
    assert [len(b) for b in fill_batches(iter(chunk * 40), 1024, 1 << 20)] == [80]


def test_the_bounds_hold_inside_a_chunk():
    small = [RawItem(i, {"text": "x" * 90}) for i in range(batching.SIZED_TOGETHER * 3)]
    assert item_size(small[0]) == 101
    sizes = [len(b) for b in fill_batches(iter(small), 1024, 1000)]
    assert sizes == [9] * (len(small) // 9) + ([len(small) % 9] if len(small) % 9 else [])
    assert [len(b) for b in fill_batches(iter(small), 50, 1 << 20)] == [50, 50, 50, 42]
