"""Nothing lost, for real (issue 28, items 1, 2 and 10), through the command line: files that
used to lose valid records with exit 0 and _SUCCESS now give every record, written or a dead
letter naming where reading stopped, and the counts say so."""
from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from tests.helpers import check_run, read_json
from tuneprep.pipelines.cli import main

pytestmark = pytest.mark.slow   # (in-process runs of 3-5 s)


def run(capsys, out: Path, *args) -> tuple[int, str, str, dict]:
    code = main(["run", "--target", "bedrock-text", "--output", str(out), *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err, read_json(out / "report.json")


def alpaca(i: int, **extra) -> bytes:
    return orjson.dumps({"instruction": f"question {i}", "input": "", "output": f"answer {i}",
                         **extra})


def test_a_jsonl_opening_with_a_bracket_in_a_folder_of_22_loses_none_of_its_lines(tmp_path,
                                                                                     capsys):
    folder = tmp_path / "data"
    folder.mkdir()
    for f in range(21):
        (folder / f"part{f:02d}.jsonl").write_bytes(
            b"".join(alpaca(f * 100 + i) + b"\n" for i in range(50)))
    # the 22nd: a first line "[" (an export's leftover), then 161 good records
    (folder / "z_last.jsonl").write_bytes(b"[\n" + b"".join(alpaca(5000 + i) + b"\n"
                                                            for i in range(161)))
    out = tmp_path / "out"
    code, stdout, err, report = run(capsys, out, "--input", folder)
    assert code == 0, err
    dead = check_run(out, report, stdout, 1212, 1211, {"train": 1211}, {"invalid_json": 1})
    assert [(d["source"]["uri"], d["source"]["line"]) for d in dead] == [
        (str(folder / "z_last.jsonl"), 1)]
    assert report["files"][str(folder / "z_last.jsonl")]["input_records"] == 162


def run_array(capsys, path: Path, elements: list[bytes]):
    """A JSON array of `elements`, one a line, written to `path` and run: (path, out, run())."""
    path.write_bytes(b"[\n" + b",\n".join(elements) + b"\n]\n")
    out = path.parent / "out"
    return path, out, run(capsys, out, "--input", path)


def test_an_array_element_5000_deep_after_one_255_deep_loses_no_other_element(tmp_path, capsys):
    elements = [alpaca(i) for i in range(12)]
    for index, depth in ((1, 255), (3, 5000)):
        elements[index] = (alpaca(index, x="")[:-1] + b',"deep":' + b"[" * depth
                           + b"]" * depth + b"}")
    path, out, (code, stdout, err, report) = run_array(capsys, tmp_path / "deep.json", elements)
    assert code == 0, err
    dead = check_run(out, report, stdout, 12, 10, {"train": 10}, {"too_deep": 2})
    assert [d["source"]["record"] for d in dead] == [2, 4]   # (records of the array, not lines)


def test_a_trailing_comma_in_element_3_of_1000_costs_that_element_only(tmp_path, capsys):
    elements = [alpaca(i) for i in range(1000)]
    elements[2] = elements[2][:-1] + b",}"
    path, out, (code, stdout, err, report) = run_array(capsys, tmp_path / "comma.json", elements)
    assert code == 0, err
    dead = check_run(out, report, stdout, 1000, 999, {"train": 999}, {"invalid_json": 1})
    assert dead[0]["source"] == {"uri": str(path), "record": 3,
                                 "offset": 2 + len(elements[0]) + 2 + len(elements[1]) + 2}
    assert dead[0]["message"].startswith("invalid JSON in element 3 of the JSON array (from byte "
                                         f"{dead[0]['source']['offset']:,})")
