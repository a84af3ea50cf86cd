"""The report describes the preference and RFT data a run writes (issue 25 item 5), through
the command line on the shared samples: LLaMA-Factory's DPO demo through openai-dpo (chosen
longer in 131 of its 300 pairs, as docs/preference-formats.md measured) with the same figures on
another runner, the demo cut into files and a validation split; the RFT sample through
bedrock-rft (its grader field, no tools)."""
from __future__ import annotations

import orjson
import pytest

from tests.helpers import check_accounting, read_json
from tuneprep.pipelines.cli import main

pytestmark = pytest.mark.slow   # each run is the whole command on 300 records: 3-5 s


def run(out, *args) -> dict:
    assert main(["run", "--quiet", "--output", str(out), *map(str, args)]) == 0
    report = read_json(out / "report.json")
    check_accounting(report)
    return report


def test_the_dpo_demo_reports_its_pairs_alike_on_every_runner(tmp_path, corpora):
    demo = corpora / "llamafactory_samples" / "dpo_en_demo.json"
    report = run(tmp_path / "local", "--input", demo, "--target", "openai-dpo")
    pairs = report["preferences"]
    assert (pairs["pairs"], pairs["chosen_longer"], pairs["same_length"]) == (300, 131, 1)
    assert pairs["chosen"]["chars"]["count"] == pairs["rejected"]["chars"]["count"] == 300
    assert "rft" not in report
    page = (tmp_path / "local" / "report.html").read_text(encoding="utf-8")
    assert "chosen longer in 131 of 300 pairs (43.7%)" in page
    # Beam's direct runner, the records in three files and split in two: other batches, other
    # merges, the same figures
    records = orjson.loads(demo.read_bytes())
    for i in range(3):
        (tmp_path / f"part{i}.jsonl").write_bytes(b"".join(
            orjson.dumps(r) + b"\n" for r in records[i::3]))
    other = run(tmp_path / "direct", "--input", tmp_path / "part*.jsonl", "--target",
                "openai-dpo", "--runner", "DirectRunner", "--validation-split", "0.3")
    assert other["output_records"]["validation"] > 0
    assert other["preferences"] == pairs


def test_the_rft_sample_reports_its_grader_fields(tmp_path, corpora):
    report = run(tmp_path / "out", "--input", corpora / "bedrock_samples" / "rft_train_data.jsonl",
                 "--target", "bedrock-rft")
    assert report["rft"] == {"records": 300, "records_with_tools": 0,
                             "grader_fields": {"ground_truth": 300}}
    assert "preferences" not in report
