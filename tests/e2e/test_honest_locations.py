"""Honest locations (issue 22, item 4), through the command line: a record of a JSON document is
named by its record number (1-based, its index in the array + 1), never as a line, in the dead
letters and in report.html; where the reader cut the element out itself (an array that does not
parse whole) the dead letter gives the byte its text starts at too. JSON Lines keep their line."""
from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from tests.helpers import check_run, read_json
from tuneprep.pipelines.cli import main

pytestmark = pytest.mark.slow   # (in-process runs of 3-5 s)


def run(capsys, out: Path, path: Path) -> tuple[str, dict]:
    code = main(["run", "--target", "bedrock-text", "--output", str(out), "--input", str(path)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out, read_json(out / "report.json")


def chat(i: int, turns: int = 2) -> dict:
    roles = ["human", "gpt"] * (turns // 2)
    return {"conversations": [{"from": r, "value": f"{r} says {i}.{n}"}
                              for n, r in enumerate(roles)]}


def test_a_pretty_printed_array_names_record_4_not_line_4(tmp_path, capsys):
    """glaive's shape: a pretty-printed array, each record over many lines; record 4 (a
    multi-turn conversation bedrock-text refuses) starts at line 49, not line 4."""
    records = [chat(i, 4 if i == 3 else 2) for i in range(6)]
    path = tmp_path / "glaive.json"
    text = orjson.dumps(records, option=orjson.OPT_INDENT_2)
    path.write_bytes(text)
    out = tmp_path / "out"
    stdout, report = run(capsys, out, path)
    dead = check_run(out, report, stdout, 6, 5, {"train": 5}, {"not_single_turn": 1})
    assert dead[0]["source"] == {"uri": str(path), "record": 4}
    html = (out / "report.html").read_text()
    assert f"{path} record 4</code>" in html
    assert f"{path}:4<" not in html
    # (its text starts many lines below line 4, which is inside record 1)
    assert text.decode().splitlines().index('        "value": "human says 3.0"') > 40


def test_a_broken_array_gives_each_refused_record_its_byte_offset(tmp_path, capsys):
    """An array with a trailing comma in record 3 is read element by element: each dead letter
    names its record and the byte its text starts at, and that byte is where it is."""
    elements = [orjson.dumps({"instruction": f"q{i}", "output": f"a{i}"}) for i in range(5)]
    elements[2] = b'{"instruction": "q2", "output": "a2",}'          # invalid JSON
    elements[4] = orjson.dumps({"instruction": "q4", "output": ""})  # empty_field
    path = tmp_path / "broken.json"
    path.write_bytes(b"[\n  " + b",\n  ".join(elements) + b"\n]\n")
    out = tmp_path / "out"
    stdout, report = run(capsys, out, path)
    dead = check_run(out, report, stdout, 5, 3, {"train": 3},
                     {"invalid_json": 1, "empty_field": 1})
    data = path.read_bytes()
    for d, record in zip(dead, (3, 5)):
        assert (d["source"]["uri"], d["source"]["record"]) == (str(path), record)
        assert "line" not in d["source"]
        assert data[d["source"]["offset"]:].startswith(elements[record - 1])
    html = (out / "report.html").read_text()
    assert f"{path} record 3 (byte {dead[0]['source']['offset']:,})</code>" in html


def test_json_lines_keep_their_line(tmp_path, capsys):
    path = tmp_path / "chat.jsonl"
    path.write_bytes(b"".join(orjson.dumps(chat(i, 4 if i == 1 else 2)) + b"\n"
                              for i in range(3)))
    out = tmp_path / "out"
    stdout, report = run(capsys, out, path)
    dead = check_run(out, report, stdout, 3, 2, {"train": 2}, {"not_single_turn": 1})
    assert dead[0]["source"] == {"uri": str(path), "line": 2}
    assert f"{path}:2</code>" in (out / "report.html").read_text()
