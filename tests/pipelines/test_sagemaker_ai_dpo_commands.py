"""sagemaker-ai-dpo through the command line: `run`, `--dry-run`, `inspect` and `validate` give
one reason a record for a corpus in the target's own format (test_one_rule_set's pattern), and
issue 25's mixed preference / RFT fixtures end each in one output: the pairs written (each
passing `validate --target sagemaker-ai-dpo`), every other record a dead letter with its own
reason."""
from __future__ import annotations


import pytest

from tests.helpers import (ISSUE25_FIXTURES, PAIR_TARGET_REFUSED, check_accounting, read_json,
                           read_jsonl, reasons_by_place)
from tests.pipelines.test_one_rule_set import check_one_rule_set, cli, four_commands

FIXTURES = ISSUE25_FIXTURES
T = ["--target", "sagemaker-ai-dpo"]


def _pair(chosen: str, rejected: str, *prompt: dict) -> dict:
    prompt = list(prompt) or [{"role": "user", "content": "Name a prime."}]
    return {"chosen": prompt + [{"role": "assistant", "content": chosen}],
            "rejected": prompt + [{"role": "assistant", "content": rejected}]}


SYSTEM = {"role": "system", "content": "Be brief."}
DPO = [
    (_pair("7", "9"), None),
    (_pair("7", "9", SYSTEM, {"role": "user", "content": "Name a prime."}), None),
    (_pair("Paris.", "Lyon.", {"role": "user", "content": "Hi"},
           {"role": "assistant", "content": "Hello"},
           {"role": "user", "content": "Capital of France?"}), None),
    (_pair("7", "7"), "identical_preference"),
    ({"chosen": _pair("7", "9")["chosen"], "rejected": [
        {"role": "user", "content": "Name an odd number."},
        {"role": "assistant", "content": "9"}]}, "prompt_mismatch"),
    (_pair("7", "  "), "empty_field"),
    ({"chosen": _pair("7", "9")["chosen"]}, "missing_field"),
    (_pair("7", "9", {"role": "user", "content": "a"}, {"role": "user", "content": "b"}),
     "consecutive_roles"),
    (_pair("7", "9", {"role": "user", "content": "a"}, SYSTEM,
           {"role": "user", "content": "b"}), "system_not_first"),
    (b'{"chosen": [', "invalid_json"),
    (b'"a string"', "wrong_type"),
]


@pytest.mark.slow   # four in-process commands: ~3 s
def test_sagemaker_ai_dpo_records_get_one_reason_from_every_command(tmp_path, capsys):
    check_one_rule_set(four_commands(capsys, tmp_path, DPO, T))




@pytest.mark.slow   # a whole run and a validate: ~4 s
def test_every_fixture_record_ends_in_one_output_and_validate_accepts_the_run(tmp_path, capsys):
    out = tmp_path / "out"
    code, _, err = cli(capsys, "run", "--input", FIXTURES, "--output", out, *T,
                       "--validation-split", "0", "--keep-going")
    assert code in (0, 1), err   # 1: "many dead letters", the fixtures being mostly refusals
    report = read_json(out / "report.json")
    check_accounting(report)
    dead = read_jsonl(out / "dead_letter" / "dead_letter.jsonl")
    refused = reasons_by_place(dead)
    assert len(refused) == len(dead) and refused == PAIR_TARGET_REFUSED
    written = read_jsonl(out / "train" / "train.jsonl")
    assert len(written) == report["input_records"] - len(dead) == 6
    assert all(o["chosen"][:-1] == o["rejected"][:-1] for o in written)
    request = read_json(out / "training-request.json")
    assert request["api"] == "sagemaker.train.DPOTrainer"
    code, _, err = cli(capsys, "validate", *T, out / "train" / "train.jsonl")
    assert code == 0 and "no problems" in err, err
