"""Issue 25's input shapes through the command line, mixed in one run (tests/fixtures/issue25:
TRL, OpenAI and Nova preference data, LLaMA-Factory's DPO and KTO, RFT prompts with reference
answers): every record ends in exactly one output, written or a dead letter with its own
reason, and what is written is never a rejected response or a reference answer."""
from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from tests.helpers import (ISSUE25_FIXTURES, check_accounting, read_json, read_jsonl,
                           reasons_by_place, write_jsonl)
from tuneprep.pipelines.cli import main

FIXTURES = ISSUE25_FIXTURES

# (file, 1-based position) → the reason its record is refused with; every other record of
# the fixtures is written (its chosen response, by --repair use_chosen)
REFUSED = {
    ("trl_preference.jsonl", 4): "identical_preference",
    ("trl_preference.jsonl", 5): "prompt_mismatch",
    ("openai_preference.jsonl", 2): "identical_preference",
    ("nova_dpo.jsonl", 2): "missing_label",
    ("llamafactory_dpo.json", 2): "identical_preference",
    ("llamafactory_kto.json", 2): "preference_record",        # labelled false: never trained on
    ("rft_messages.jsonl", 1): "missing_assistant_message",   # a grader's reference, not an answer
    ("rft_messages.jsonl", 2): "missing_assistant_message",
    ("rft_messages.jsonl", 3): "empty_reference_answer",
    ("prompt_answer.jsonl", 1): "missing_assistant_message",
    ("prompt_answer.jsonl", 2): "missing_assistant_message",
}
NEVER_WRITTEN = ["9", "Lyon.", "5", "Not cold.", "No.", "Five, probably.",
                 "48 + 24 = 72 #### 72", "12", "0.2 * 50 = 10 #### 10"]


def records_of(path: Path) -> int:
    text = path.read_bytes()
    return len(orjson.loads(text)) if path.suffix == ".json" else len(text.splitlines())


@pytest.mark.slow   # one whole run of the command: 3-9 s
def test_every_preference_and_rft_record_ends_in_exactly_one_output(capsys, tmp_path):
    # OpenAI takes at least 10 training examples: 10 plain exchanges make the run succeed
    plain = write_jsonl(tmp_path / "plain.jsonl", [{"messages": [
        {"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": f"a{i}"}]}
        for i in range(10)])
    out = tmp_path / "out"
    code = main(["run", "--input", str(FIXTURES), "--input", str(plain), "--output", str(out),
                 "--target", "openai-chat", "--repair", "use_chosen", "--validation-split", "0"])
    capsys.readouterr()
    assert code == 0
    report = read_json(out / "report.json")
    check_accounting(report)
    fixture_records = sum(records_of(path) for path in FIXTURES.iterdir())
    assert report["input_records"] == fixture_records + 10
    dead = read_jsonl(out / "dead_letter" / "dead_letter.jsonl")
    refused = reasons_by_place(dead)
    assert len(refused) == len(dead) and refused == REFUSED   # each once, with its reason
    written = read_jsonl(out / "train" / "train.jsonl")
    assert len(written) == fixture_records - len(REFUSED) + 10
    assert report["repaired_records"] == {"use_chosen": fixture_records - len(REFUSED)}
    answers = {m["content"] for r in written for m in r["messages"] if m["role"] == "assistant"}
    assert {"7", "Paris.", "4", "Around 14-20 C: mild.", "Hello!", "4."} <= answers
    assert not answers & set(NEVER_WRITTEN)
