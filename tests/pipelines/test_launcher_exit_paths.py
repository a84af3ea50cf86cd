"""The launcher stops its worker processes before it exits, on every path (issue 28, item 3):
success, a failed job (a worker's error), an exception in the assembly, SIGTERM and SIGHUP sent
to the launcher alone (tests/pipelines/test_output_safety.py sends SIGINT and SIGTERM to the
whole process group, which the workers get too); and the exit code agrees with `_SUCCESS`. Real
`tuneprep run --workers 2` processes. Every process of a run is found in /proc by a tag in its
environment (the workers inherit it), so a worker reparented to init is still found once the
launcher has exited. Before SIGHUP was taken, a hung-up launcher died at once, its claim left,
and its two workers ran on for 80 s."""
from __future__ import annotations

import glob
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.helpers import REPO, write_jsonl

TAG = "TUNEPREP_TEST_RUN_TAG"
FAIL = "TUNEPREP_TEST_FAIL"   # module:function made to raise, in the launcher and its workers
# imported by every Python process of the run (on PYTHONPATH): the workers are fresh processes,
# out of reach of a monkeypatch in the launcher
SITECUSTOMIZE = f'''
import os
if os.environ.get("{FAIL}"):
    import importlib, logging
    _module, _name = os.environ["{FAIL}"].split(":")

    def failing(*args, **kwargs):
        raise RuntimeError("injected failure in " + _name)
    _quiet = logging.NullHandler()   # Beam's import warning set up logging before the launcher
    logging.root.addHandler(_quiet)
    setattr(importlib.import_module(_module), _name, failing)
    logging.root.removeHandler(_quiet)
'''
FAILURES = {
    "a failed job": "tuneprep.transforms.steps.process:BatchProcessor",   # a worker's error
    "an exception in the assembly": "tuneprep.transforms.beam.write:_assemble",
}
# (SIGINT takes SIGTERM's path here; test_output_safety sends both to the process group)
SIGNALS = {"SIGTERM": (signal.SIGTERM, 143), "SIGHUP": (signal.SIGHUP, 129)}


def tagged(tag: str) -> dict[int, list[str]]:
    """The live processes (zombies are not) whose environment holds `tag`: pid -> arguments."""
    found = {}
    for proc in glob.glob("/proc/[0-9]*"):
        try:
            with open(f"{proc}/environ", "rb") as f:
                if f"{TAG}={tag}".encode() not in f.read().split(b"\0"):
                    continue
            with open(f"{proc}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    continue
            with open(f"{proc}/cmdline", "rb") as f:
                found[int(proc.rsplit("/", 1)[1])] = f.read().decode().split("\0")
        except OSError:   # ended meanwhile, or not ours to read
            continue
    return found


def workers(tag: str) -> dict[int, list[str]]:
    """The SDK worker processes (Python, each under a shell of its own)."""
    return {pid: argv for pid, argv in tagged(tag).items()
            if "apache_beam.runners.worker.sdk_worker_main" in argv}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> list[Path]:
    """Two files: --workers 2 gets its two processes (one piece of work each)."""
    folder = tmp_path_factory.mktemp("corpus")
    return [write_jsonl(folder / f"{name}.jsonl", [
        {"instruction": f"question {i} " * 8, "input": "", "output": f"answer {i} " * 12}
        for i in range(200)]) for name in ("a", "b")]


Processes = dict[int, list[str]]


def run(tmp_path: Path, corpus: list[Path], fail: str | None = None,
        sig: int | None = None) -> tuple[int, str, Path, Processes, Processes]:
    """(exit code, stderr, output folder, the workers seen, the run's processes alive right
    after the launcher exited). Its output goes to files, not pipes: a worker left running
    would hold a pipe open, and the wait would be for it."""
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(SITECUSTOMIZE)
    tag = uuid.uuid4().hex
    env = {**os.environ, "PYTHONPATH": f"{hooks}{os.pathsep}{REPO}", TAG: tag,
           "TUNEPREP_PROGRESS_INTERVAL": "3600", **({FAIL: fail} if fail else {})}
    out = tmp_path / "out"
    inputs = [arg for path in corpus for arg in ("--input", str(path))]
    with open(tmp_path / "stdout", "wb") as stdout, open(tmp_path / "stderr", "wb") as stderr:
        launcher = subprocess.Popen([sys.executable, "-m", "tuneprep.pipelines.cli", "run",
                                     "--target", "bedrock-text", *inputs, "--output", str(out),
                                     "--workers", "2"], cwd=tmp_path, env=env, stdout=stdout,
                                    stderr=stderr)
        seen: Processes = {}
        try:
            deadline = time.monotonic() + 120
            while launcher.poll() is None and time.monotonic() < deadline:
                seen.update(workers(tag))
                if sig is not None and len(seen) == 2:   # the job runs on both workers
                    launcher.send_signal(sig)
                    sig = None
                time.sleep(0.05)
            code = launcher.wait(timeout=1)
        finally:
            launcher.kill()
    left = tagged(tag)
    for pid in left:   # (the test's own clean-up; the assertion is on `left`)
        os.kill(pid, signal.SIGKILL)
    return code, (tmp_path / "stderr").read_text(), out, seen, left


def one_line(err: str) -> str:
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


@pytest.mark.slow
def test_a_run_that_succeeds_leaves_no_worker(tmp_path, corpus):
    code, err, out, seen, left = run(tmp_path, corpus)
    assert code == 0 and err == "", err
    assert len(seen) == 2, seen
    assert left == {}, left
    assert (out / "_SUCCESS").exists() and not (out / "_RUNNING").exists()


@pytest.mark.slow
@pytest.mark.parametrize("how", sorted(FAILURES))
def test_a_run_that_fails_stops_its_workers_and_has_no_success(how, tmp_path, corpus):
    code, err, out, seen, left = run(tmp_path, corpus, fail=FAILURES[how])
    assert code == 1
    assert one_line(err).startswith("error: ") and "injected failure in" in err, err
    assert "is not complete (no _SUCCESS)" in err, err
    assert seen, "the run started no worker process"
    assert left == {}, left
    assert not (out / "_SUCCESS").exists()


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SIGNALS))
def test_a_signal_to_the_launcher_alone_stops_its_workers(name, tmp_path, corpus):
    sig, expected = SIGNALS[name]
    code, err, out, seen, left = run(tmp_path, corpus, sig=sig)
    assert len(seen) == 2, seen
    assert left == {}, left
    assert code == expected, err
    assert one_line(err).startswith(f"interrupted ({name}): "), err
    assert not (out / "_SUCCESS").exists()
    assert not (out / "_RUNNING").exists() or "rerun with --overwrite" in err, err
