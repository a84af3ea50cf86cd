"""The Nova Forge SDK's RFT validator (RFTDatasetValidator, Nova 2 Lite) as the oracle for
bedrock-rft: what `tuneprep run --target bedrock-rft` writes passes it, the records it refuses
tuneprep refuses with their own reasons, and the record bounds (100-20,000) agree. Where
tuneprep is stricter, the case says why (docs/preference-formats.md §1)."""
from __future__ import annotations

import orjson
import pytest

from tests.helpers import read_json, read_jsonl
from tuneprep.pipelines.cli import main

pytestmark = pytest.mark.slow

RFT_SAMPLE = "/work/shared/corpora/bedrock_samples/rft_train_data.jsonl"
TOOL = {"type": "function", "function": {"name": "add", "description": "Adds two numbers.",
                                         "parameters": {"type": "object", "properties": {
                                             "a": {"type": "number"}}}}}


def _rft(messages=None, **extra) -> dict:
    return {"messages": messages or [{"role": "user", "content": "What is 2 + 2?"}],
            "reference_answer": "4", **extra}


# (record, tuneprep's reason, does Forge refuse it too?)
CASES = [
    (_rft(), None, False),
    (_rft(reference_answer={"value": 4}, ground_truth="4"), None, False),
    (_rft(messages=[{"role": "system", "content": "Be brief."},
                    {"role": "user", "content": "2 + 2?"}]), None, False),
    (_rft(reference_answer=" "), "empty_reference_answer", True),
    (_rft(reference_answer={}), "empty_reference_answer", True),
    (_rft(reference_answer=4), "wrong_type", True),
    (_rft(messages=[{"role": "user", "content": "q"}, {"role": "system", "content": "s"}]),
     "system_not_first", True),
    (_rft(messages=[{"role": "system", "content": "s"}]), "missing_user_message", True),
    (_rft(messages=[{"role": "user", "content": "q", "name": "x"}]), "unrecognized_key", True),
    (_rft(messages=[{"role": "robot", "content": "q"}, {"role": "user", "content": "q"}]),
     "unknown_role", True),
    (_rft(messages=[{"role": "user", "content": " "}]), "empty_field", True),
    (_rft(id=5), "wrong_type", True),
    (_rft(tools=[TOOL, TOOL]), "bad_tool_definition", True),
    (_rft(tools=[{"type": "function", "function": {**TOOL["function"], "description": ""}}]),
     "bad_tool_definition", True),
    # stricter than Forge: the rollout writes the answer, so a prompt ending with one is not a
    # prompt (issue 25); a record without reference leaves the grader nothing (Bedrock's page:
    # "each example contains messages and reference_answer"; Forge takes it as optional)
    (_rft(messages=[{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]),
     "ends_with_assistant", False),
    ({"messages": [{"role": "user", "content": "q"}]}, "empty_reference_answer", False),
]


def _cli(capsys, *argv) -> tuple[int, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    return code, out


def test_every_case_is_refused_alike_or_stricter_for_a_stated_reason(oracle, tmp_path, capsys):
    for index, (record, expected, forge_refuses) in enumerate(CASES):
        path = tmp_path / f"case{index}.jsonl"
        path.write_bytes(orjson.dumps(record) + b"\n")
        _, out = _cli(capsys, "validate", path, "--target", "bedrock-rft", "--format", "json")
        found = {p["reason"] for p in orjson.loads(out)["problems"] if p["line"] is not None}
        assert found == ({expected} if expected else set()), record
        assert bool(oracle.forge_rft([path])["refused"]) == forge_refuses, record


def test_the_shared_sample_is_written_whole_and_passes_forge(oracle, tmp_path, capsys):
    out = tmp_path / "out"
    code, _ = _cli(capsys, "run", "--input", RFT_SAMPLE, "--output", out, "--target",
                   "bedrock-rft", "--model", "rft-nova-2-lite")
    assert code == 0
    report = read_json(out / "report.json")
    assert (report["input_records"], report["dead_letter_records"]) == (300, 0)
    written = out / "train" / "train.jsonl"
    # reference answers and grader fields untouched: the file is the sample's records as given
    with open(RFT_SAMPLE, "rb") as sample:   # (its last line has no newline)
        assert read_jsonl(written) == [orjson.loads(line) for line in sample if line.strip()]
    verdict = oracle.forge_rft([written])
    assert (verdict["records"], verdict["refused"], verdict["dataset_error"],
            verdict["row_count_error"]) == (300, [], None, None)
    code, _ = _cli(capsys, "validate", written, "--target", "bedrock-rft", "--model",
                   "rft-nova-2-lite")
    assert code == 0


@pytest.mark.parametrize("records, refused", [(99, True), (100, False), (20_000, False),
                                              (20_001, True)])
def test_the_record_bounds_agree(oracle, records, refused):
    from tuneprep.transforms.sink.dataset_rules import record_count_problems
    from tuneprep.transforms.targets import get_target, models
    ours = record_count_problems(models.get_model("rft-nova-2-lite"), {"train": records},
                                 target=get_target("bedrock-rft"))
    assert bool(ours) == refused
    assert bool(oracle.forge_rft(train_records=records)["row_count_error"]) == refused
