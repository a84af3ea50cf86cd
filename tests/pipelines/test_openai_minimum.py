"""openai-chat needs at least 10 training examples (issue 22, item 3: OpenAI's fine-tuning guide,
"at least 10 examples"; OpenAIChat.min_train_records): `run` fails a dataset whose train split
holds fewer, as it fails one under a model's minimum, and `validate` finds the same problem in a
file someone else made. The bundled sample holds 12 records (11 written)."""
from __future__ import annotations

import pytest

from tuneprep.pipelines.cli import main
from tests.helpers import SAMPLES, read_json, read_jsonl, write_jsonl


def rows(n: int) -> list[dict]:
    return [{"messages": [{"role": "user", "content": f"question {i}"},
                          {"role": "assistant", "content": f"answer {i}"}]} for i in range(n)]


@pytest.mark.slow
def test_run_fails_a_train_split_of_9_and_writes_one_of_10(tmp_path, capsys):
    nine = write_jsonl(tmp_path / "nine.jsonl", rows(9))
    out = tmp_path / "nine"
    code = main(["run", "--input", str(nine), "--target", "openai-chat", "--output", str(out)])
    _, err = capsys.readouterr()
    assert code == 1
    assert "train has 9 records; openai-chat needs at least 10" in err
    report = read_json(out / "report.json")
    assert report["status"] == "failed" and not (out / "_SUCCESS").exists()
    assert not (out / "train").exists()
    ten = write_jsonl(tmp_path / "ten.jsonl", rows(10))
    code = main(["run", "--input", str(ten), "--target", "openai-chat",
                 "--output", str(tmp_path / "ten")])
    assert code == 0, capsys.readouterr().err
    assert len(read_jsonl(tmp_path / "ten/train/train.jsonl")) == 10


def test_validate_finds_a_file_of_9_too_few(tmp_path, capsys):
    nine = write_jsonl(tmp_path / "train.jsonl", rows(9))
    assert main(["validate", "--target", "openai-chat", str(nine)]) == 1
    out, _ = capsys.readouterr()
    assert "train has 9 records; openai-chat needs at least 10" in out
    ten = write_jsonl(tmp_path / "ten" / "train.jsonl", rows(10))
    assert main(["validate", "--target", "openai-chat", str(ten)]) == 0


@pytest.mark.slow
def test_the_readme_example_writes_the_sample(tmp_path, capsys):
    out = tmp_path / "openai"
    code = main(["run", "--input", str(SAMPLES / "openai_toy_chat.jsonl"), "--target",
                 "openai-chat", "--max-tokens", "16385", "--output", str(out)])
    assert code == 0, capsys.readouterr().err
    report = read_json(out / "report.json")
    assert (report["input_records"], report["accepted_records"]) == (12, 11)
    assert report["dead_letter_reasons"] == {"missing_user_message": 1}
    assert main(["validate", "--target", "openai-chat", str(out / "train/train.jsonl")]) == 0


def test_targets_lists_the_minimum(capsys):
    assert main(["targets", "openai-chat"]) == 0
    assert "; train at least 10 records" in capsys.readouterr().out
