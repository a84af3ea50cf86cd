"""nova-rft-multiturn through the command line: RFT prompts (prompt-answer input) each end in one
output, run, --dry-run and inspect giving one reason a refused record; what `run` writes passes
`validate --target nova-rft-multiturn`, which refuses each bad record of the format with its
reason (tests/oracles/test_forge_rft_multiturn.py compares them with the Forge SDK's)."""
from __future__ import annotations

from collections import Counter

import orjson
import pytest

from tests.helpers import check_accounting, read_json, read_jsonl
from tests.oracles.test_forge_rft_multiturn import CASES
from tests.pipelines.test_one_rule_set import (_write, cli, dry_run_reasons, inspect_reasons,
                                               run_reasons, validate_reasons)

T = ["--target", "nova-rft-multiturn"]
USER = {"role": "user", "content": "What is 2 + 2?"}
TOOL = {"type": "function", "function": {"name": "add", "description": "Adds.", "parameters": {
    "type": "object", "properties": {}}}}
PROMPTS = [({"messages": [{"role": "system", "content": "Be brief."}, USER],
             "reference_answer": "4", "ground_truth": "4"}, None),
           ({"prompt": "What is 3 * 4?", "solution": "12", "ground_truth": "12"}, None),
           ({"messages": [USER], "reference_answer": {"sum": 4}, "ground_truth": "4"},
            "wrong_type"),
           ({"messages": [USER], "reference_answer": " ", "ground_truth": "4"},
            "empty_reference_answer"),
           ({"messages": [USER], "reference_answer": "4", "ground_truth": "4", "tools": [TOOL]},
            "tool_turn"),
           ({"messages": [USER, {"role": "assistant", "content": "4"}],
             "reference_answer": "4"}, "ends_with_assistant"),
           (b'{"messages": [', "invalid_json"),
           ({"question": "Weng earns $12 an hour. How much for 50 minutes?",
             "answer": "0.2 * 50 = 10 #### 10", "ground_truth": "10"}, None)]


@pytest.mark.slow   # three in-process commands and two validates: ~4 s
def test_rft_prompts_end_in_one_output_and_validate_accepts_what_run_writes(tmp_path, capsys):
    corpus = tmp_path / "prompts.jsonl"
    expected = {i: r for i, r in enumerate(_write(corpus, PROMPTS), 1) if r}
    assert run_reasons(capsys, tmp_path, corpus, T) == expected
    assert inspect_reasons(capsys, corpus, T, len(PROMPTS)) == expected
    assert dry_run_reasons(capsys, tmp_path, corpus, T) == Counter(expected.values())
    report = read_json(tmp_path / "out" / "report.json")
    check_accounting(report)
    written = read_jsonl(tmp_path / "out" / "train" / "train.jsonl")
    assert [(r["metadata"]["answer"], r["metadata"]["info"]) for r in written] == [
        ("4", {"ground_truth": "4"}), ("12", {"ground_truth": "12"}),
        ("0.2 * 50 = 10 #### 10", {"ground_truth": "10"})]
    code, _, err = cli(capsys, "validate", tmp_path / "out" / "train" / "train.jsonl", *T)
    assert code == 0, err


def test_validate_refuses_each_bad_record_with_its_reason(tmp_path, capsys):
    bad = [(record, expected) for record, expected, _ in CASES if expected]
    corpus = tmp_path / "bad.jsonl"
    corpus.write_bytes(b"".join(orjson.dumps(record) + b"\n" for record, _ in bad))
    by_line, _ = validate_reasons(capsys, corpus, T)
    assert by_line == {i: {expected} for i, (_, expected) in enumerate(bad, 1)}
