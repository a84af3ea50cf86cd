"""Skips counted (issue 28, item 10), through the command line: a folder's inputs that are not
read (a hidden name, no data extension, a name that is not UTF-8, a special file) are each
listed with their reason in report.json's `skipped_inputs` and report.html, and counted on the
summary line, so a run that read 100 of 350 records does not look complete."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from tests.helpers import check_run, read_json
from tuneprep.pipelines.cli import main

pytestmark = pytest.mark.slow   # (in-process runs of 3-5 s)


def records(path: Path, first: int, n: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(
        orjson.dumps({"instruction": f"question {i}", "output": f"answer {i}"}) + b"\n"
        for i in range(first, first + n)))


def run(capsys, out: Path, folder: Path) -> tuple[int, str, str, dict]:
    code = main(["run", "--target", "bedrock-text", "--output", str(out), "--input", str(folder)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err, read_json(out / "report.json")


def test_250_of_350_records_in_hidden_names_are_listed_and_counted(tmp_path, capsys):
    folder = tmp_path / "data"
    records(folder / "train.jsonl", 0, 100)
    records(folder / "_old" / "2024-01.jsonl", 100, 100)   # an underscore folder: 200 records
    records(folder / "_old" / "2024-02.jsonl", 200, 100)
    records(folder / ".backup.jsonl", 300, 50)             # a dot file: 50 more
    out = tmp_path / "out"
    code, stdout, err, report = run(capsys, out, folder)
    assert code == 0, err
    check_run(out, report, stdout, 100, 100, {"train": 100}, {})
    assert report["skipped_inputs"] == [
        {"path": str(folder / ".backup.jsonl"), "reason": "hidden name"},
        {"path": str(folder / "_old"), "reason": "hidden name", "files": 2}]
    assert stdout.splitlines()[0] == ("records in: 100; accepted: 100; written: train 100; "
                                      "dead letters: 0; skipped inputs: 2 (hidden name)")
    assert (f"warning: --input {folder}: skipped 2 hidden names: .backup.jsonl, _old (names "
            "starting with . or _ are not read; name one to read it)") in err.splitlines()
    page = (out / "report.html").read_text()
    assert "Skipped inputs (2):" in page
    assert f"<code>{folder / '_old'}</code>: hidden name (2 files in it)" in page


def test_every_reason_a_folder_skips_an_input_is_counted(tmp_path, capsys):
    folder = tmp_path / "data"
    records(folder / "train.jsonl", 0, 10)
    (folder / "README.md").write_text("where the data came from\n")
    os.mkfifo(folder / "pipe.jsonl")
    bad_name = os.fsencode(str(folder)) + b"/caf\xe9.jsonl"   # latin-1 bytes: not UTF-8
    with open(bad_name, "wb") as f:
        f.write(b'{"instruction": "q", "output": "a"}\n')
    (folder / "gone.jsonl").symlink_to(folder / "missing.jsonl")
    out = tmp_path / "out"
    code, stdout, err, report = run(capsys, out, folder)
    assert code == 0, err
    check_run(out, report, stdout, 10, 10, {"train": 10}, {})
    assert report["skipped_inputs"] == [
        {"path": str(folder / "README.md"), "reason": "no data extension"},
        {"path": f"{folder}/caf\\xe9.jsonl", "reason": "name not UTF-8"},
        {"path": str(folder / "gone.jsonl"), "reason": "broken link"},
        {"path": str(folder / "pipe.jsonl"), "reason": "special file"}]
    assert stdout.splitlines()[0].endswith(
        "; skipped inputs: 4 (broken link 1, name not UTF-8 1, no data extension 1, "
        "special file 1)")


def test_a_folder_with_nothing_skipped_says_so(tmp_path, capsys):
    folder = tmp_path / "data"
    records(folder / "train.jsonl", 0, 10)
    out = tmp_path / "out"
    code, stdout, err, report = run(capsys, out, folder)
    assert code == 0, err
    assert report["skipped_inputs"] == []
    assert "skipped" not in stdout
    assert "Skipped inputs" not in (out / "report.html").read_text()


def _unreadable(folder: Path) -> list[str] | None:
    """chmod 000 `folder`; the command prefix under which it cannot be listed (root reads any
    folder: its run drops the two capabilities that let it), or None when none can."""
    folder.chmod(0)
    prefix = [] if os.geteuid() != 0 else [
        "setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]
    probe = subprocess.run([*prefix, sys.executable, "-c", "import os, sys; os.listdir(sys.argv[1])",
                            str(folder)], capture_output=True, text=True) if (
        not prefix or shutil.which("setpriv")) else None
    return prefix if probe is not None and "PermissionError" in probe.stderr else None


def test_an_unreadable_subfolder_is_a_skipped_input_with_its_reason(tmp_path):
    """A subfolder that cannot be listed was left out without a word (fsspec's find() did so,
    and the walk that replaced it too): its records were simply not there."""
    folder = tmp_path / "data"
    records(folder / "train.jsonl", 0, 10)
    records(folder / "locked" / "more.jsonl", 10, 40)
    records(folder / "_old" / "locked" / "older.jsonl", 50, 5)   # in a hidden folder: one entry
    prefix = _unreadable(folder / "locked")
    (folder / "_old" / "locked").chmod(0)
    try:
        if prefix is None:
            pytest.skip("no way to make a folder unreadable here (root without setpriv)")
        out = tmp_path / "out"
        done = subprocess.run([*prefix, sys.executable, "-m", "tuneprep", "run", "--target",
                               "bedrock-text", "--output", str(out), "--input", str(folder)],
                              capture_output=True, text=True, cwd=tmp_path, timeout=120)
    finally:
        (folder / "locked").chmod(0o755)
        (folder / "_old" / "locked").chmod(0o755)
    assert done.returncode == 0, done.stderr
    report = read_json(out / "report.json")
    check_run(out, report, done.stdout, 10, 10, {"train": 10}, {})
    assert report["skipped_inputs"] == [
        {"path": str(folder / "_old"), "reason": "hidden name", "files": 0},
        {"path": str(folder / "locked"), "reason": "cannot be read"}]
    assert done.stdout.splitlines()[0].endswith(
        "; skipped inputs: 2 (cannot be read 1, hidden name 1)")
    assert (f"warning: --input {folder}: skipped the folder {folder / 'locked'}: cannot be "
            "read (Permission denied)") in done.stderr.splitlines()
    assert f"<code>{folder / 'locked'}</code>: cannot be read" in (
        out / "report.html").read_text()


def test_a_folder_a_glob_matches_is_a_skipped_input_unless_its_files_are_matched_too(
        tmp_path, capsys):
    """data/* matches data/2024/ too, and a glob reads the files it matches: 2024's records
    were left out without a word."""
    folder = tmp_path / "data"
    records(folder / "a.jsonl", 0, 10)
    records(folder / "2024" / "b.jsonl", 10, 30)
    out = tmp_path / "out"
    code, stdout, err, report = run(capsys, out, folder / "*")
    assert code == 0, err
    check_run(out, report, stdout, 10, 10, {"train": 10}, {})
    assert report["skipped_inputs"] == [
        {"path": str(folder / "2024"), "reason": "folder matched by a glob"}]
    assert stdout.splitlines()[0].endswith("; skipped inputs: 1 (folder matched by a glob)")
    assert (f"warning: --input {folder}/*: skipped the folder {folder / '2024'}: a glob reads "
            "the files it matches, not folders (name the folder to read it)") in err.splitlines()
    code, stdout, err, report = run(capsys, tmp_path / "out2", folder / "**")
    assert code == 0, err
    assert report["input_records"] == 40 and report["skipped_inputs"] == []


def test_a_folder_an_s3_glob_matches_is_a_skipped_input_unless_its_files_are_matched_too(
        s3, tmp_path, capsys):
    """The same on S3: in/* matches the folder in/sub/ too, and the object store's glob dropped
    it without a word (only its files were kept), so sub's records went missing unsaid."""
    s3.put("in/a.jsonl", b"".join(orjson.dumps({"instruction": f"q{i}", "output": f"a{i}"}) + b"\n"
                                  for i in range(10)))
    s3.put("in/sub/b.jsonl", b"".join(
        orjson.dumps({"instruction": f"q{i}", "output": f"a{i}"}) + b"\n" for i in range(10, 40)))

    def run_s3(out: Path, pattern: str):
        code = main(["run", "--target", "bedrock-text", "--output", str(out), "--input",
                     s3.uri(pattern), "--s3-endpoint-url", s3.endpoint])
        captured = capsys.readouterr()
        return code, captured.out, captured.err, read_json(out / "report.json")

    out = tmp_path / "out"
    code, stdout, err, report = run_s3(out, "in/*")
    assert code == 0, err
    check_run(out, report, stdout, 10, 10, {"train": 10}, {})
    assert report["skipped_inputs"] == [
        {"path": s3.uri("in/sub"), "reason": "folder matched by a glob"}]
    assert stdout.splitlines()[0].endswith("; skipped inputs: 1 (folder matched by a glob)")
    assert (f"warning: --input {s3.uri('in/*')}: skipped the folder {s3.uri('in/sub')}: a glob "
            "reads the files it matches, not folders (name the folder to read it)"
            ) in err.splitlines()
    assert f"<code>{s3.uri('in/sub')}</code>: folder matched by a glob" in (
        out / "report.html").read_text()
    code, stdout, err, report = run_s3(tmp_path / "out2", "in/**")
    assert code == 0, err
    assert report["input_records"] == 40 and report["skipped_inputs"] == []
