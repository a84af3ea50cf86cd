"""The Nova Forge SDK's multi-turn RFT validator (RFTMultiturnDatasetValidator, Nova 2 Lite) as
the oracle for nova-rft-multiturn: what `tuneprep run --target nova-rft-multiturn` writes passes
it, the records it refuses tuneprep refuses with their own reasons, and the all-or-none
optional fields agree. Where tuneprep is stricter, the case says why (the target's docstring)."""
from __future__ import annotations

import orjson
import pytest

from tests.helpers import read_json, read_jsonl
from tuneprep.pipelines.cli import main

pytestmark = pytest.mark.slow

RFT_SAMPLE = "/work/shared/corpora/bedrock_samples/rft_train_data.jsonl"
T = ["--target", "nova-rft-multiturn"]


def _mt(prompt=None, **metadata) -> dict:
    return {"id": "p1", "metadata": {"prompt": prompt or [{"role": "user", "content": "2 + 2?"}],
                                     **metadata}}


CALL = {"id": "c1", "type": "function", "function": {"name": "add", "arguments": "{}"}}
# (record, tuneprep's reason, does Forge refuse it too?)
CASES = [
    (_mt(), None, False),
    (_mt(answer="4", task="math", info={"ground_truth": "4"}), None, False),
    (_mt("What is 2 + 2?", info='{"k": 1}'), None, False),
    (_mt([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "2 + 2?"},
          {"role": "assistant", "tool_calls": [CALL]},
          {"role": "tool", "tool_call_id": "c1", "content": "4"},
          {"role": "user", "content": "So?"}]), None, False),
    ({"metadata": _mt()["metadata"]}, "missing_field", True),
    ({**_mt(), "id": 5}, "wrong_type", True),
    ({**_mt(), "id": "  "}, "empty_field", True),
    ({"id": "p1"}, "missing_field", True),
    ({**_mt(), "prompt": "flat"}, "invalid_record", True),     # issue 25's flat shape
    (_mt(extra=1), "invalid_record", True),
    (_mt(" "), "empty_field", True),
    (_mt(7), "wrong_type", True),
    (_mt([{"role": "User", "content": "q"}]), "unknown_role", True),
    (_mt([{"role": "user", "content": " "}]), "empty_field", True),
    (_mt([{"role": "user", "content": [{"type": "text", "text": "q"}]}]), "wrong_type", True),
    (_mt([{"role": "user", "content": "q"}, {"role": "tool", "content": "4"}]),
     "missing_field", True),
    (_mt([{"role": "user", "content": "q"}, {"role": "assistant", "tool_calls": [
        {**CALL, "type": "code"}]}, {"role": "user", "content": "q"}]), "bad_tool_call", True),
    (_mt(answer=4), "wrong_type", True),
    (_mt(task=["math"]), "wrong_type", True),
    (_mt(info="not json"), "invalid_record", True),
    (_mt(info=3), "wrong_type", True),
    # stricter than Forge: the rollout writes the answer (issue 25, as bedrock-rft), a system
    # message goes first, a blank answer grades nothing, a message key the trainer never
    # reads would be lost without a word
    (_mt([{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]),
     "ends_with_assistant", False),
    (_mt([{"role": "user", "content": "q"}, {"role": "system", "content": "s"}]),
     "system_not_first", False),
    (_mt([{"role": "system", "content": "s"}]), "missing_user_message", False),
    (_mt(answer=" "), "empty_reference_answer", False),
    (_mt([{"role": "user", "content": "q", "name": "x"}]), "unrecognized_key", False),
]


def _cli(capsys, *argv) -> tuple[int, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    return code, out


def test_every_case_is_refused_alike_or_stricter_for_a_stated_reason(oracle, tmp_path, capsys):
    # one file, one command each: both say which lines they refuse
    path = tmp_path / "cases.jsonl"
    path.write_bytes(b"".join(orjson.dumps(record) + b"\n" for record, _, _ in CASES))
    _, out = _cli(capsys, "validate", path, *T, "--format", "json")
    found: dict[int, set] = {}
    for problem in orjson.loads(out)["problems"]:
        if problem["line"] is not None:
            found.setdefault(problem["line"], set()).add(problem["reason"])
    assert found == {i: {expected} for i, (_, expected, _) in enumerate(CASES, 1) if expected}
    refused = {r["line"] for r in oracle.forge_rft_multiturn([path])["refused"]}
    assert refused == {i for i, (_, _, forge) in enumerate(CASES, 1) if forge}


def test_an_optional_field_in_some_records_only_is_refused_by_both(oracle, tmp_path, capsys):
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(orjson.dumps(_mt(answer="4")) + b"\n" + orjson.dumps(_mt()) + b"\n")
    code, out = _cli(capsys, "validate", path, *T, "--format", "json")
    assert code == 1
    assert {p["reason"] for p in orjson.loads(out)["problems"]} == {"inconsistent_fields"}
    assert "metadata.answer" in oracle.forge_rft_multiturn([path])["dataset_error"]


def test_the_shared_sample_is_written_whole_and_passes_forge(oracle, tmp_path, capsys):
    out = tmp_path / "out"
    code, _ = _cli(capsys, "run", "--input", RFT_SAMPLE, "--output", out, *T, "--model",
                   "rft-multiturn-nova-2-lite")
    assert code == 0
    report = read_json(out / "report.json")
    assert (report["input_records"], report["dead_letter_records"]) == (300, 0)
    written = out / "train" / "train.jsonl"
    with open(RFT_SAMPLE, "rb") as sample:
        given = [orjson.loads(line) for line in sample if line.strip()]
    # the prompt, the reference answer and the grader field, untouched, each in its place
    assert [(r["metadata"]["prompt"], r["metadata"]["answer"], r["metadata"]["info"])
            for r in read_jsonl(written)] == [
        (g["messages"], g["reference_answer"], {"ground_truth": g["ground_truth"]})
        for g in given]
    assert oracle.forge_rft_multiturn([written]) == {"records": 300, "refused": [],
                                                     "dataset_error": None}
    code, _ = _cli(capsys, "validate", written, *T, "--model", "rft-multiturn-nova-2-lite")
    assert code == 0
