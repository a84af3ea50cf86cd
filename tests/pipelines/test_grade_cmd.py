"""`tuneprep grade` through the command line (issue 25 item 4): a Bedrock RFT reward function
called offline, one record a call, with the envelope Bedrock sends; the reward spread, the
results not in the documented shape, exceptions, timeouts; exit 0 only when every call returned
a valid reward, 1 otherwise, 2 for a usage error. Fixtures: tests/fixtures/grade/ (rft.jsonl:
12 arithmetic records, line 5 without ground_truth, line 9's ground_truth not a number)."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import REPO, write_jsonl
from tuneprep.pipelines.cli import main

FIXTURES = REPO / "tests" / "fixtures" / "grade"
DATA = FIXTURES / "rft.jsonl"


def cli(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def grade(capsys, handler: str, *more):
    return cli(capsys, "grade", "--handler", FIXTURES / handler, *more, DATA)


ECHO = """import json, os
def lambda_handler(event, context):
    with open(os.path.join(os.path.dirname(__file__), "seen.jsonl"), "a") as f:
        f.write(json.dumps({"event": event, "request": context.aws_request_id,
                            "left": context.get_remaining_time_in_millis()}) + "\\n")
    return [{"id": s["id"], "aggregate_reward_score": 1} for s in event]
"""


def test_the_handler_is_sent_bedrock_s_envelope_with_the_reference_answer_as_response(
        tmp_path, capsys):
    (tmp_path / "echo.py").write_text(ECHO)
    records = [json.loads(line) for line in DATA.read_text().splitlines()[:2]]
    data = write_jsonl(tmp_path / "two.jsonl", records)
    code, out, _ = cli(capsys, "grade", "--handler", f"{tmp_path / 'echo.py'}:lambda_handler",
                       data)
    assert code == 0, out
    seen = [json.loads(line) for line in (tmp_path / "seen.jsonl").read_text().splitlines()]
    # one sample a call: the prompt then the response, the other fields under metadata
    assert [s["event"] for s in seen] == [[{
        "id": r["id"],
        "messages": r["messages"] + [{"role": "assistant", "content": r["reference_answer"]}],
        "metadata": {"reference_answer": r["reference_answer"],
                     "ground_truth": r["ground_truth"]}}] for r in records]
    # a context with Lambda's attributes, its time left within the call's timeout
    assert [s["request"] for s in seen] == ["tuneprep-grade-0", "tuneprep-grade-1"]
    assert all(0 < s["left"] <= 10_000 for s in seen)
    assert out.splitlines()[-1] == "every one of 2 calls returned a valid reward"


def test_a_good_grader_gives_the_spread_and_exit_0(capsys):
    code, out, err = grade(capsys, "good.py", "--all")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith("grading 12 of 12 records of ")
    assert lines[1] == "rewards: 12 valid; min 0.25, median 1, max 1"
    assert [line.split()[-1] for line in lines[2:7]] == ["2", "0", "0", "0", "10"]
    assert lines[7].startswith("time per call: median ") and "(12 calls)" in lines[7]


def test_the_sample_is_seeded_and_the_same_every_time(capsys):
    runs = [grade(capsys, "good.py", "--sample", "5", "--seed", seed)[1] for seed in (3, 3, 4)]
    assert runs[0].splitlines()[0].startswith("grading 5 of 12 records ")
    strip = [[line for line in run.splitlines() if not line.startswith("time per call")]
             for run in runs]
    assert strip[0] == strip[1]


def test_exceptions_are_counted_by_type_and_first_line_with_their_records(capsys):
    code, out, err = grade(capsys, "raises.py", "--all")
    assert code == 1 and err == ""
    assert "rewards: 10 valid;" in out
    assert "exceptions: 2" in out.splitlines()
    raised = [line for line in out.splitlines() if " x " in line]
    assert any(line.startswith("  1 x KeyError: 'ground_truth' (at ") and "raises.py:7)" in line
               and line.endswith("rft.jsonl:5 (id arith-5)") for line in raised), raised
    assert any("ValueError: could not convert string to float: 'not a number'" in line
               and line.endswith("rft.jsonl:9 (id arith-9)") for line in raised), raised
    assert "grading arith" not in out   # the handler's prints are not the report's
    assert out.splitlines()[-1] == "2 of 12 records got no valid reward (2 exceptions)"


def test_results_not_in_the_documented_shape_are_failures_with_the_reason(capsys):
    code, out, _ = grade(capsys, "bad_shape.py", "--all")
    assert code == 1
    assert "rewards: none valid" in out
    assert "results not in the documented shape: 12" in out
    assert '(id arith-1): "aggregate_reward_score" is \'1.0\', not a number' in out
    assert "(id arith-3): the result is dict, not a list (one entry per sample)" in out
    assert "  (and 9 more)" in out
    assert out.splitlines()[-1] == "12 of 12 records got no valid reward (12 bad results)"


@pytest.mark.slow
def test_a_call_that_hangs_fails_at_the_timeout_and_the_others_are_graded(capsys):
    started = time.monotonic()
    code, out, _ = grade(capsys, "sleeps.py", "--all", "--timeout", "1")
    assert time.monotonic() - started < 20
    assert code == 1
    assert "rewards: 11 valid; min 0.5, median 0.5, max 0.5" in out
    assert "timed out (over 1 s): 1: " in out and "rft.jsonl:2 (id arith-2)" in out
    assert out.splitlines()[-1] == "1 of 12 records got no valid reward (1 timeout)"


def test_a_handler_that_crashes_on_import_is_one_line_naming_file_and_line(capsys):
    code, out, err = grade(capsys, "broken_import.py")
    assert (code, out) == (1, "")
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("error: the handler cannot be loaded: ")
    assert "broken_import.py:4: KeyError: 'GRADER_THRESHOLD_THAT_IS_NOT_SET'" in err


def test_a_handler_that_kills_its_process_fails_that_call_only(tmp_path, capsys):
    (tmp_path / "dies.py").write_text(
        "import os\ndef lambda_handler(event, context):\n"
        "    if event[0]['id'] == 'arith-3':\n        os._exit(3)\n"
        "    return [{'id': event[0]['id'], 'aggregate_reward_score': 0}]\n")
    code, out, _ = cli(capsys, "grade", "--handler", tmp_path / "dies.py", "--all", DATA)
    assert code == 1
    assert "the handler's process died: 1" in out
    assert "rft.jsonl:3 (id arith-3): ended (exit status 3)" in out
    assert "rewards: 11 valid;" in out


def test_responses_are_matched_by_id_or_by_line_and_a_record_without_one_is_not_sent(
        tmp_path, capsys):
    responses = write_jsonl(tmp_path / "responses.jsonl",
                            [{"id": "arith-1", "response": "#### 12"}, "#### 0",
                             {"response": "no final answer"}])
    code, out, _ = cli(capsys, "grade", "--handler", FIXTURES / "good.py", "--all",
                       "--responses", responses, DATA)
    assert code == 1
    # arith-1 by id (right: 1), line 2 (wrong: 0.25), line 3 (no ####: 0); 9 without a response
    assert "rewards: 3 valid; min 0, median 0.25, max 1" in out
    assert "records not sent: 9" in out
    assert "rft.jsonl:4 (id arith-4): no response for it in --responses" in out
    assert out.splitlines()[-1] == "9 of 12 records got no valid reward (9 not sent)"


def test_records_that_cannot_be_sent_are_reported_not_dropped(tmp_path, capsys):
    data = tmp_path / "data.jsonl"
    data.write_text('{"messages": [{"role": "user", "content": "hi"}]}\nnot json\n'
                    '{"messages": [], "reference_answer": "x", "id": "ok"}\n')
    code, out, _ = cli(capsys, "grade", "--handler", FIXTURES / "good.py", data)
    assert code == 1
    assert 'data.jsonl:1: no "reference_answer" to send as the response (give --responses)' in out
    assert "data.jsonl:2: not JSON" in out
    assert "rewards: 1 valid;" in out
    assert out.splitlines()[-1] == "2 of 3 records got no valid reward (2 not sent)"


@pytest.mark.parametrize("handler, words", [
    ("grader.txt", "--handler grader.txt: a Python file (FILE.py[:FUNCTION]) is expected"),
    ("missing.py", "--handler missing.py: No such file or directory"),
    (f"{FIXTURES / 'good.py'}:not-a-name", "'not-a-name' is not a Python function name"),
    (f"{FIXTURES / 'good.py'}:grader", "good.py has no function 'grader'"),
])
def test_a_bad_handler_spec_is_a_usage_error(tmp_path, capsys, monkeypatch, handler, words):
    monkeypatch.chdir(tmp_path)
    code, out, err = cli(capsys, "grade", "--handler", handler, DATA)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and words in err


def test_a_missing_dataset_is_a_usage_error(capsys):
    code, _, err = cli(capsys, "grade", "--handler", FIXTURES / "good.py", "nowhere.jsonl")
    assert code == 2 and err == "error: nowhere.jsonl: No such file or directory\n"


@pytest.mark.slow
def test_ctrl_c_is_one_line_and_ends_the_handler_s_process(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "tuneprep", "grade", "--handler", str(FIXTURES / "sleeps.py"),
         "--all", "--timeout", "60", str(DATA)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    assert process.stdout.readline().startswith("grading 12 of 12")
    time.sleep(1)   # arith-2's call is sleeping now
    workers = _children(process.pid)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130
    assert re.fullmatch(r"interrupted: \d+ of 12 records graded; nothing reported\n", err), err
    for pid in workers:   # the handler's process, sleeping in its call, is gone
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_the_readme_example_is_what_the_command_prints(capsys, monkeypatch):
    """README's "Check your grader offline" shows a real run over the fixtures: the same lines
    but the time per call."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Check your grader offline\n", 1)[1].split("\n## ", 1)[0]
    command, shown = section.split("```sh\n", 1)[1].split("\n```\n```\n", 1)
    shown = shown.split("\n```", 1)[0]
    monkeypatch.chdir(REPO)
    code, out, _ = cli(capsys, *command.split()[1:])
    assert code == 1

    def steady(text):
        return [line for line in text.splitlines() if not line.startswith("time per call")]
    assert steady(out) == steady(shown)


def test_the_sample_is_drawn_in_file_order_and_all_when_it_is_not_smaller():
    from tuneprep.pipelines.grade_inputs import choose
    drawn = choose(12, 5, 0)
    assert drawn == choose(12, 5, 0) == sorted(set(drawn)) and len(drawn) == 5
    assert choose(12, None, 0) == choose(12, 12, 7) == list(range(12))
    assert choose(3, 20, 0) == [0, 1, 2]
