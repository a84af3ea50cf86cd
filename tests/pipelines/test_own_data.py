"""A user's own files (issue 17, item 1), run through the command line as the user runs them:
a spreadsheet's question,answer CSV (BOM, CRLF, a multi-line cell), a semicolon CSV, a cp1252
CSV, a pretty-printed JSON document named .jsonl, a {"version", "data": [...]} document, a
folder with notes.md beside the data. What is checked is what the user sees: the messages
(stdout, stderr, dead letters, report warnings), the counts and the records written."""
from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from tests.helpers import REPO, read_json, read_jsonl, write_jsonl
from tuneprep.pipelines.cli import main
from tuneprep.transforms.adapters.suggest import propose_field_map

OWN = REPO / "tests" / "fixtures" / "own_data"
QA_MAP = "instruction=question,response=answer"
TRY_QA = f"keys: question, answer; try --field-map {QA_MAP} (or choose an adapter with --input-format)"


def cli(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def run(capsys, tmp_path, *args) -> tuple[int, str, str, dict]:
    out = tmp_path / "out"
    code, stdout, err = cli(capsys, "run", "--output", out, "--target", "bedrock-text", *args)
    return code, stdout, err, read_json(out / "report.json")


def written(tmp_path) -> list[dict]:
    return read_jsonl(tmp_path / "out" / "train" / "train.jsonl")


def dead(tmp_path) -> list[dict]:
    return read_jsonl(tmp_path / "out" / "dead_letter" / "dead_letter.jsonl")


@pytest.mark.parametrize("keys, proposal", [
    (["question", "answer"], {"instruction": "question", "response": "answer"}),
    (["Question", "Answer"], {"instruction": "Question", "response": "Answer"}),
    (["prompt", "response"], {"instruction": "prompt"}),
    (["query", "response"], {"instruction": "query"}),
    (["input", "output"], {"instruction": "input", "response": "output"}),
    (["human", "bot"], {"instruction": "human", "response": "bot"}),
    (["text", "label"], {"instruction": "text", "response": "label"}),
    (["context", "question", "answer"], {"instruction": "question", "response": "answer"}),
    (["id", "title", "body"], None),
    (["instruction", "response"], None),   # dolly's own names: nothing to map
])
def test_the_field_map_proposed_for_common_key_pairs(keys, proposal):
    assert propose_field_map(keys) == proposal


# --- question,answer CSV: BOM, CRLF, a multi-line cell ---------------------------------------

@pytest.mark.slow
def test_csv_without_a_map_proposes_one_in_the_message_the_warning_and_the_report(tmp_path,
                                                                                  capsys):
    csv = OWN / "qa.csv"
    code, stdout, err, report = run(capsys, tmp_path, "--input", csv, "--keep-going")
    assert code == 1
    assert stdout.startswith("records in: 6; accepted: 0;")
    assert "dead letters: 6 (unknown_format 6)" in stdout
    warning = (f"{csv}:2: unknown_format: no input adapter recognises its records; {TRY_QA}")
    assert f"warning: {warning}\n" in err
    assert warning in report["warnings"]
    letters = dead(tmp_path)
    assert [d["source"]["line"] for d in letters] == [2, 3, 6, 7, 8, 9]   # line 3's cell: 3 lines
    assert {d["message"] for d in letters} == {
        f"no input adapter recognises the records of this file; {TRY_QA}"}
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert f"try --field-map {QA_MAP}" in html


@pytest.mark.slow
def test_csv_with_the_proposed_map_writes_every_row(tmp_path, capsys):
    code, stdout, err, report = run(capsys, tmp_path, "--input", OWN / "qa.csv",
                                    "--field-map", QA_MAP)
    assert code == 0 and err == ""
    assert stdout.startswith("records in: 6; accepted: 6; written: train 6; dead letters: 0")
    rows = written(tmp_path)
    assert rows[0] == {"prompt": "What is the capital of France?", "completion": "Paris."}
    assert rows[1]["completion"] == ("Put it in boiling water.\r\nWait nine minutes.\r\n"
                                     "Cool it in cold water.")   # the cell as it is
    assert rows[3]["prompt"] == 'Who wrote "Hamlet"?'


def test_a_field_map_the_wrong_way_round_is_named(tmp_path, capsys):
    csv = OWN / "qa.csv"
    code, _, err, report = run(capsys, tmp_path, "--input", csv, "--field-map",
                               "question=instruction,response=answer", "--keep-going")
    warning = (f'{csv}:2: field_map_key: --field-map question=instruction: none of the first 6 '
               'records holds the key "instruction" (keys: question, answer); the map is '
               "canonical=source: did you mean instruction=question?")
    assert f"warning: {warning}\n" in err
    assert warning in report["warnings"]
    code, out, _ = cli(capsys, "inspect", csv, "--field-map", "question=instruction",
                       "--records", "1")
    assert f"   warning:   {warning.replace(', response=answer', '')}\n" in out


def test_inspect_shows_the_keys_and_the_map_to_try(capsys):
    code, out, _ = cli(capsys, "inspect", OWN / "qa.csv", "--target", "bedrock-text",
                       "--records", "1")
    assert code == 0
    lines = out.splitlines()
    assert lines[1:5] == [
        "   container: csv (delimiter: comma)",
        "   adapter:   none: no adapter recognises these records  [detected from the first 6 "
        "records]",
        "   keys:      question, answer",
        f"   try:       --field-map {QA_MAP}"]
    assert (f"   dead letter: unknown_format (normalize): no input adapter recognises the "
            f"records of this file; {TRY_QA}") in lines


def test_dry_run_shows_the_map_to_try(tmp_path, capsys):
    code, out, _ = cli(capsys, "run", "--input", OWN / "qa.csv", "--target", "bedrock-text",
                       "--output", tmp_path / "out", "--dry-run", "--keep-going")
    assert code == 0
    assert f"      {TRY_QA}\n" in out


# --- delimiters, encodings ----------------------------------------------------------------------

@pytest.mark.slow
def test_a_semicolon_csv_is_sniffed(tmp_path, capsys):
    csv = OWN / "qa_semicolon.csv"
    _, out, _ = cli(capsys, "inspect", csv, "--records", "1")
    assert "   container: csv (delimiter: semicolon)\n" in out
    assert "   keys:      question, answer\n" in out
    code, stdout, err, _ = run(capsys, tmp_path, "--input", csv, "--field-map", QA_MAP)
    assert code == 0 and err == ""
    assert stdout.startswith("records in: 3; accepted: 3; written: train 3; dead letters: 0")
    assert written(tmp_path)[1] == {"prompt": "Combien font 2 + 2 ?", "completion": "4, bien sûr."}


@pytest.mark.parametrize("delimiter, name", [("\t", "tab"), ("|", "pipe")])
def test_tab_and_pipe_delimiters_are_sniffed(tmp_path, capsys, delimiter, name):
    path = tmp_path / "data.csv"
    path.write_text(f"question{delimiter}answer\nWhy, then?{delimiter}Because.\n",
                    encoding="utf-8")
    _, out, _ = cli(capsys, "inspect", path, "--records", "1")
    assert f"   container: csv (delimiter: {name})\n" in out
    assert '"question":"Why, then?","answer":"Because."' in out


@pytest.mark.slow
def test_a_cp1252_csv_suggests_encoding_then_reads_with_it(tmp_path, capsys):
    csv = OWN / "qa_cp1252.csv"
    code, stdout, err, report = run(capsys, tmp_path, "--input", csv, "--field-map", QA_MAP,
                                    "--keep-going")
    assert code == 1 and "dead letters: 3 (invalid_utf8 3)" in stdout
    warning = (f"{csv}:2: invalid_utf8: 3 of the first 3 records are not UTF-8; if the file is "
               "in another encoding, give it with --encoding (e.g. --encoding cp1252)")
    assert f"warning: {warning}\n" in err and warning in report["warnings"]
    assert {d["message"] for d in dead(tmp_path)} == {
        "invalid UTF-8: the row holds bytes that are not UTF-8; if the file is in another "
        "encoding, give it with --encoding (e.g. --encoding cp1252)"}
    code, stdout, err, report = run(capsys, tmp_path, "--input", csv, "--field-map", QA_MAP,
                                    "--encoding", "cp1252", "--overwrite")
    assert code == 0 and err == ""
    assert stdout.startswith("records in: 3; accepted: 3; written: train 3; dead letters: 0")
    assert written(tmp_path) == [
        {"prompt": "Wie heißt die Hauptstadt von Österreich?", "completion": "Wien."},
        {"prompt": "Was kostet ein Café?", "completion": "Etwa 3 €."},
        {"prompt": "Qu’est-ce qu’un crème brûlée ?", "completion": "Un dessert – très sucré."}]
    assert read_json(tmp_path / "out" / "manifest.json")["options"]["encoding"] == "cp1252"
    _, out, _ = cli(capsys, "inspect", csv, "--encoding", "latin-1", "--records", "1")
    assert "   container: csv (delimiter: comma, encoding: iso8859-1)\n" in out


@pytest.mark.slow
def test_a_latin1_jsonl_reads_with_encoding(tmp_path, capsys):
    path = tmp_path / "l1.jsonl"
    path.write_bytes('{"instruction": "Größe?", "output": "Groß."}\n'.encode("latin-1"))
    code, _, _, _ = run(capsys, tmp_path, "--input", path, "--encoding", "latin-1")
    assert code == 0 and written(tmp_path) == [{"prompt": "Größe?", "completion": "Groß."}]


@pytest.mark.parametrize("name, message", [
    ("klingon", "--encoding klingon: unknown encoding; e.g. utf-8, cp1252, latin-1"),
    ("utf-16", "--encoding utf-16: not taken (it does not keep ASCII as ASCII); convert the "
               "file to UTF-8 first")])
def test_an_encoding_that_cannot_be_read_is_refused(tmp_path, capsys, name, message):
    code, _, err = cli(capsys, "run", "--input", OWN / "qa.csv", "--target", "bedrock-text",
                       "--output", tmp_path / "out", "--encoding", name)
    assert code == 2 and err == f"error: {message}\n"


# --- JSON documents -----------------------------------------------------------------------------

def test_a_pretty_printed_json_named_jsonl_is_read_as_json(tmp_path, capsys):
    path = OWN / "pretty.jsonl"
    code, stdout, err, report = run(capsys, tmp_path, "--input", path)
    warning = (f"{path}:1: pretty_printed_json: named as JSON Lines but holds one "
               "pretty-printed JSON document; read as JSON (--file-format json says so)")
    assert code == 0 and err == f"warning: {warning}\n" and warning in report["warnings"]
    assert stdout.startswith("records in: 3; accepted: 3; written: train 3; dead letters: 0")
    assert written(tmp_path)[0] == {"prompt": "Translate 'good morning' to Spanish.",
                                    "completion": "Buenos días."}
    _, out, _ = cli(capsys, "inspect", path, "--records", "1")
    assert "   container: json (records: an array)\n" in out


def test_a_jsonl_file_stays_jsonl_when_its_first_line_is_a_record(tmp_path, capsys):
    path = write_jsonl(tmp_path / "d.jsonl", [{"instruction": "a", "output": "b"}])
    path.write_bytes(path.read_bytes() + b'{"instruction": "broken\n')
    code, stdout, err, _ = run(capsys, tmp_path, "--input", path)
    assert "dead letters: 1 (invalid_json 1)" in stdout and "pretty_printed" not in err


def test_a_json_document_an_adapter_reads_is_one_record_not_a_wrapper(tmp_path, capsys):
    """Its one list beside other keys is a field: the config gives the reader the adapters'
    detection (the reader knows no adapter)."""
    path = tmp_path / "one.json"
    path.write_bytes(orjson.dumps({"prompt": "What is H2O?", "completion": "Water.",
                                   "sources": [{"url": "https://example.com/h2o"}]}))
    _, out, _ = cli(capsys, "inspect", path, "--records", "1")
    assert "   container: json (records: one record)\n" in out


@pytest.mark.slow
def test_a_wrapped_json_document_is_read_from_its_list(tmp_path, capsys):
    path = OWN / "wrapped.json"
    _, out, _ = cli(capsys, "inspect", path, "--records", "1")
    assert '   container: json (records: the list under "data", beside version)\n' in out
    code, stdout, err, _ = run(capsys, tmp_path, "--input", path)
    assert code == 0 and err == ""
    assert stdout.startswith("records in: 4; accepted: 4; written: train 4; dead letters: 0")
    assert written(tmp_path)[3] == {"prompt": "What is H2O?", "completion": "Water."}


@pytest.mark.slow
def test_records_path_names_the_list(tmp_path, capsys):
    path = tmp_path / "nested.json"
    path.write_bytes(orjson.dumps({"meta": {"n": 2}, "payload": {"items": [
        {"question": "q1", "answer": "a1"}, {"question": "q2", "answer": "a2"}],
        "other": [1, 2]}}))
    code, stdout, _, _ = run(capsys, tmp_path, "--input", path, "--records-path",
                             "payload.items", "--field-map", QA_MAP)
    assert code == 0 and stdout.startswith("records in: 2; accepted: 2;")
    assert written(tmp_path)[1] == {"prompt": "q2", "completion": "a2"}
    _, out, _ = cli(capsys, "inspect", path, "--records-path", "payload.items", "--records", "1")
    assert '   container: json (records: the list at "payload.items" (--records-path))\n' in out
    code, stdout, _, _ = run(capsys, tmp_path, "--input", path, "--records-path", "payload.rows",
                             "--overwrite", "--keep-going")
    assert code == 1 and "dead letters: 1 (empty_file 1)" in stdout
    assert dead(tmp_path)[0]["message"] == ('no records at --records-path payload.rows: no key '
                                            '"rows" under "payload" (keys: items, other)')


# --- what a folder listing skips, local files before S3 -------------------------------------

@pytest.mark.slow
def test_a_folder_names_the_files_it_skips(tmp_path, capsys):
    folder = OWN / "folder"
    code, stdout, err, report = run(capsys, tmp_path, "--input", folder)
    warning = (f"--input {folder}: skipped 1 file without a data extension: notes.md (a folder "
               "reads .jsonl .ndjson .jsonlines .json .csv .tsv .parquet .pq .txt .text files; "
               "name a file to read it)")
    assert code == 0 and err == f"warning: {warning}\n"
    assert report["warnings"] == [warning]
    assert stdout.startswith("records in: 3; accepted: 3; written: train 3; dead letters: 0")


@pytest.mark.parametrize("command", ["run", "inspect"])
def test_a_missing_local_file_is_named_before_any_s3_call(tmp_path, capsys, monkeypatch,
                                                          command):
    from tuneprep.transforms.io import storage

    def no_s3(*args, **kwargs):
        raise AssertionError("S3 was called before the local inputs were checked")
    monkeypatch.setattr(storage, "filesystem", lambda uri, *a, **k: (
        no_s3() if uri.startswith("s3://") else FILESYSTEM(uri, *a, **k)))
    missing = tmp_path / "missing.csv"
    args = (["run", "--target", "bedrock-text", "--output", "s3://bucket/out", "--input"]
            if command == "run" else ["inspect"])
    code, _, err = cli(capsys, *args, "s3://bucket/data.jsonl",
                       *(["--input"] if command == "run" else []), missing)
    assert code == 2 and err == f"error: --input {missing}: no such file or folder\n"


from tuneprep.transforms.io.storage import filesystem as FILESYSTEM  # noqa: E402


@pytest.mark.slow
def test_pairs_read_as_plain_documents_are_pointed_out(tmp_path, capsys):
    path = write_jsonl(tmp_path / "io.jsonl", [{"input": "2+2?", "output": "4"}])
    code, _, err, _ = run(capsys, tmp_path, "--input", path)
    assert (f"warning: {path}:1: plain_documents: read as plain documents (adapter text), "
            "though its keys (input, output) look like prompt and answer: to read them as "
            "such, --field-map instruction=input,response=output\n") in err
    code, stdout, err, _ = run(capsys, tmp_path, "--input", path, "--overwrite",
                               "--field-map", "instruction=input,response=output")
    assert code == 0 and written(tmp_path) == [{"prompt": "2+2?", "completion": "4"}]


@pytest.mark.slow
def test_a_big_wrapped_document_streams_from_records_path(tmp_path, capsys):
    path = tmp_path / "big.json"
    path.write_bytes(orjson.dumps({"version": "1", "data": [
        {"prompt": f"p{i}", "completion": f"c{i}"} for i in range(50)]}))
    code, stdout, _, _ = run(capsys, tmp_path, "--input", path, "--max-record-bytes", "500",
                             "--keep-going")
    assert "dead letters: 1 (record_too_large 1)" in stdout
    assert dead(tmp_path)[0]["message"].endswith(
        "if it wraps a list of records, name it with --records-path KEY")
    code, stdout, _, _ = run(capsys, tmp_path, "--input", path, "--max-record-bytes", "500",
                             "--records-path", "data", "--overwrite")
    assert code == 0 and stdout.startswith("records in: 50; accepted: 50; written: train 50;")
