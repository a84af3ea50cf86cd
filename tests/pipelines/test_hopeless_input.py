"""Hopeless runs stopped at the launch (issue 21, item 5): when none of an input's sampled
records can be read, `tuneprep run` exits 2 before the job starts, writes nothing, and names
every problem of the file at once with the options that fix them all; --keep-going runs anyway.
Through the real command line, on the own-data fixtures; each proposed fix is then run."""
from __future__ import annotations

import pytest

from tests.helpers import REPO, read_json, read_jsonl, write_jsonl
from tuneprep.pipelines.cli import main

OWN = REPO / "tests" / "fixtures" / "own_data"
QA_MAP = "instruction=question,response=answer"
TRY_QA = f"keys: question, answer; try --field-map {QA_MAP} (or choose an adapter with --input-format)"
KEEP = "(or add --keep-going to run anyway)"


def cli(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def run(capsys, out, *args) -> tuple[int, str, str]:
    return cli(capsys, "run", "--target", "bedrock-text", "--output", out, "--quiet", *args)


def refused(uri, line: int, n: int, counts: str, todo: str) -> str:
    return (f"error: {uri}:{line}: refused_input: none of the first {n} records can be read "
            f"({counts}), so the run was not started and nothing was written; {todo} {KEEP}\n")


def test_a_question_answer_csv_is_refused_with_the_map_that_reads_it(tmp_path, capsys):
    csv, out = OWN / "qa.csv", tmp_path / "out"
    code, stdout, err = run(capsys, out, "--input", csv)
    assert code == 2 and stdout == "" and not out.exists()
    assert err == (f"error: {csv}:2: unknown_format: no input adapter recognises its records; "
                   f"{TRY_QA}\n"
                   + refused(csv, 2, 6, "unknown_format 6", f"rerun with --field-map {QA_MAP}"))


@pytest.mark.slow
def test_a_cp1252_csv_names_the_encoding_and_the_map_at_once_and_they_fix_it(tmp_path, capsys):
    csv, out = OWN / "qa_cp1252.csv", tmp_path / "out"
    code, stdout, err = run(capsys, out, "--input", csv)
    assert code == 2 and stdout == "" and not out.exists()
    fix = f"--encoding cp1252 --field-map {QA_MAP}"
    assert err == (
        f"error: {csv}:2: invalid_utf8: 3 of the first 3 records are not UTF-8; if the file is "
        "in another encoding, give it with --encoding (e.g. --encoding cp1252)\n"
        f"error: {csv}:2: unknown_format: read as cp1252, no input adapter recognises its "
        f"records; {TRY_QA}\n"
        + refused(csv, 2, 3, "invalid_utf8 3", f"rerun with {fix}"))
    code, stdout, err = run(capsys, out, "--input", csv, *fix.split())   # the fix, as given
    assert code == 0 and err == ""
    assert stdout.startswith("records in: 3; accepted: 3; written: train 3; dead letters: 0\n")
    assert read_jsonl(out / "train" / "train.jsonl")[1] == {"prompt": "Was kostet ein Café?",
                                                            "completion": "Etwa 3 €."}


def test_a_map_the_wrong_way_round_is_replaced_in_the_fix(tmp_path, capsys):
    csv, out = OWN / "qa_semicolon.csv", tmp_path / "out"
    code, _, err = run(capsys, out, "--input", csv, "--field-map", "question=instruction")
    assert code == 2 and not out.exists()
    assert (f"error: {csv}:2: field_map_key: --field-map question=instruction: none of the "
            'first 3 records holds the key "instruction" (keys: question, answer); the map is '
            "canonical=source: did you mean instruction=question?\n") in err
    assert err.endswith(refused(csv, 2, 3, "unknown_format 3", f"rerun with --field-map {QA_MAP}"))


@pytest.mark.slow
def test_a_comma_file_named_tsv_names_the_delimiter_and_the_map(tmp_path, capsys):
    tsv, out = tmp_path / "qa.tsv", tmp_path / "out"
    tsv.write_text("question,answer\nWhy?,Because.\nHow?,Slowly.\n", encoding="utf-8")
    code, _, err = run(capsys, out, "--input", tsv)
    assert code == 2 and not out.exists()
    assert (f'error: {tsv}:1: delimiter: the header is one column, "question,answer": read with '
            "tab delimiters (its name), though it holds commas; --file-format csv reads it with "
            "the delimiter its header line shows\n") in err
    fix = f"--file-format csv --field-map {QA_MAP}"
    assert err.endswith(refused(tsv, 2, 2, "unknown_format 2", f"rerun with {fix}"))
    code, stdout, _ = run(capsys, out, "--input", tsv, *fix.split())
    assert code == 0 and stdout.startswith("records in: 2; accepted: 2; written: train 2;")


def test_a_wrong_input_format_names_the_adapter_that_reads_the_file(tmp_path, capsys):
    data = write_jsonl(tmp_path / "a.jsonl", [{"instruction": "Hi?", "output": "Hello."}] * 3)
    code, _, err = run(capsys, tmp_path / "out", "--input", data, "--input-format", "messages")
    assert code == 2 and not (tmp_path / "out").exists()
    assert err == (f"error: {data}:1: unknown_format: 3 of the first 3 records: record has none "
                   "of the messages fields (messages, system); its keys: instruction, output\n"
                   + refused(data, 1, 3, "unknown_format 3", "rerun with --input-format alpaca"))


@pytest.mark.slow
def test_every_hopeless_input_is_named_and_a_dataset_in_the_way_is_untouched(tmp_path, capsys):
    """One good file beside two hopeless ones: both are named in one go; the dataset already
    in --output (with --overwrite) stays as it was."""
    good = write_jsonl(tmp_path / "in" / "good.jsonl", [{"prompt": "a", "completion": "b"}])
    out = tmp_path / "out"
    assert run(capsys, out, "--input", good)[0] == 0
    before = {p.name: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    code, stdout, err = run(capsys, out, "--input", good, "--input", OWN / "qa.csv",
                            "--input", OWN / "qa_semicolon.csv", "--overwrite")
    assert code == 2 and stdout == ""
    assert [line.split(": ")[2] for line in err.splitlines()] == [
        "unknown_format", "refused_input", "unknown_format", "refused_input"]
    assert str(good) not in err
    assert {p.name: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_a_dry_run_is_refused_as_the_run_is(tmp_path, capsys):
    code, stdout, err = run(capsys, tmp_path / "out", "--input", OWN / "qa.csv", "--dry-run")
    assert code == 2 and stdout == "" and not (tmp_path / "out").exists()
    assert err.endswith(refused(OWN / "qa.csv", 2, 6, "unknown_format 6",
                                f"rerun with --field-map {QA_MAP}"))


@pytest.mark.slow
def test_keep_going_runs_anyway_and_keeps_the_notes_as_warnings(tmp_path, capsys):
    csv, out = OWN / "qa.csv", tmp_path / "out"
    code, stdout, err = run(capsys, out, "--input", csv, "--keep-going")
    assert code == 1   # the run's own verdict: nothing accepted
    assert stdout.startswith("records in: 6; accepted: 0;") and "refused_input" not in err
    warning = f"{csv}:2: unknown_format: no input adapter recognises its records; {TRY_QA}"
    assert warning in read_json(out / "report.json")["warnings"]


@pytest.mark.slow
def test_an_empty_file_is_not_refused(tmp_path, capsys):
    """A file with no record loses nothing: the run goes on (its empty_file dead letter)."""
    empty = tmp_path / "in" / "empty.jsonl"
    empty.parent.mkdir()
    empty.write_bytes(b"")
    good = write_jsonl(tmp_path / "in" / "good.jsonl", [{"prompt": "a", "completion": "b"}])
    code, stdout, _ = run(capsys, tmp_path / "out", "--input", good, "--input", empty)
    assert code == 0 and "dead letters: 1 (empty_file 1)" in stdout


def test_keep_going_is_in_run_help(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    assert "--keep-going" in " ".join(capsys.readouterr().out.split())
