"""An honest status (issue 21, item 8): a run that refuses more than MANY_DEAD_LETTERS of its
records is complete (exit 0, _SUCCESS) but says "completed with many dead letters" in its
summary line, report.json and report.html (amber badge), with the top reasons and the fix
each one's dead letters give; --max-dead-letter-ratio still makes it a failure. Run through
the real command line."""
from __future__ import annotations

import orjson
import pytest

from tests.helpers import read_json, write_jsonl
from tuneprep.pipelines.cli import main
from tuneprep.transforms.report.status import MANY, MANY_DEAD_LETTERS

GOOD = {"messages": [{"role": "user", "content": "Hi?"},
                     {"role": "assistant", "content": "Hello."}]}
TWO_USERS = {"messages": [{"role": "user", "content": "Hi?"}, {"role": "user", "content": "Hey?"},
                          {"role": "assistant", "content": "Hello."}]}
MERGE_FIX = "--repair merge_consecutive joins them"


def run(capsys, tmp_path, records, *args):
    data = write_jsonl(tmp_path / "chat.jsonl", records)
    out = tmp_path / "out"
    code = main(["run", "--input", str(data), "--target", "bedrock-multi-turn",
                 "--output", str(out), "--quiet", *args])
    stdout, err = capsys.readouterr()
    return code, stdout, err, read_json(out / "report.json"), out


def test_the_threshold_is_ten_percent():
    assert MANY_DEAD_LETTERS == 0.10


@pytest.mark.slow
def test_a_run_refusing_most_records_says_so_with_the_fix(tmp_path, capsys):
    # 2 good records first (the launch check's sample is not all refused), then 8 refused
    code, stdout, err, report, out = run(capsys, tmp_path, [GOOD] * 2 + [TWO_USERS] * 8)
    assert code == 0 and (out / "_SUCCESS").exists()
    assert stdout.splitlines()[0] == (
        "records in: 10; accepted: 2; written: train 2; dead letters: 8 (consecutive_roles 8); "
        "completed with many dead letters (80.0% of the records, over 10%: see report.html)")
    assert f"warning: many dead letters: consecutive_roles 8 (80.0%): {MERGE_FIX}\n" in err
    assert report["status"] == MANY
    assert report["dead_letter_advice"] == [{
        "reason": "consecutive_roles", "records": 8, "share": 0.8,
        "meaning": "two turns of the same role follow each other", "fix": MERGE_FIX}]
    page = (out / "report.html").read_text(encoding="utf-8")
    assert f'<span class="badge many">{MANY}</span>' in page
    assert ".many{background:#d98e04}" in page   # amber
    assert f"consecutive_roles 8 (80.0%): {MERGE_FIX}" in page
    # the fix it names is the fix
    code, stdout, _, report, _ = run(capsys, tmp_path, [GOOD] * 2 + [TWO_USERS] * 8,
                                     "--overwrite", "--repair", "merge_consecutive")
    assert code == 0 and report["status"] == "succeeded"
    assert stdout.startswith("records in: 10; accepted: 10; written: train 10; dead letters: 0\n")


@pytest.mark.slow
def test_ten_percent_is_not_many(tmp_path, capsys):
    code, stdout, err, report, _ = run(capsys, tmp_path, [GOOD] * 9 + [TWO_USERS])
    assert code == 0 and report["status"] == "succeeded" and "dead_letter_advice" not in report
    assert "many dead letters" not in stdout + err


@pytest.mark.slow
def test_max_dead_letter_ratio_still_fails_the_run(tmp_path, capsys):
    code, stdout, err, report, out = run(capsys, tmp_path, [GOOD] * 2 + [TWO_USERS] * 8,
                                         "--max-dead-letter-ratio", "0.5")
    assert code == 1 and not (out / "_SUCCESS").exists()
    assert report["status"] == "failed"
    assert "over --max-dead-letter-ratio 0.5" in report["errors"][0]
    assert stdout.startswith("records in: 10; accepted: 2; written: nothing (the run failed);")
    assert "many dead letters" not in stdout + err
    assert '<span class="badge bad">failed</span>' in (out / "report.html").read_text("utf-8")


@pytest.mark.slow
def test_records_left_out_by_choice_are_not_counted(tmp_path, capsys):
    """not_selected records (--records-with) were chosen, not refused."""
    tool = {"messages": [{"role": "user", "content": "Weather?"},
                         {"role": "assistant", "content": "Sunny."}], "system": "Be brief."}
    data = write_jsonl(tmp_path / "c.jsonl", [tool] + [GOOD] * 4)
    out = tmp_path / "out"
    code = main(["run", "--input", str(data), "--target", "bedrock-conversation",
                 "--records-with", "system", "--output", str(out), "--quiet"])
    capsys.readouterr()
    report = orjson.loads((out / "report.json").read_bytes())
    assert code == 0 and report["dead_letter_reasons"] == {"not_selected": 4}
    assert report["status"] == "succeeded"


@pytest.mark.slow
def test_duplicates_the_user_asked_to_drop_are_not_refusals(tmp_path, capsys):
    """--dedup exact: 9 of 10 records are duplicates, dropped by the user's choice: the run
    succeeds, is not one with many dead letters, and --max-dead-letter-ratio does not count them
    (the sample repeated ten times read 90% dead letters, 'many')."""
    code, stdout, err, report, out = run(capsys, tmp_path, [GOOD] * 10, "--dedup", "exact",
                                         "--max-dead-letter-ratio", "0.1")
    assert code == 0 and report["dead_letter_reasons"] == {"duplicate": 9}
    assert report["status"] == "succeeded" and "dead_letter_advice" not in report
    assert "many dead letters" not in stdout + err
