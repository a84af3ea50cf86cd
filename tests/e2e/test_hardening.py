"""Damaged inputs, interrupted and concurrent runs, and the dead-letter ratio guard: nothing is
lost, nothing crashes, and no folder looks finished unless it is."""
from __future__ import annotations

import bz2
import gzip
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

from tuneprep.pipelines.cli import main
from tests.helpers import REPO, SAMPLES, layout, read_json, read_jsonl, write_jsonl
from tuneprep.transforms.sink import claim

ALPACA = SAMPLES / "alpaca_sample.jsonl"


def run(capsys, out, *args):
    code = main(["run", *map(str, args), "--output", str(out)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def alpaca(i: int) -> dict:
    return {"instruction": f"question {i}", "input": "", "output": f"answer {i}"}


def damaged_corpus(folder: Path) -> dict[str, int]:
    """Every kind of damaged file at once; returns the raw records each file holds (a file
    that cannot be read at all counts as one)."""
    folder.mkdir()
    good = b"".join(orjson.dumps(alpaca(i)) + b"\n" for i in range(50))
    truncated = gzip.compress(good * 20)
    (folder / "truncated.jsonl.gz").write_bytes(truncated[: len(truncated) // 2])
    (folder / "binary.jsonl").write_bytes(bytes(range(256)) * 40)
    (folder / "empty.jsonl").write_bytes(b"")
    (folder / "nul.jsonl").write_bytes(orjson.dumps(alpaca(1)) + b"\n\x00\x00\x00\n"
                                       + orjson.dumps(alpaca(2)) + b"\n")
    (folder / "utf8.jsonl").write_bytes(orjson.dumps(alpaca(1)) + b"\n"
                                        + b'{"instruction": "\xff\xfe", "output": "x"}\n'
                                        + orjson.dumps(alpaca(3)) + b"\n")
    (folder / "huge_line.jsonl").write_bytes(
        b'{"instruction": "' + b"x" * (40 * 1024 * 1024) + b'", "output": "y"}\n'
        + orjson.dumps(alpaca(7)) + b"\n")
    (folder / "deep.jsonl").write_bytes(b'{"instruction": ' + b"[" * 5000 + b"]" * 5000
                                        + b', "output": "x"}\n' + orjson.dumps(alpaca(8)) + b"\n")
    (folder / "big_array.json").write_bytes(orjson.dumps([alpaca(i) for i in range(100_000)]))
    (folder / "ragged.csv").write_text('instruction,input,output\n"multi\nline",,"ok"\n'
                                       'a,b\nq,,a,extra\nplain,,fine\n')
    mixed = [alpaca(1), {"instruction": 5, "input": "", "output": "n"},
             {"instruction": None, "output": "n"}, {"instruction": {"a": 1}, "output": "n"},
             {"instruction": ["x"], "output": "n"}, {"instruction": True, "output": "n"}]
    write_jsonl(folder / "mixed.jsonl", mixed)
    (folder / "bz.jsonl.bz2").write_bytes(bz2.compress(good))
    return {"binary.jsonl": None, "empty.jsonl": 1, "nul.jsonl": 3, "utf8.jsonl": 3,
            "huge_line.jsonl": 2, "deep.jsonl": 2, "big_array.json": 100_000,
            "ragged.csv": 4, "mixed.jsonl": 6, "bz.jsonl.bz2": 50, "truncated.jsonl.gz": None}


def test_every_damaged_file_at_once_is_accounted_for(tmp_path, capsys):
    expected = damaged_corpus(tmp_path / "in")
    out = tmp_path / "out"
    code, stdout, err = run(capsys, out, "--input", tmp_path / "in", "--target", "bedrock-text",
                            "--input-format", "alpaca", "--keep-going")   # (wholly damaged files)
    assert code == 0, err
    report = read_json(out / "report.json")
    assert report["input_records"] == report["accepted_records"] + report["dead_letter_records"]
    files = {Path(uri).name: f for uri, f in report["files"].items()}
    assert set(files) == set(expected)
    for name, f in files.items():
        assert f["input_records"] == f["accepted_records"] + f["dead_letter_records"], name
        if expected[name] is not None:
            assert f["input_records"] == expected[name], name
    reasons = report["dead_letter_reasons"]
    for reason in ("unreadable_file", "empty_file", "invalid_json", "invalid_utf8",
                   "record_too_large", "invalid_csv", "wrong_type"):
        assert reasons.get(reason), (reason, reasons)
    # the good records around every damage were kept
    assert files["utf8.jsonl"]["accepted_records"] == 2
    assert files["huge_line.jsonl"]["accepted_records"] == 1
    assert files["deep.jsonl"]["accepted_records"] == 1
    assert files["big_array.json"]["accepted_records"] == 100_000
    assert files["bz.jsonl.bz2"]["accepted_records"] == 50
    assert 0 < files["truncated.jsonl.gz"]["accepted_records"] < 1000
    # a dead letter keeps a bounded prefix of the raw text and the digest of the whole
    dead = read_jsonl(out / "dead_letter" / "dead_letter.jsonl")
    huge = [d for d in dead if d["reason"] == "record_too_large"]
    assert len(huge) == 1 and len(huge[0]["raw"]) <= 4100 and huge[0]["source"]["line"] == 1
    assert all(len(d["raw"] or "") <= 2049 for d in dead)
    assert all("\n" not in d["message"] for d in dead)
    assert (out / "_SUCCESS").exists()


def test_dead_letter_ratio_fails_the_run_after_writing_the_report(tmp_path, capsys):
    out = tmp_path / "out"
    code, stdout, err = run(capsys, out, "--input", ALPACA, "--target", "bedrock-text",
                            "--max-dead-letter-ratio", "0.01")
    assert code == 1
    assert "3 of 94 records (3.2%) are dead letters, over --max-dead-letter-ratio 0.01" in err
    report = read_json(out / "report.json")
    assert report["status"] == "failed" and report["dead_letter_records"] == 3
    assert not (out / "_SUCCESS").exists() and not (out / "train").exists()
    code, _, err = run(capsys, tmp_path / "out2", "--input", ALPACA, "--target", "bedrock-text",
                       "--max-dead-letter-ratio", "0.05")
    assert code == 0, err


def test_a_wrong_input_format_is_caught_by_the_ratio(tmp_path, capsys):
    code, _, err = run(capsys, tmp_path / "out", "--input", SAMPLES / "chat_sample.jsonl",
                       "--target", "bedrock-text", "--input-format", "alpaca",
                       "--max-dead-letter-ratio", "0.5", "--keep-going")   # (else refused at launch)
    assert code == 1 and "is --input-format right?" in err


def test_a_second_run_into_a_claimed_output_is_refused(tmp_path, capsys):
    out = tmp_path / "out"
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:   # the claim of a live launcher: another process on this host
        (out).mkdir()
        (out / "_RUNNING").write_bytes(orjson.dumps(
            {"schema": claim.SCHEMA, "run_id": "other-run", "host": socket.gethostname(),
             "pid": other.pid,
             "started": time.time()}))
        for extra in ([], ["--overwrite"]):
            code, stdout, err = run(capsys, out, "--input", ALPACA, "--target", "bedrock-text",
                                    *extra)
            assert code == 2 and err.count("\n") == 1
            assert err.startswith("error: ") and "another run is writing there" in err
            assert f"pid {other.pid}" in err
            assert layout(out) == ["_RUNNING"]       # nothing touched
        assert not claim.claim(str(out), "third-run")
    finally:
        other.kill()
        other.wait()
    # its launcher gone, the claim is debris: refused without --overwrite, cleared with it
    code, _, err = run(capsys, out, "--input", ALPACA, "--target", "bedrock-text")
    assert code == 2 and "debris" in err and "--overwrite" in err
    code, _, err = run(capsys, out, "--input", ALPACA, "--target", "bedrock-text", "--overwrite")
    assert code == 0, err
    assert (out / "_SUCCESS").exists() and not (out / "_RUNNING").exists()


def test_a_run_whose_output_was_taken_over_touches_nothing(tmp_path):
    from tuneprep.transforms.sink.assemble import assemble
    from tuneprep.transforms.core.config import RunConfig
    out = tmp_path / "out"
    cfg = RunConfig(target="bedrock-text", output=str(out), run_id="a", claimed=True)
    assert claim.claim(str(out), "b")        # as if run b took over with --overwrite
    with pytest.raises(claim.OutputTakenOver, match="another run took over"):
        assemble(cfg, [], {}, {})
    assert layout(out) == ["_RUNNING"]


def _big_corpus(path: Path, n: int) -> Path:
    return write_jsonl(path, [alpaca(i) for i in range(n)])


@pytest.mark.slow
def test_a_killed_run_leaves_no_success_and_a_rerun_matches_a_clean_run(tmp_path):
    corpus = _big_corpus(tmp_path / "big.jsonl", 120_000)
    out, clean = tmp_path / "out", tmp_path / "clean"
    cmd = [sys.executable, "-m", "tuneprep.pipelines.cli", "run", "--input", str(corpus),
           "--target", "bedrock-text", "--batch-size", "500"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(cmd + ["--output", str(out)], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(out.glob("_temporary/*/train/*.jsonl")):
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (out / "_SUCCESS").exists()
    assert list(out.glob("_temporary/*/train/*.jsonl")), "the run was killed before any part"
    # the debris needs --overwrite, and a rerun over it gives the clean run's bytes
    assert subprocess.run(cmd + ["--output", str(out)], cwd=REPO, env=env,
                          capture_output=True).returncode == 2
    for target, extra in ((out, ["--overwrite"]), (clean, [])):
        done = subprocess.run(cmd + ["--output", str(target), *extra], cwd=REPO, env=env,
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    assert (out / "train/train.jsonl").read_bytes() == (clean / "train/train.jsonl").read_bytes()
    assert layout(out) == layout(clean)
