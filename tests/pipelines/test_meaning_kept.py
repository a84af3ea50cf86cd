"""Nothing the user meant is changed (issue 22), through the command line as a user runs it:
message weights (a weight 0 stays out of training, a bad weight is refused by `run` as by
`validate`, a target without weights refuses them unless --repair drop_weights); preference
records (LLaMA-Factory's KTO and DPO demos: refused by a supervised target, or their chosen
answers written by --repair use_chosen, never a rejected or undesirable one)."""
from __future__ import annotations

from collections import Counter

import pytest

from tests.helpers import REPO, check_accounting, read_json, read_jsonl, write_jsonl
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
    check_accounting(report)   # every record read is written or a dead letter
    train = out / "train" / "train.jsonl"
    dead = out / "dead_letter" / "dead_letter.jsonl"
    return (code, stdout, report, read_jsonl(train) if train.exists() else [],
            read_jsonl(dead) if dead.exists() else [])


def plain_records(tmp_path):
    """10 plain exchanges, given after a fixture: OpenAI takes at least 10 training examples."""
    return write_jsonl(tmp_path / "plain.jsonl", [{"messages": [
        {"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": f"a{i}"}]}
        for i in range(10)])


def test_openai_chat_writes_weights_and_refuses_bad_ones_as_validate_does(capsys, tmp_path):
    code, _, report, written, dead = run(capsys, tmp_path, "--input", WEIGHTS,
                                         "--input", plain_records(tmp_path),
                                         "--target", "openai-chat")
    assert code == 0
    excluded = written[0]["messages"][1]
    assert excluded == {"role": "assistant", "content": "Go away.", "weight": 0}
    assert written[0]["messages"][3]["weight"] == 1
    assert "weight" not in str(written[1])
    assert report["dead_letter_reasons"] == {"bad_weight": 4}
    assert [d["source"]["line"] for d in dead] == [2, 3, 4, 5]
    # validate refuses the same lines of the same input, with the same reason
    assert main(["validate", "--target", "openai-chat", "--all", str(WEIGHTS)]) == 1
    lines = capsys.readouterr()[0].splitlines()
    assert [line.split(":")[-3:-1] for line in lines[:-1]] == \
        [[str(n), " bad_weight"] for n in (2, 3, 4, 5)]
    assert lines[-1].endswith(": records: train has 6 records; openai-chat needs at least 10")
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
    assert report["repaired_records"] == {"drop_weights": 1}
    assert [m["content"] for m in written[0]["messages"]] == \
        ["Say hi.", "Go away.", "Please?", "Hi!"]
    assert Counter(m["role"] for m in written[0]["messages"]) == {"user": 2, "assistant": 2}


# --- preference records (item 2) --------------------------------------------------------------

KTO, DPO = FIXTURES / "kto_demo.json", FIXTURES / "dpo_demo.json"
PREFERENCE_NOT_SUPPORTED = "would train on every answer as given: write it with a preference target"


@pytest.mark.parametrize("target", ["openai-chat", "bedrock-multi-turn"])
def test_kto_and_dpo_records_are_refused_by_a_supervised_target(capsys, tmp_path, target):
    code, _, report, written, dead = run(capsys, tmp_path, "--input", KTO, "--input", DPO,
                                         "--target", target)
    assert code == 1 and written == []   # nothing accepted: the run fails, nothing trains
    assert report["dead_letter_reasons"] == {"preference_record": 7}
    assert all(PREFERENCE_NOT_SUPPORTED in d["message"] for d in dead)


def test_use_chosen_writes_chosen_answers_and_kto_true_only(capsys, tmp_path):
    code, _, report, written, dead = run(capsys, tmp_path, "--input", KTO, "--input", DPO,
                                         "--input", plain_records(tmp_path),
                                         "--target", "openai-chat", "--repair", "use_chosen")
    assert code == 0
    answers = [r["messages"][-1]["content"] for r in written[:-10]]
    assert answers == ["4.", "Blue.", "Hello!", "Why did the chicken cross the road?", "2"]
    assert all(r["messages"][-1]["role"] == "assistant" for r in written)
    assert not {"Five, probably.", "I will not.", "No.", "11"} & set(answers)
    assert report["dead_letter_reasons"] == {"preference_record": 2}   # the label false ones
    # a JSON document's records: counted as "line" or, where dead letters say so, "record"
    assert {d["source"].get("record", d["source"].get("line")) for d in dead} == {2, 4}
    assert report["repaired_records"] == {"use_chosen": 5}


def test_the_llamafactory_demo_files(capsys, tmp_path, corpora):
    """LLaMA-Factory's own kto_en_demo.json (150 label true, 150 false) and dpo_en_demo.json
    (300 pairs, every conversation ending with a user turn)."""
    demo = corpora / "llamafactory_samples"
    _, _, report, _, _ = run(capsys, tmp_path, "--input", demo / "kto_en_demo.json",
                             "--input", demo / "dpo_en_demo.json", "--target", "openai-chat")
    assert report["dead_letter_reasons"] == {"preference_record": 600}
    _, _, report, written, _ = run(capsys, tmp_path, "--input", demo / "kto_en_demo.json",
                                   "--input", demo / "dpo_en_demo.json", "--overwrite",
                                   "--target", "openai-chat", "--repair", "use_chosen")
    assert report["dead_letter_reasons"] == {"preference_record": 150}
    assert report["repaired_records"] == {"use_chosen": 450}
    assert len(written) == 450
    assert all(r["messages"][-1]["role"] == "assistant" for r in written)


# --- Claude 3 Haiku's turn markers (item 3) ---------------------------------------------------

def test_haiku_turn_markers_are_refused_by_run_as_by_validate(capsys, tmp_path):
    """Plain OpenAI-style records to bedrock-multi-turn: run applies the model's reserved words
    through the target's check, as validate does, so run refuses what validate refuses."""
    markers = FIXTURES / "haiku_markers.jsonl"
    code, _, report, written, dead = run(capsys, tmp_path, "--input", markers, "--target",
                                         "bedrock-multi-turn", "--model", "claude-3-haiku")
    assert code == 0 and len(written) == 35
    assert not any("\nHuman:" in str(r) or "\nAssistant:" in str(r) for r in written)
    assert report["dead_letter_reasons"] == {"reserved_word": 3}
    assert main(["validate", "--target", "bedrock-multi-turn", "--model", "claude-3-haiku",
                 str(markers)]) == 1
    found = [line.split(": ", 2)[:2] for line in capsys.readouterr()[0].splitlines()]
    assert [[f"{markers}:{d['source']['line']}", d["reason"]] for d in dead] == found
    assert [d["message"] for d in dead] == [
        "message 1 holds \\nHuman:, which Anthropic Claude 3 Haiku reserves; reword it",
        "message 2 holds \\nAssistant:, which Anthropic Claude 3 Haiku reserves; reword it",
        "system holds \\nHuman:, which Anthropic Claude 3 Haiku reserves; reword it"]


def test_inspect_shows_the_weights_and_the_preference(capsys):
    assert main(["inspect", str(WEIGHTS), "--target", "openai-chat", "--records", "1"]) == 0
    out = capsys.readouterr()[0]
    assert '"weights":[0,1]' in out and '"weight":0' in out and '"repairs"' not in out
    assert main(["inspect", str(KTO), "--target", "openai-chat", "--records", "2"]) == 0
    out = capsys.readouterr()[0]
    assert out.count("dead letter: preference_record (format)") == 2 and '"label":false' in out
