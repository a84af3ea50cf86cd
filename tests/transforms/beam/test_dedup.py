"""--dedup exact through the Beam graph (pipeline.build: the key pass, the grouping, the side
input of dropped records) on the FnApiRunner: every duplicate a dead letter naming the record
kept, the first in input order, across batches, line buckets and files."""
import pytest

from tests.transforms.beam.test_transforms import (alpaca, check_dataset, local_pipeline,
                                                   read_lines, write_jsonl)
from tuneprep.transforms.beam.pipeline import build
from tuneprep.transforms.core.config import RunConfig


@pytest.mark.slow
def test_duplicates_are_dead_letters_naming_the_first(tmp_path):
    # a: 1,100 lines, lines 701-1,100 repeat lines 1-400 (past the first bucket of 1,024
    # lines and across batches of 100); b: two of a's records spaced otherwise, one new
    # record, a line that is no JSON and a record no adapter reads
    a = write_jsonl(tmp_path / "a.jsonl", [alpaca(i % 700) for i in range(1100)])
    spaced = {"instruction": "  Question   5 ", "input": "", "output": "Answer\n5"}
    b = write_jsonl(tmp_path / "b.jsonl", [spaced, alpaca(1050), alpaca(699)],
                    extra_lines=["{broken", '{"weird": 1}'])
    out = tmp_path / "out"
    cfg = RunConfig(target="bedrock-text", output=str(out), inputs=[a, b], batch_size=100,
                    validation_split=0.2, dedup="exact")
    with local_pipeline() as p:
        build(p, cfg)
    report, _ = check_dataset(out)
    assert report["status"] != "failed"
    assert report["input_records"] == 1105
    assert report["dead_letter_reasons"] == {"duplicate": 402, "invalid_json": 1,
                                             "unknown_format": 1}
    assert report["accepted_records"] == 701 == sum(report["output_records"].values())
    assert report["files"][a] == {"input_records": 1100, "accepted_records": 700,
                                  "dead_letter_records": 400, "adapter": "alpaca"}
    assert report["files"][b]["dead_letter_records"] == 4
    dead = [d for d in read_lines(out / "dead_letter/dead_letter.jsonl")
            if d["reason"] == "duplicate"]
    assert all(d["stage"] == "dedup" for d in dead)
    named = {(d["source"]["uri"], d["source"]["line"]): d["message"] for d in dead}
    assert set(named) == {(a, n) for n in range(701, 1101)} | {(b, 1), (b, 3)}
    # alpaca(i) is at line i + 1: the kept one is the first
    assert f"as {a}:1000, which is kept" not in named[(a, 1100)]
    assert f"as {a}:400, which is kept" in named[(a, 1100)]
    assert f"as {a}:6, which is kept" in named[(b, 1)]
    assert f"as {a}:700, which is kept" in named[(b, 3)]
    written = [x["prompt"] for split in ("train", "validation")
               for x in read_lines(out / f"{split}/{split}.jsonl")]
    assert sorted(written) == sorted([f"Question {i}" for i in range(700)] + ["Question 1050"])

