"""The user's data is sacred: `--overwrite` replaces a tuneprep dataset and nothing else; an
output that could destroy or re-read an input is refused; two runs never leave a folder without
a dataset; Ctrl-C and SIGTERM end a run with one line. Real CLI runs, decoy files checked."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

from tuneprep.pipelines.cli import main
from tests.helpers import REPO, SAMPLES, layout, write_jsonl

ALPACA = SAMPLES / "alpaca_sample.jsonl"
RUN = ["run", "--target", "bedrock-text"]


def cli(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(root: Path) -> dict:
    """Every file under root with its bytes (links as their target), to prove nothing moved."""
    out = {}
    for path in sorted(root.rglob("*")):
        if path.is_symlink():
            out[str(path.relative_to(root))] = ("link", os.readlink(path))
        elif path.is_file():
            out[str(path.relative_to(root))] = path.read_bytes()
    return out


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """A user's tree: a home folder holding the inputs and decoys, and the current folder."""
    home = tmp_path / "home"
    data = home / "data"
    data.mkdir(parents=True)
    (data / "corpus.jsonl").write_bytes(ALPACA.read_bytes())
    (data / "notes.txt").write_text("my notes")
    (home / "thesis.tex").write_text("years of work")
    (home / "scratch").mkdir()
    (home / "scratch" / "other-tool-output.csv").write_text("a,b\n")
    (home / "work").mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(home / "work")
    return home


REFUSED = {   # --output (in the current folder ~/work, the input ~/data) → the error with --overwrite
    "the input folder": ("~/data", "is the input"),
    "an input file": ("~/data/corpus.jsonl", "lies inside the input ~/data"),
    "the input's parent, the home folder": ("..", "is the home folder"),
    "the home folder": ("~", "is the home folder"),
    "the current folder": (".", "is the current folder"),
    "a folder above home": ("~/..", "is a folder above the"),
    "root": ("/", "is the root folder"),
    "empty": ("", "--output is empty"),
    "inside the input folder": ("~/data/out", "lies inside the input ~/data"),
    "a shared scratch folder": ("~/scratch", "not a tuneprep dataset's (other-tool-output.csv)"),
    "a file": ("~/thesis.tex", "is a file, not a folder"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_outputs_that_would_destroy_user_files_are_refused(case, home, capsys):
    output, message = REFUSED[case]
    before = snapshot(home)
    for extra in ([], ["--overwrite"]):
        code, out, err = cli(capsys, *RUN, "--input", "~/data", "--output", output, *extra)
        assert code == 2 and out == ""
        assert err.count("\n") == 1 and err.startswith("error: "), err
        assert message in err or not extra, err
        assert snapshot(home) == before, f"{case} {extra}: the user's files changed"


def test_a_symlink_as_output_is_one_line(home, capsys):
    (home / "link").symlink_to(home / "scratch")
    before = snapshot(home)
    code, _, err = cli(capsys, *RUN, "--input", "~/data", "--output", "~/link", "--overwrite")
    assert code == 2 and err.count("\n") == 1 and "is a symbolic link" in err
    assert snapshot(home) == before


@pytest.mark.slow
def test_an_input_glob_that_would_read_the_dataset_back_is_refused(home, capsys):
    code, _, err = cli(capsys, *RUN, "--input", "~/data/**", "--output", "~/data/out")
    assert code == 2 and "would read it back" in err and not (home / "data/out").exists()
    # a glob that cannot reach the dataset's files is no reason to refuse
    code, _, err = cli(capsys, *RUN, "--input", "~/data/*.jsonl", "--output", "~/data/out")
    assert code == 0, err


def test_the_same_input_through_dots_or_a_link_is_still_the_input(home, capsys):
    (home / "alias").symlink_to(home / "data")
    before = snapshot(home)
    for output in ("~/data/../data", "~/alias", str(home / "data") + "/"):
        code, _, err = cli(capsys, *RUN, "--input", "~/data", "--output", output, "--overwrite")
        assert code == 2 and err.count("\n") == 1, (output, err)
    assert snapshot(home) == before


@pytest.mark.slow
def test_tilde_means_the_home_folder_to_every_check_and_write(home, capsys):
    code, _, err = cli(capsys, *RUN, "--input", "~/data/corpus.jsonl", "--output", "~/datasets/a")
    assert code == 0, err
    assert (home / "datasets/a/_SUCCESS").exists() and not (home / "datasets/a/_RUNNING").exists()
    assert not (home / "~").exists()
    code, _, err = cli(capsys, *RUN, "--input", "~/data/corpus.jsonl", "--output", "~/datasets/a",
                       "--overwrite")
    assert code == 0, err


@pytest.mark.slow
def test_overwrite_replaces_only_a_dataset_and_only_its_files(home, capsys):
    out = home / "ds"
    code, _, err = cli(capsys, *RUN, "--input", "~/data", "--output", out, "--validation-split",
                       "0.2")
    assert code == 0, err
    # a file of the user's inside the dataset: --overwrite refuses, nothing is touched
    (out / "train" / "my-edits.jsonl").write_text("{}\n")
    before = snapshot(home)
    code, _, err = cli(capsys, *RUN, "--input", "~/data", "--output", out, "--overwrite")
    assert code == 2 and "train/my-edits.jsonl" in err
    assert snapshot(home) == before
    (out / "train" / "my-edits.jsonl").unlink()
    code, _, err = cli(capsys, *RUN, "--input", "~/data", "--output", out, "--overwrite")
    assert code == 0, err
    assert not (out / "validation").exists()      # the old dataset's files are gone...
    others = {k: v for k, v in snapshot(home).items() if not k.startswith("ds/")}
    assert others == {k: v for k, v in before.items() if not k.startswith("ds/")}   # ...only


def test_a_folder_without_a_dataset_marker_is_not_cleared(home, capsys):
    (home / "looks").mkdir()
    (home / "looks" / "report.json").write_text("{}")   # a dataset's name, but no marker
    before = snapshot(home)
    code, _, err = cli(capsys, *RUN, "--input", "~/data", "--output", "~/looks", "--overwrite")
    assert code == 2 and "not a tuneprep dataset's (report.json): no tuneprep manifest.json" in err
    assert snapshot(home) == before


@pytest.mark.slow
def test_a_run_that_fails_before_writing_leaves_no_claim(home, capsys):
    code, _, err = cli(capsys, *RUN, "--input", "~/data", "--output", "~/ds", "--runner", "NoSuch")
    assert code != 0 and err.count("\n") == 1, err
    assert not (home / "ds").exists()
    code, _, err = cli(capsys, *RUN, "--input", "~/data", "--output", "~/ds")   # no --overwrite
    assert code == 0, err


# --- two runs, and interrupted runs: real processes ----------------------------------------------

def _corpus(path: Path, n: int) -> Path:
    return write_jsonl(path, [{"instruction": f"question {i} " * 8, "input": "",
                               "output": f"answer {i} " * 12} for i in range(n)])


def _start(cmd: list[str], **kw) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", "tuneprep.pipelines.cli", *cmd], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def _wait_for_parts(out: Path, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if list(out.glob("_temporary/*/train/*.jsonl")):
            return
        time.sleep(0.05)
    raise AssertionError("the run wrote no part in time")


@pytest.mark.slow
def test_a_second_overwrite_refuses_a_live_run_which_then_completes(tmp_path):
    corpus = _corpus(tmp_path / "big.jsonl", 150_000)
    out = tmp_path / "out"
    cmd = [*RUN, "--input", str(corpus), "--output", str(out), "--batch-size", "500"]
    first = _start(cmd)
    _wait_for_parts(out, first)
    second = _start([*cmd, "--overwrite"])
    _, err = second.communicate(timeout=120)
    assert second.returncode == 2
    assert err.count("\n") == 1 and "another run is writing there" in err
    assert f"pid {first.pid}" in err
    _, first_err = first.communicate(timeout=300)
    assert first.returncode == 0, first_err
    assert (out / "_SUCCESS").exists() and not (out / "_RUNNING").exists()
    assert (out / "train/train.jsonl").read_bytes().count(b"\n") == 150_000


def _descendants(pid: int) -> list[int]:
    from tuneprep.pipelines.interrupts import _descendants as found
    return found(pid)


@pytest.mark.slow
@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_an_interrupted_run_ends_with_one_line_and_no_success(sig, code, tmp_path):
    corpus = _corpus(tmp_path / "big.jsonl", 300_000)
    out = tmp_path / "out"
    # its own process group, as a terminal's foreground job: the signal reaches every process
    run = _start([*RUN, "--input", str(corpus), "--output", str(out), "--workers", "2",
                  "--batch-size", "500"], start_new_session=True)
    _wait_for_parts(out, run)
    workers = _descendants(run.pid)
    assert workers, "the run started no worker process"
    os.killpg(run.pid, sig)
    stdout, err = run.communicate(timeout=60)
    assert run.returncode == code
    assert err.count("\n") == 1, err
    assert err.startswith(f"interrupted ({signal.Signals(sig).name}): ") and \
        "rerun with --overwrite" in err
    assert not (out / "_SUCCESS").exists()
    time.sleep(0.5)
    alive = [p for p in workers if os.path.exists(f"/proc/{p}") and
             "Z" not in open(f"/proc/{p}/stat").read().split(")")[-1].split()[0]]
    assert not alive, f"worker processes still running: {alive}"
    # the debris is cleared by a rerun with --overwrite
    rerun = _start([*RUN, "--input", str(ALPACA), "--output", str(out), "--overwrite"])
    _, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    assert layout(out) == sorted(["train/train.jsonl", "dead_letter/dead_letter.jsonl",
                                  "manifest.json", "report.json", "report.html",
                                  "training-request.json", "_SUCCESS"])


@pytest.mark.slow
def test_an_interrupt_after_the_dataset_is_complete_says_so(tmp_path, capsys, monkeypatch):
    import tuneprep.pipelines.cli as cli_module
    from tuneprep.pipelines.interrupts import Interrupted

    def interrupted_while_summarizing(cfg, complete=None):
        raise Interrupted(signal.SIGINT)
    monkeypatch.setattr(cli_module, "_summarize", interrupted_while_summarizing)
    code, _, err = cli(capsys, *RUN, "--input", ALPACA, "--output", tmp_path / "out")
    assert code == 130
    assert err == (f"interrupted (SIGINT): the dataset at {tmp_path / 'out'} was already "
                   "complete (_SUCCESS)\n")


# --- S3: the same rules over objects -------------------------------------------------------------

def test_s3_bucket_roots_and_input_prefixes_are_refused(s3, capsys):
    s3.put("data/corpus.jsonl", ALPACA.read_bytes())
    s3.put("keep/me.txt", b"mine")
    before = s3.keys()
    base = [*RUN, "--s3-endpoint-url", s3.endpoint, "--input", s3.uri("data"), "--overwrite"]
    for output, message in ((f"s3://{s3.name}", "is a bucket root"),
                            (f"s3://{s3.name}/", "is a bucket root"),
                            (s3.uri("data"), "is the input"),
                            (s3.uri("data/out"), "lies inside the input"),
                            (s3.uri("keep"), "not a tuneprep dataset's (me.txt)"),
                            (s3.uri("keep/me.txt"), "is an object, not a folder")):
        code, _, err = cli(capsys, *base, "--output", output)
        assert code == 2 and err.count("\n") == 1 and message in err, (output, err)
        assert s3.keys() == before, output


def test_s3_overwrite_removes_only_the_dataset_objects(s3, capsys):
    s3.put("data/corpus.jsonl", ALPACA.read_bytes())
    s3.put("ds-neighbour/keep.txt", b"a sibling prefix that starts alike")
    base = [*RUN, "--s3-endpoint-url", s3.endpoint, "--input", s3.uri("data"),
            "--output", s3.uri("ds")]
    code, _, err = cli(capsys, *base, "--validation-split", "0.2")
    assert code == 0, err
    assert s3.uri("ds/validation/validation.jsonl").split("/", 3)[3] in s3.keys("ds/")
    code, _, err = cli(capsys, *base, "--overwrite")
    assert code == 0, err
    assert "ds/validation/validation.jsonl" not in s3.keys("ds/")
    assert s3.get("ds-neighbour/keep.txt") == b"a sibling prefix that starts alike"
    assert s3.keys("data/") == ["data/corpus.jsonl"]
    report = orjson.loads(s3.get("ds/report.json"))
    assert report["input_records"] == 94


# --- the claim's heartbeat ------------------------------------------------------------------------

@pytest.mark.slow
def test_a_claim_of_another_host_is_live_while_touched(home, capsys):
    from tuneprep.transforms.sink import claim
    out = home / "ds"
    out.mkdir()
    marker = out / "_RUNNING"
    marker.write_bytes(orjson.dumps({"schema": claim.SCHEMA, "run_id": "far",
                                     "host": "another-host", "pid": 1, "started": time.time()}))
    code, _, err = cli(capsys, *RUN, "--input", "~/data", "--output", out, "--overwrite")
    assert code == 2 and "another run is writing there (run far (pid 1, on host another-host" in err
    old = time.time() - claim.STALE_SECONDS - 5
    os.utime(marker, (old, old))   # its launcher stopped touching it: a killed run's debris
    assert not claim.is_live(claim.holder(str(out)))
    assert claim.touch(str(out)) and claim.is_live(claim.holder(str(out)))
    os.utime(marker, (old, old))
    code, _, err = cli(capsys, *RUN, "--input", "~/data", "--output", out, "--overwrite")
    assert code == 0, err
    assert not claim.touch(str(out)), "a touch must never bring a released marker back"
    assert not marker.exists()


def test_the_heartbeat_touches_an_s3_marker_and_never_creates_one(s3):
    from tuneprep.transforms.sink import claim
    from tuneprep.transforms.io import s3_config
    s3_config.configure(s3.endpoint, fresh=True)
    out = s3.uri("ds")
    assert claim.claim(out, "r1") and not claim.claim(out, "r2")
    first = claim.holder(out)
    time.sleep(1.1)   # S3 keeps modification times in whole seconds
    assert claim.touch(out)
    again = claim.holder(out)
    assert again["run_id"] == "r1" and again["heartbeat"] > first["heartbeat"]
    claim.release(out)
    assert not claim.touch(out) and claim.holder(out) is None and s3.keys("ds") == []
