"""openai-rft through the command line: `run`, `--dry-run`, `inspect` and `validate` give one
reason a record (test_one_rule_set's pattern), and what `run` writes from issue 25's fixtures
passes `validate --target openai-rft`, every other record a dead letter with its reason."""
from __future__ import annotations


import pytest

from tests.helpers import (ISSUE25_FIXTURES, check_accounting, read_json, read_jsonl,
                           reasons_by_place, write_jsonl)
from tests.pipelines.test_one_rule_set import check_one_rule_set, cli, four_commands

FIXTURES = ISSUE25_FIXTURES
T = ["--target", "openai-rft"]


def _rft(*messages, **extra) -> dict:
    return {"messages": [{"role": r, "content": c} for r, c in messages] or
            [{"role": "user", "content": "What is 2 + 2?"}], "reference_answer": "4", **extra}


GOOD = [(_rft(("user", f"What is {i} + {i}?"), reference_answer=str(2 * i)), None)
        for i in range(10)]
RFT = GOOD + [
    (_rft(ground_truth="4", task={"kind": "math"}), None),
    (_rft(reference_answer="  "), "empty_reference_answer"),
    (_rft(reference_answer=5), "wrong_type"),
    (_rft(("user", "   ")), "empty_field"),
    (_rft(("robot", "2 + 2?"), ("user", "2 + 2?")), "unknown_role"),
    (b'{"messages": [', "invalid_json"),
]


@pytest.mark.slow   # four in-process commands: ~3 s
def test_openai_rft_records_get_one_reason_from_every_command(tmp_path, capsys):
    check_one_rule_set(four_commands(capsys, tmp_path, RFT, T))


# the fixtures' records openai-rft refuses, (file, position) -> reason; the RFT prompts are written
REFUSED = {
    ("trl_preference.jsonl", 1): "preference_record", ("trl_preference.jsonl", 2):
    "preference_record", ("trl_preference.jsonl", 3): "preference_record",
    ("trl_preference.jsonl", 4): "identical_preference",
    ("trl_preference.jsonl", 5): "prompt_mismatch",
    ("openai_preference.jsonl", 1): "preference_record",
    ("openai_preference.jsonl", 2): "identical_preference",
    ("nova_dpo.jsonl", 1): "preference_record", ("nova_dpo.jsonl", 2): "missing_label",
    ("llamafactory_dpo.json", 1): "preference_record",
    ("llamafactory_dpo.json", 2): "identical_preference",
    ("llamafactory_kto.json", 1): "preference_record",
    ("llamafactory_kto.json", 2): "preference_record",
    ("rft_messages.jsonl", 3): "empty_reference_answer",
}


@pytest.mark.slow   # a whole run and a validate: ~4 s
def test_every_fixture_record_ends_in_one_output_and_validate_accepts_the_run(tmp_path, capsys):
    # OpenAI takes at least 10 training examples: 10 more prompts make the run succeed
    prompts = write_jsonl(tmp_path / "prompts.jsonl", [row for row, _ in GOOD])
    out = tmp_path / "out"
    code, _, err = cli(capsys, "run", "--input", FIXTURES, "--input", prompts, "--output", out,
                       *T, "--validation-split", "0")
    assert code == 0, err
    report = read_json(out / "report.json")
    check_accounting(report)
    dead = read_jsonl(out / "dead_letter" / "dead_letter.jsonl")
    refused = reasons_by_place(dead)
    assert len(refused) == len(dead) and refused == REFUSED
    written = read_jsonl(out / "train" / "train.jsonl")
    assert len(written) == report["input_records"] - len(dead) == 14
    gsm8k = [o for o in written if o.get("id") == "gsm8k-1"]   # grader fields untouched
    assert [(o["reference_answer"], o["ground_truth"]) for o in gsm8k] == \
        [("48 + 24 = 72 #### 72", "72")]
    assert read_json(out / "training-request.json")["request"]["method"]["type"] == \
        "reinforcement"
    code, _, err = cli(capsys, "validate", *T, out / "train" / "train.jsonl")
    assert code == 0 and "no problems" in err, err
