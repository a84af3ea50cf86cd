"""report.json's accounting (run_report.build_report) builds the per-file list once: a file's
counts are the merged statistics' own (not a deep copy, then a sorted copy of that), and the
statistics are left as they were (the assembly may run again on them)."""
from __future__ import annotations

import copy

from tuneprep.transforms.steps import stats as st
from tuneprep.transforms.sink.run_report import build_report


def _stats() -> dict:
    stats = st.new_stats()
    for uri, n in (("b.jsonl", 4), ("a.jsonl", 6)):
        f = st.file_stats(stats, uri, "alpaca")
        f.update(input_records=n, accepted_records=n)
        stats["input_records"] += n
        stats["accepted_records"] += n
    stats["output_records"] = {"train": 10}
    return stats


def test_the_per_file_counts_are_sorted_and_not_copied():
    stats = _stats()
    report = build_report(stats, {}, {}, [])
    assert list(report["files"]) == ["a.jsonl", "b.jsonl"]
    assert all(report["files"][uri] is stats["files"][uri] for uri in stats["files"])


def test_sampled_out_records_are_counted_per_file_without_changing_the_statistics():
    stats = _stats()
    before = copy.deepcopy(stats)
    report = build_report(stats, {"train": 3}, {"a.jsonl": 3}, [])
    assert report["files"] == {
        "a.jsonl": {"input_records": 6, "accepted_records": 3, "dead_letter_records": 0,
                    "adapter": "alpaca", "sampled_out_records": 3},
        "b.jsonl": {"input_records": 4, "accepted_records": 4, "dead_letter_records": 0,
                    "adapter": "alpaca", "sampled_out_records": 0}}
    assert report["accepted_records"] == 7 and report["sampled_out_records"] == 3
    assert stats == before
