"""openai-dpo through the command line: `run`, `--dry-run`, `inspect` and `validate` give one
reason a record for a corpus in the target's own format (test_one_rule_set's pattern), and
issue 25's mixed preference / RFT fixtures end each in one output: the pairs written (each
passing `validate --target openai-dpo`), every other record a dead letter with its own
reason, no rejected answer ever preferred."""
from __future__ import annotations


import pytest

from tests.helpers import (ISSUE25_FIXTURES, PAIR_TARGET_REFUSED, check_accounting, read_json,
                           read_jsonl, reasons_by_place, write_jsonl)
from tests.pipelines.test_one_rule_set import check_one_rule_set, cli, four_commands

FIXTURES = ISSUE25_FIXTURES
T = ["--target", "openai-dpo"]


def _pair(prompt: str, preferred: str, rejected: str, **input_keys) -> dict:
    return {"input": {"messages": [{"role": "user", "content": prompt}], **input_keys},
            "preferred_output": [{"role": "assistant", "content": preferred}],
            "non_preferred_output": [{"role": "assistant", "content": rejected}]}


GOOD = [(_pair(f"What is {i} + {i}?", str(2 * i), str(2 * i + 1)), None) for i in range(10)]
DPO = GOOD + [
    (_pair("Is it cold?", "Mild: 14-20 C.", "No.", parallel_tool_calls=True), None),
    (_pair("Pick a colour.", "Blue.", "Blue."), "identical_preference"),
    (_pair("Pick a colour.", "Blue.", "   "), "empty_field"),
    ({**_pair("q", "a", "b"), "preferred_output": [{"role": "assistant", "content": "a"}] * 2},
     "invalid_record"),
    ({key: value for key, value in _pair("q", "a", "b").items()
      if key != "non_preferred_output"}, "missing_field"),
    ({**_pair("q", "a", "b"), "input": {"messages": [
        {"role": "user", "content": "q"}, {"role": "assistant", "content": "x"}]}},
     "ends_with_assistant"),
    ({**_pair("q", "a", "b"), "input": {"messages": [
        {"role": "user", "content": "q"}, {"role": "robot", "content": "x"},
        {"role": "user", "content": "q"}]}}, "unknown_role"),
    (b'{"input": {"messages": [', "invalid_json"),
    (b"[1, 2]", "wrong_type"),
]


@pytest.mark.slow   # four in-process commands: ~3 s
def test_openai_dpo_records_get_one_reason_from_every_command(tmp_path, capsys):
    check_one_rule_set(four_commands(capsys, tmp_path, DPO, T))


REJECTED = ["9", "Lyon.", "5", "Not cold.", "No."]


@pytest.mark.slow   # a whole run and a validate: ~4 s
def test_every_fixture_record_ends_in_one_output_and_validate_accepts_the_run(tmp_path, capsys):
    # OpenAI takes at least 10 training examples: 10 more pairs make the run succeed
    pairs = write_jsonl(tmp_path / "pairs.jsonl", [row for row, _ in GOOD])
    out = tmp_path / "out"
    code, _, err = cli(capsys, "run", "--input", FIXTURES, "--input", pairs, "--output", out,
                       *T, "--validation-split", "0")
    assert code == 0, err
    report = read_json(out / "report.json")
    check_accounting(report)
    dead = read_jsonl(out / "dead_letter" / "dead_letter.jsonl")
    refused = reasons_by_place(dead)
    assert len(refused) == len(dead) and refused == PAIR_TARGET_REFUSED
    written = read_jsonl(out / "train" / "train.jsonl")
    assert len(written) == report["input_records"] - len(dead) == 16
    assert not {o["preferred_output"][0]["content"] for o in written} & set(REJECTED)
    request = read_json(out / "training-request.json")["request"]
    assert request["method"] == {"type": "dpo"}   # else OpenAI trains it as supervised data
    code, _, err = cli(capsys, "validate", *T, out / "train" / "train.jsonl")
    assert code == 0 and "no problems" in err, err
