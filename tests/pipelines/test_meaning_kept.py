"""Nothing the user meant is changed (issue 22), through the command line as a user runs it:
message weights (a weight 0 stays out of training, a bad weight is refused by `run` as by
`validate`, a target without weights refuses them unless --repair drop_weights)."""
from __future__ import annotations

from collections import Counter

import pytest

from tests.helpers import REPO, read_json, read_jsonl
from tuneprep.pipelines.cli import main

FIXTURES = REPO / "tests" / "fixtures" / "issue22"
WEIGHTS = FIXTURES / "weights.jsonl"

pytestmark = pytest.mark.slow   # each test is a run (or two) of the whole command: 3-4 s


def run(capsys, tmp_path, *args) -> tuple[int, str, dict, list, list]:
    """(exit code, stdout, report, records written to train, dead letters)."""
    out = tmp_path / "out"
    code = main(["run", "--output", str(out), *map(str, args)])
    stdout, _ = capsys.readouterr()
    report = read_json(out / "report.json")
    train = out / "train" / "train.jsonl"
    dead = out / "dead_letter" / "dead_letter.jsonl"
    return (code, stdout, report, read_jsonl(train) if train.exists() else [],
            read_jsonl(dead) if dead.exists() else [])


def test_openai_chat_writes_weights_and_refuses_bad_ones_as_validate_does(capsys, tmp_path):
    code, _, report, written, dead = run(capsys, tmp_path, "--input", WEIGHTS,
                                         "--target", "openai-chat")
    assert code == 0
    excluded = written[0]["messages"][1]
    assert excluded == {"role": "assistant", "content": "Go away.", "weight": 0}
    assert written[0]["messages"][3]["weight"] == 1
    assert "weight" not in str(written[1])
    assert report["dead_letter_reasons"] == {"bad_weight": 4}
    assert [d["source"]["line"] for d in dead] == [2, 3, 4, 5]
    # validate refuses the same lines of the same input, with the same reason
    assert main(["validate", "--target", "openai-chat", str(WEIGHTS)]) == 1
    lines = capsys.readouterr()[0].splitlines()
    assert [line.split(":")[-3:-1] for line in lines] == \
        [[str(n), " bad_weight"] for n in (2, 3, 4, 5)]
    # and passes what run wrote
    assert main(["validate", "--target", "openai-chat", str(tmp_path / "out")]) == 0


def test_a_target_without_weights_refuses_them_unless_dropped(capsys, tmp_path):
    _, _, report, written, dead = run(capsys, tmp_path, "--input", WEIGHTS,
                                      "--target", "bedrock-multi-turn")
    assert report["dead_letter_reasons"] == {"bad_weight": 4, "weight_not_taken": 1}
    refused = [d for d in dead if d["reason"] == "weight_not_taken"]
    assert refused[0]["source"]["line"] == 1
    assert '"weight"' in refused[0]["message"] and "--repair drop_weights" in refused[0]["message"]
    assert len(written) == 1
    _, _, report, written, _ = run(capsys, tmp_path, "--input", WEIGHTS, "--overwrite",
                                   "--target", "bedrock-multi-turn", "--repair", "drop_weights")
    assert report["dead_letter_reasons"] == {"bad_weight": 4}
    assert [m["content"] for m in written[0]["messages"]] == \
        ["Say hi.", "Go away.", "Please?", "Hi!"]
    assert Counter(m["role"] for m in written[0]["messages"]) == {"user": 2, "assistant": 2}
