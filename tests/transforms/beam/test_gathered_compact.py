"""What the end of a run holds per input file (issue 28, item 7): the parts' descriptions and
the per-file counts are gathered on one worker and held by the runner encoded, decoded and
cached as side inputs; a run of 20,000 one-record files grew by ~7 KB a file at its end. Both
are now gathered as columns (PartTable, FileCounts) that encode as a few blobs."""
from __future__ import annotations

from types import SimpleNamespace

from apache_beam.coders import typecoders

from tuneprep.transforms.beam.write import GatherParts, MergeStats
from tuneprep.transforms.steps import stats as st
from tuneprep.transforms.sink.parts import Part
from tuneprep.transforms.sink.staged_files import temp_root
from tuneprep.transforms.core.layout import part_file
from tuneprep.transforms.io.storage import join

N = 2000
CODER = typecoders.registry.get_coder(object)   # what the runner encodes a gathered value with


def _combined(fn, elements):
    acc = fn.create_accumulator()
    half = fn.create_accumulator()
    for i, element in enumerate(elements):   # two bundles' accumulators, merged
        if i % 2:
            fn.add_input(acc, element)
        else:
            fn.add_input(half, element)
    return fn.extract_output(fn.merge_accumulators([acc, half]))


def _parts(cfg) -> list[Part]:
    out = []
    for i in range(N):
        key, source = f"{i:06d}-0000-00000000", f"/data/corpus/part-{i // 2:07d}.jsonl"
        out.append(Part("train", key, join(temp_root(cfg), part_file("train", key)), 1, 40,
                        source))
        if i % 100 == 0:   # a dead-letter part; one on S3-like with its digest; one elsewhere
            out.append(Part("dead_letter", key, f"/elsewhere/{key}.jsonl", 1, 90, source,
                            "ab" * 32))
    return out


def test_gathered_parts_encode_in_a_few_bytes_a_part_and_come_back_whole(tmp_path):
    cfg = SimpleNamespace(output=str(tmp_path / "out"), run_id="0123abcd")
    parts = _parts(cfg)
    gathered = _combined(GatherParts(cfg), parts)
    encoded = CODER.encode(gathered)
    assert len(encoded) / len(parts) < 80   # (half a source name a part here); a list: ~230
    back = CODER.decode(encoded)
    assert sorted(back.parts(cfg), key=lambda p: (p.kind, p.key)) == sorted(
        parts, key=lambda p: (p.kind, p.key))


def test_merged_statistics_keep_every_files_counts_in_a_few_bytes_a_file():
    batches = []
    for i in range(N):
        stats = st.new_stats()
        stats["input_records"] = 3
        uri = f"/data/corpus/part-{i // 2:07d}.jsonl"   # two batches a file (byte ranges)
        f = st.file_stats(stats, uri, None if i % 2 else "alpaca")
        f.update(input_records=3, accepted_records=2, dead_letter_records=1)
        batches.append(stats)
    expected = st.new_stats()
    for stats in batches:
        st.merge(expected, stats)
    totals, files = _combined(MergeStats(), batches)
    assert {**totals, "files": files.as_dict()} == expected
    assert list(files.as_dict().items())[0] == ("/data/corpus/part-0000000.jsonl", {
        "input_records": 6, "accepted_records": 4, "dead_letter_records": 2,
        "adapter": "alpaca"})
    encoded = CODER.encode((totals, files))
    assert len(encoded) / len(files) < 32 + len("/data/corpus/part-0000000.jsonl")   # ~130 as dicts
    back_totals, back_files = CODER.decode(encoded)
    assert {**back_totals, "files": back_files.as_dict()} == expected
