"""The counts of input fields a written record does not carry (core/unwritten_fields.py), as
the run's statistics merge them across batches and workers: exact, bounded, order-free."""
from __future__ import annotations

import itertools

from tuneprep.transforms.steps import stats as st
from tuneprep.transforms.core import unwritten_fields as uf


def batch_stats(records: list[tuple]) -> dict:
    stats = st.new_stats()
    uf.count(stats, records)
    return stats


def test_a_batch_counts_each_name_once_a_record():
    stats = batch_stats([("id", "category"), ("id",)])
    assert stats[uf.KEY] == {"category": 1, "id": 2}
    assert uf.OTHER_KEY not in stats
    assert uf.KEY not in batch_stats([])   # a batch whose records were all written whole


def test_merged_counts_add_up_and_keep_a_bounded_number_of_names_whatever_the_order():
    names = [f"k{i:03d}" for i in range(3 * uf.MAX_NAMES)]
    batches = [batch_stats([tuple(names[i::3])] * 2) for i in range(3)]   # 50 names each
    results = []
    for order in itertools.permutations(batches):
        total = st.new_stats()
        for stats in order:
            st.merge(total, stats)
        results.append((total[uf.KEY], total[uf.OTHER_KEY]))
    kept, other = results[0]
    assert all(result == results[0] for result in results)
    assert list(kept) == names[:uf.MAX_NAMES]            # the first names, sorted
    assert set(kept.values()) == {2}                      # each kept count exact
    assert other == 2 * (len(names) - uf.MAX_NAMES)       # every other field counted
