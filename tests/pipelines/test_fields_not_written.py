"""Content trust (issue 22): an input field the output has no place for is not written (the
target formats refuse extra keys) and not dropped without a word: report.json counts it per
field name, report.html lists it, and the run ends with one note line naming it. Through the
real command line, as a user runs it."""
from __future__ import annotations

import pytest

from tests.helpers import check_accounting, read_json, read_jsonl, write_jsonl
from tuneprep.pipelines.cli import main

pytestmark = pytest.mark.slow   # each test is a run of the whole command: 3-4 s

N = 12
ALPACA = [{"instruction": f"q{i}", "input": "", "output": "a", "id": i, "category": "x"}
          for i in range(N)]
NOTE = "note: input fields not in the output"


def run(capsys, tmp_path, records, *args) -> tuple[dict, str, list]:
    """(report.json, stderr, the written train records) of a run over the records."""
    source = write_jsonl(tmp_path / "in.jsonl", records)
    out = tmp_path / "out"
    assert main(["run", "--input", str(source), "--output", str(out), *map(str, args)]) == 0
    _, stderr = capsys.readouterr()
    report = read_json(out / "report.json")
    check_accounting(report)   # every record read is written or a dead letter
    return report, stderr, read_jsonl(next((out / "train").glob("*.jsonl")))


def note_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith(NOTE)]


@pytest.mark.parametrize("target", ["openai-chat", "bedrock-text"])
def test_fields_a_target_has_no_place_for_are_counted_and_said(capsys, tmp_path, target):
    report, stderr, written = run(capsys, tmp_path, ALPACA, "--target", target)
    assert len(written) == N and "id" not in str(written[0])
    assert report["fields_not_written"] == {"category": N, "id": N}
    assert "fields_not_written_other" not in report
    assert note_lines(stderr) == [
        f"{NOTE} ({target} has no place for them): category ({N} records), id ({N}); map "
        "one with --field-map, or name it in a sagemaker-instruction template"]
    page = (tmp_path / "out" / "report.html").read_text()
    assert "Input fields not written" in page and "<code>category</code>" in page


def test_a_field_the_sagemaker_template_names_is_written_and_not_counted(capsys, tmp_path):
    template = tmp_path / "template.json"
    template.write_text('{"prompt": "{instruction} ({category})", "completion": "{response}"}')
    report, stderr, written = run(capsys, tmp_path, ALPACA, "--target", "sagemaker-instruction",
                                  "--template", template)
    assert written[0] == {"instruction": "q0", "category": "x", "response": "a"}
    assert report["fields_not_written"] == {"id": N}
    assert note_lines(stderr) == [
        f"{NOTE} (sagemaker-instruction has no place for them): id ({N} records); map one "
        "with --field-map, or name it in the template (--template)"]


def test_an_unknown_key_of_a_converse_record_is_counted(capsys, tmp_path):
    records = [{"schemaVersion": "bedrock-conversation-2024", "system": [{"text": "Be brief."}],
                "messages": [{"role": "user", "content": [{"text": f"q{i}"}]},
                             {"role": "assistant", "content": [{"text": "a"}]}],
                "notes": {"checked": True} if i % 2 else "todo"} for i in range(N)]
    report, stderr, written = run(capsys, tmp_path, records, "--target", "bedrock-conversation")
    assert "notes" not in written[0]
    # the record's own schemaVersion is the format's marker, not a field left out
    assert report["fields_not_written"] == {"notes": N}   # objects and strings alike
    assert len(note_lines(stderr)) == 1 and ": notes (12 records);" in note_lines(stderr)[0]


def test_records_whose_every_field_is_written_add_nothing_and_give_no_note(capsys, tmp_path):
    plain = [{key: value for key, value in r.items() if key in ("instruction", "input", "output")}
             for r in ALPACA]
    report, stderr, _ = run(capsys, tmp_path, plain + ALPACA[:3], "--target", "bedrock-text")
    assert report["fields_not_written"] == {"category": 3, "id": 3}   # the 3 records with them
    assert ": category (3 records), id (3);" in note_lines(stderr)[0]
    report, stderr, _ = run(capsys, tmp_path / "plain", plain, "--target", "bedrock-text")
    assert "fields_not_written" not in report and note_lines(stderr) == []
    assert "Input fields not written" not in (tmp_path / "plain/out/report.html").read_text()


def test_openai_chat_writes_parallel_tool_calls_so_it_is_not_counted(capsys, tmp_path):
    records = [{"messages": [{"role": "user", "content": f"q{i}"},
                             {"role": "assistant", "content": "a"}],
                "parallel_tool_calls": False, "id": i} for i in range(N)]
    report, stderr, written = run(capsys, tmp_path, records, "--target", "openai-chat")
    assert written[0]["parallel_tool_calls"] is False
    assert report["fields_not_written"] == {"id": N}


def test_dry_run_and_inspect_say_it_too(capsys, tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", ALPACA)
    assert main(["run", "--input", str(source), "--output", str(tmp_path / "out"),
                 "--target", "bedrock-text", "--dry-run"]) == 0
    assert [line for line in capsys.readouterr()[0].splitlines() if line.startswith(NOTE)] == [
        f"{NOTE} (bedrock-text has no place for them): category ({N} records), id ({N}); map "
        "one with --field-map, or name it in a sagemaker-instruction template"]
    assert main(["inspect", str(source), "--target", "bedrock-text", "--records", "1"]) == 0
    assert "   not written: id, category (bedrock-text has no place for them)" in \
        capsys.readouterr()[0].splitlines()
