"""--dedup exact through the command line (issue 26 item 1): over two files holding known
duplicates (within a file, across files, spaced otherwise, Unicode composed and decomposed),
the first in input order is written, each other is a `duplicate` dead letter naming it (a line
of a JSON Lines file, a record of a JSON document), the counts add up per file, and the dataset
is the same bytes in one shard or three."""
from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from tests.helpers import check_run, read_json, read_jsonl
from tuneprep.pipelines.cli import main

pytestmark = pytest.mark.slow   # (in-process runs of a few seconds)


def qa(q: str, a: str = "A.") -> dict:
    return {"instruction": q, "input": "", "output": a}


def corpus(tmp_path: Path) -> tuple[str, str]:
    a = tmp_path / "a.jsonl"   # sorted first: its records come first in input order
    a.write_bytes(b"\n".join(orjson.dumps(v) for v in [
        qa("Name a tree."),                 # 1 kept
        qa("Name a colour."),               # 2 kept
        qa("  Name   a\ttree. "),           # 3 duplicate of a:1 (whitespace)
        qa("Caf\u00e9?"),                   # 4 kept
        qa("name a tree."),                 # 5 kept: case counts
        qa("Name a tree.", "Oak."),         # 6 kept: another answer
    ]) + b"\n{broken\n")                    # 7 invalid_json
    b = tmp_path / "b.json"    # a JSON document: its records are named by number
    b.write_bytes(orjson.dumps([
        qa("Name a colour."),               # record 1: duplicate of a:2
        qa("Name a bird."),                 # record 2 kept
        qa("Name a bird.\n"),               # record 3: duplicate of b record 2
        qa("Cafe\u0301?"),                  # record 4: duplicate of a:4 (NFC)
    ], option=orjson.OPT_INDENT_2))
    return str(a), str(b)


def run(capsys, out: Path, a: str, b: str, *extra: str) -> tuple[str, dict]:
    code = main(["run", "--target", "sagemaker-instruction", "--output", str(out),
                 "--input", a, "--input", b, "--dedup", "exact", *extra])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out, read_json(out / "report.json")


def written(out: Path) -> bytes:
    manifest = read_json(out / "manifest.json")
    return b"".join((out / f["path"]).read_bytes() for f in sorted(
        manifest["files"], key=lambda f: f["path"]) if f["path"].startswith("train/part-"))


def test_duplicates_are_dead_letters_naming_the_first_in_every_shard_count(tmp_path, capsys):
    a, b = corpus(tmp_path)
    one, three = tmp_path / "one", tmp_path / "three"
    stdout, report = run(capsys, one, a, b, "--num-shards", "1")
    dead = check_run(one, report, stdout, 11, 6, {"train": 6},
                     {"duplicate": 4, "invalid_json": 1})
    assert report["files"][a]["dead_letter_records"] == 2
    assert report["files"][b] == {"input_records": 4, "accepted_records": 1,
                                  "dead_letter_records": 3, "adapter": "alpaca"}
    kept_by = {orjson.dumps(d["source"]).decode(): d["message"]
               for d in dead if d["reason"] == "duplicate"}
    assert all(d["stage"] == "dedup" for d in dead if d["reason"] == "duplicate")
    assert kept_by == {
        orjson.dumps({"uri": a, "line": 3}).decode(): f"{msg(a + ':1')}",
        orjson.dumps({"uri": b, "record": 1}).decode(): f"{msg(a + ':2')}",
        orjson.dumps({"uri": b, "record": 3}).decode(): f"{msg(b + ' record 2')}",
        orjson.dumps({"uri": b, "record": 4}).decode(): f"{msg(a + ':4')}",
    }
    prompts = [r["instruction"] for r in read_jsonl(one / "train/part-00000-of-00001.jsonl")]
    assert prompts == ["Name a tree.", "Name a colour.", "Caf\u00e9?", "name a tree.",
                       "Name a tree.", "Name a bird."]
    stdout, report = run(capsys, three, a, b, "--num-shards", "3")
    assert report["dead_letter_reasons"] == {"duplicate": 4, "invalid_json": 1}
    assert written(three) == written(one)
    assert (three / "dead_letter/dead_letter.jsonl").read_bytes() == \
        (one / "dead_letter/dead_letter.jsonl").read_bytes()


def msg(where: str) -> str:
    return f"the same conversation (normalised: NFC, whitespace collapsed) as {where}, which is kept"


def test_the_dry_run_says_whether_the_run_would_dedup(tmp_path, capsys):
    """--dedup from a job spec too; the sample is not searched for duplicates, and says so."""
    a, b = corpus(tmp_path)
    spec = tmp_path / "job.yaml"
    spec.write_text(f"input: [{a}, {b}]\ntarget: bedrock-text\ndedup: exact\n")
    for extra, said in ((["--config", str(spec)], "note: --dedup exact: the run makes every "
                         "record whose normalised conversation an earlier one holds"),
                        (["--input", a, "--target", "bedrock-text"], "note: no --dedup")):
        assert main(["run", "--output", str(tmp_path / "out"), "--dry-run", *extra]) == 0
        stdout = capsys.readouterr().out
        assert said in stdout
        assert ("the sample does not look for them" in stdout) == ("--config" in extra)
    assert not (tmp_path / "out").exists()
