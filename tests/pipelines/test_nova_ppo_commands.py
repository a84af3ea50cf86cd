"""nova-ppo through the command line: conversations each end in one output, run, --dry-run and
inspect giving one reason a refused record; --field-map names the reward category's source field;
what `run` writes passes `validate --target nova-ppo`, which refuses each bad record of the
format with its reason."""
from __future__ import annotations

from collections import Counter

import orjson
import pytest

from tests.helpers import check_accounting, read_json, read_jsonl
from tests.pipelines.test_one_rule_set import (_write, cli, dry_run_reasons, inspect_reasons,
                                               run_reasons, validate_reasons)

T = ["--target", "nova-ppo"]


def chat(*turns, **fields) -> dict:
    return {"messages": [{"role": r, "content": c} for r, c in turns], **fields}


CONVERSATIONS = [
    (chat(("system", "Be brief."), ("user", "What is ML?"), ("assistant", "Learning."),
          ("user", "Examples?"), ("assistant", "Spam filters."), category="default"), None),
    (chat(("user", "Derivative of x^2?"), category="math"), None),
    (chat(("user", "Hi")), "bad_reward_category"),
    (chat(("user", "Hi"), category="chit-chat"), "bad_reward_category"),
    (chat(("user", "Pick one."), category="if", chosen="A", rejected="B"), "preference_record"),
    (chat(("user", "What is on it?")) | {"images": ["cat.png"], "category": "rag"},
     "not_taken_by_model"),
    (b'{"messages": [', "invalid_json"),
]
BAD = [({"turns": ["q"], "turns_to_mask": [1], "reward_category": "math"}, "invalid_record"),
       ({"turns": ["q"], "turns_to_mask": [0], "reward_category": "poetry"},
        "bad_reward_category"),
       ({"turns": ["q"], "reward_category": "math"}, "missing_field"),
       ({"turns": [" "], "turns_to_mask": [0], "reward_category": "math"}, "empty_field"),
       ({"turns": "q", "turns_to_mask": [0], "reward_category": "math"}, "wrong_type")]


@pytest.mark.slow   # three in-process commands and two validates: ~4 s
def test_conversations_end_in_one_output_and_validate_accepts_what_run_writes(tmp_path, capsys):
    corpus = tmp_path / "chats.jsonl"
    expected = {i: r for i, r in enumerate(_write(corpus, CONVERSATIONS), 1) if r}
    options = T + ["--field-map", "reward_category=category"]
    assert run_reasons(capsys, tmp_path, corpus, options) == expected
    assert inspect_reasons(capsys, corpus, options, len(CONVERSATIONS)) == expected
    assert dry_run_reasons(capsys, tmp_path, corpus, options) == Counter(expected.values())
    check_accounting(read_json(tmp_path / "out" / "report.json"))
    written = tmp_path / "out" / "train" / "train.jsonl"
    assert [(r["turns_to_mask"], r["reward_category"]) for r in read_jsonl(written)] == [
        ([0, 1, 3], "default"), ([0], "math")]
    code, _, err = cli(capsys, "validate", written, *T)
    assert code == 0, err


def test_validate_refuses_each_bad_record_with_its_reason(tmp_path, capsys):
    corpus = tmp_path / "bad.jsonl"
    corpus.write_bytes(b"".join(orjson.dumps(record) + b"\n" for record, _ in BAD))
    by_line, _ = validate_reasons(capsys, corpus, T)
    assert by_line == {i: {expected} for i, (_, expected) in enumerate(BAD, 1)}
