"""Which files an --input takes: only regular files (a FIFO, socket or device is never opened),
names that are not UTF-8 skipped with a warning, one file reached through two paths read once,
no file in both splits, and local inputs checked before anything asks S3. End to end through
the CLI, as in test_cli.py; cases that hung the old code run in a subprocess with a timeout."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from tuneprep.pipelines.cli import main
from tests.helpers import REPO, read_json, read_jsonl, write_jsonl


def rows(tag: str, n: int = 3) -> list[dict]:
    return [{"instruction": f"{tag} {i}", "input": "", "output": f"answer {i}"} for i in range(n)]


def cli(capsys, *args) -> tuple[int, str, str]:
    code = main(["run", "--target", "bedrock-text", *[str(a) for a in args]])
    out, err = capsys.readouterr()
    return code, out, err


def cli_subprocess(cwd: Path, *args, timeout: float = 120) -> tuple[int, str, str]:
    """The CLI in its own process: a run that hangs fails the test instead of the test run."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "tuneprep.pipelines.cli", "run", "--target",
                           "bedrock-text", *[str(a) for a in args]], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)
    return done.returncode, done.stdout, done.stderr


def one_error(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


def warnings_of(err: str) -> list[str]:
    lines = err.splitlines()
    assert all(line.startswith("warning: ") for line in lines), err
    return lines


def prompts(out: Path) -> list[str]:
    return [obj["prompt"] for obj in read_jsonl(out / "train/train.jsonl")]


def bad_name(folder: Path) -> Path:
    """A file whose name is not valid UTF-8 (the byte 0xff), with good records in it."""
    raw = os.fsencode(folder) + b"/bad\xff.jsonl"
    with open(raw, "wb") as f:
        f.write(b"".join(orjson.dumps(r) + b"\n" for r in rows("bad name")))
    return Path(os.fsdecode(raw))


# --- names that are not UTF-8 ---------------------------------------------------------------------

def test_a_name_that_is_not_utf8_in_a_folder_is_skipped_with_a_warning(tmp_path, capsys):
    data = tmp_path / "data"
    write_jsonl(data / "good.jsonl", rows("good"))
    bad_name(data)
    out = tmp_path / "out"
    code, stdout, err = cli(capsys, "--input", data, "--output", out)
    assert code == 0, err
    assert warnings_of(err) == [f"warning: --input {data}: skipped {data}/bad\\xff.jsonl: the "
                                "name is not valid UTF-8 (rename it to read it)"]
    report = read_json(out / "report.json")
    assert list(report["files"]) == [str(data / "good.jsonl")]
    assert report["input_records"] == 3 and (out / "_SUCCESS").is_file()
    assert prompts(out) == ["good 0", "good 1", "good 2"]


def test_a_glob_skips_a_name_that_is_not_utf8(tmp_path, capsys):
    write_jsonl(tmp_path / "a.jsonl", rows("a"))
    bad_name(tmp_path)
    code, _, err = cli(capsys, "--input", tmp_path / "*.jsonl", "--output", tmp_path / "out")
    assert code == 0, err
    assert "bad\\xff.jsonl: the name is not valid UTF-8" in warnings_of(err)[0]
    assert read_json(tmp_path / "out/report.json")["input_records"] == 3


def test_a_named_file_that_is_not_utf8_is_a_usage_error(tmp_path, capsys):
    path = bad_name(tmp_path)
    code, stdout, err = cli(capsys, "--input", path, "--output", tmp_path / "out")
    assert code == 2 and stdout == ""
    assert one_error(err) == (f"error: --input {tmp_path}/bad\\xff.jsonl: the name is not valid "
                              "UTF-8; rename it")
    assert not (tmp_path / "out").exists()


def test_a_folder_of_names_that_are_not_utf8_only_matches_no_file(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    bad_name(data)
    code, _, err = cli(capsys, "--input", data, "--output", tmp_path / "out")
    assert code == 2
    lines = err.splitlines()
    assert len(lines) == 2 and lines[0].startswith("warning: ") and "bad\\xff" in lines[0]
    assert lines[1] == (f"error: --input {data}: matches no file that can be read (1 skipped, "
                        "see the warnings)")


# --- only regular files -----------------------------------------------------------------------

def special_files(folder: Path) -> list[str]:
    """A FIFO, a socket, a character device (a link to /dev/null) and a broken link, each
    with a data extension; returns their names."""
    os.mkfifo(folder / "fifo.jsonl")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(folder / "sock.jsonl"))
    sock.close()
    (folder / "null.jsonl").symlink_to("/dev/null")
    (folder / "gone.jsonl").symlink_to(folder / "no-such-file.jsonl")
    return ["fifo.jsonl", "gone.jsonl", "null.jsonl", "sock.jsonl"]


SKIPPED = {"fifo.jsonl": "a FIFO, not a regular file", "gone.jsonl": "a broken link",
           "null.jsonl": "a character device, not a regular file",
           "sock.jsonl": "a socket, not a regular file"}


@pytest.mark.slow
def test_a_folder_takes_only_regular_files(tmp_path):
    """A FIFO in a folder hung the old code forever in open(); now it and the socket, the
    device and the broken link are skipped, each named in a warning."""
    data = tmp_path / "d"
    write_jsonl(data / "good.jsonl", rows("good"))
    names = special_files(data)
    out = tmp_path / "out"
    code, stdout, err = cli_subprocess(tmp_path, "--input", data, "--output", out)
    assert code == 0, err
    assert warnings_of(err) == [f"warning: --input {data}: skipped {data}/{name}: "
                                f"{SKIPPED[name]}" for name in names]
    report = read_json(out / "report.json")
    assert list(report["files"]) == [str(data / "good.jsonl")]
    assert report["input_records"] == report["accepted_records"] == 3
    # the skipped files are named in the report as well (and once on stderr, not twice)
    assert ["warning: " + w for w in report["warnings"]] == warnings_of(err)
    assert "skipped" in (out / "report.html").read_text()


@pytest.mark.slow
def test_a_glob_takes_only_regular_files(tmp_path):
    write_jsonl(tmp_path / "good.jsonl", rows("good"))
    names = special_files(tmp_path)
    code, _, err = cli_subprocess(tmp_path, "--input", tmp_path / "*.jsonl",
                                  "--output", tmp_path / "out")
    assert code == 0, err
    assert warnings_of(err) == [f"warning: --input {tmp_path}/*.jsonl: skipped {tmp_path}/{name}: "
                                f"{SKIPPED[name]}" for name in names]
    assert read_json(tmp_path / "out/report.json")["input_records"] == 3


@pytest.mark.parametrize("name", ["fifo.jsonl", "sock.jsonl", "null.jsonl"])
def test_a_named_file_that_is_not_regular_is_a_usage_error(name, tmp_path):
    special_files(tmp_path)
    kind = SKIPPED[name].split(",")[0]
    code, stdout, err = cli_subprocess(tmp_path, "--input", tmp_path / name,
                                       "--output", tmp_path / "out", timeout=60)
    assert code == 2 and stdout == ""
    assert one_error(err) == (f"error: --input {tmp_path / name}: {kind}, not a regular file; "
                              "only regular files are read")
    assert not (tmp_path / "out").exists()


# --- one file, two paths ------------------------------------------------------------------------

def two_paths_cases(tmp_path: Path) -> dict[str, list[str]]:
    data = tmp_path / "data"
    a = write_jsonl(data / "a.jsonl", rows("a"))
    write_jsonl(data / "b.jsonl", rows("b"))
    (tmp_path / "link.jsonl").symlink_to(a)
    os.link(a, tmp_path / "hard.jsonl")
    return {"dotdot": [str(a), f"{data}/../data/a.jsonl"],
            "symlink": [str(a), str(tmp_path / "link.jsonl")],
            "hard link": [str(a), str(tmp_path / "hard.jsonl")],
            "folder and a file in it": [str(data), str(a)],
            "the same file twice": [str(a), str(a)],
            "a glob and its folder": [str(data / "*.jsonl"), str(data)]}


@pytest.mark.parametrize("case", ["dotdot", "symlink", "hard link", "folder and a file in it",
                                  "the same file twice", "a glob and its folder"])
@pytest.mark.slow
def test_one_file_through_two_paths_is_read_once(case, tmp_path, capsys):
    inputs = two_paths_cases(tmp_path)[case]
    out = tmp_path / "out"
    code, stdout, err = cli(capsys, *[a for uri in inputs for a in ("--input", uri)],
                            "--output", out)
    assert code == 0, err
    report = read_json(out / "report.json")
    expected = ["b"] if "folder" in case else []
    assert sorted({p.split(" ")[0] for p in prompts(out)}) == sorted(["a", *expected])
    assert report["input_records"] == 3 * (1 + len(expected))
    assert len(report["files"]) == 1 + len(expected)
    assert read_json(out / "manifest.json")["inputs"] == list(report["files"])
    warning, = warnings_of(err)   # one line, whatever the number of files reached twice
    assert "read once" in warning


@pytest.mark.slow
def test_the_first_path_given_is_the_one_reported(tmp_path, capsys):
    cases = two_paths_cases(tmp_path)
    link, a = cases["symlink"][1], cases["symlink"][0]
    code, _, err = cli(capsys, "--input", link, "--input", a, "--output", tmp_path / "out")
    assert code == 0, err
    assert list(read_json(tmp_path / "out/report.json")["files"]) == [link]
    assert warnings_of(err) == [f"warning: --input {a}: {a} is the same file as {link} of "
                                f"--input {link}; read once"]


@pytest.mark.parametrize("case", ["dotdot", "symlink", "folder and a file in it",
                                  "the same file twice"])
def test_a_file_in_both_splits_is_a_usage_error(case, tmp_path, capsys):
    train, validation = two_paths_cases(tmp_path)[case]
    code, stdout, err = cli(capsys, "--input", train, "--validation-input", validation,
                            "--output", tmp_path / "out")
    assert code == 2 and stdout == ""
    line = one_error(err)
    assert line.startswith(f"error: --validation-input {validation}: ")
    assert f"is also read by --input {train}" in line
    assert line.endswith("a file cannot be in both splits")
    assert not (tmp_path / "out").exists()


def test_an_s3_file_in_both_splits_is_a_usage_error(s3, tmp_path, capsys):
    s3.put("data/a.jsonl", b"".join(orjson.dumps(r) + b"\n" for r in rows("a")))
    code, _, err = cli(capsys, "--input", s3.uri("data"), "--validation-input",
                       s3.uri("data/a.jsonl"), "--output", tmp_path / "out",
                       "--s3-endpoint-url", s3.endpoint)
    assert code == 2
    assert one_error(err) == (f"error: --validation-input {s3.uri('data/a.jsonl')}: "
                              f"{s3.uri('data/a.jsonl')} is also read by --input {s3.uri('data')}"
                              "; a file cannot be in both splits")


# --- local inputs are checked before S3 is asked ------------------------------------------------

def test_a_missing_local_input_is_not_hidden_behind_an_s3_failure(tmp_path, capsys):
    missing = tmp_path / "missing.jsonl"
    code, stdout, err = cli(capsys, "--input", "s3://tp-any-bucket/in/a.jsonl",
                            "--input", missing, "--output", "s3://tp-any-bucket/out",
                            "--s3-endpoint-url", "http://127.0.0.1:9")   # nothing listens there
    assert code == 2 and stdout == ""
    assert one_error(err) == f"error: --input {missing}: no such file or folder"
