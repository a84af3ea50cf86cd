"""The portable path, for real: `tuneprep run --runner PortableRunner` against Beam's own local
job service, with SDK workers started by a worker pool (`--environment_type EXTERNAL`) in other
processes and another working folder.

This is how Flink, Spark and Dataflow Runner v2 execute a Python pipeline: the graph is pickled
by the launcher, sent to a job service and run by workers that never ran the launcher. A DoFn
that does not pickle, state set only on the launcher or a module the workers lack shows up
here; test_workers_without_the_package_fail_loudly shows the workers really are elsewhere.

Every data file must be byte-identical to a DirectRunner run of the same command."""
from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from tuneprep.pipelines.cli import main
from tests.helpers import (REPO, SAMPLES, Service, assert_same_dataset, portable_args,
                           read_json)

pytestmark = pytest.mark.slow   # (`pytest -m "not slow"` is the quick loop)


def worker_env(pythonpath: str | None) -> dict:
    """The workers' environment: this interpreter, but tuneprep importable only through
    `pythonpath` (the role an SDK container image with tuneprep installed plays)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PWD")}
    # the pool starts workers as `python -c ...`: make that this interpreter
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    return env


def without_tuneprep(env: dict, where) -> dict:
    """`env` for an interpreter that cannot import tuneprep even when it is installed (as
    `make test` installs it, editable, into the venv): a sitecustomize drops the editable
    install's path entry and import hook before anything is imported."""
    hide = where / "hide_tuneprep"
    hide.mkdir()
    (hide / "sitecustomize.py").write_text(
        "import sys\n"
        f"repo = {str(REPO)!r}\n"
        "sys.path[:] = [p for p in sys.path if p.rstrip('/') != repo]\n"
        "sys.meta_path[:] = [f for f in sys.meta_path\n"
        "                    if 'editable' not in (getattr(f, '__module__', '') + repr(f))]\n")
    return {**env, "PYTHONPATH": str(hide)}


@pytest.fixture(scope="module")
def services(tmp_path_factory):
    """(job endpoint, worker pool endpoint) started in a folder that is not the repository."""
    where = tmp_path_factory.mktemp("portable-services")
    started = []
    try:
        job = Service(["apache_beam.runners.portability.local_job_service_main", "--port"],
                      where, worker_env(None), where / "job_service.log")
        started.append(job)
        pool = Service(["apache_beam.runners.worker.worker_pool_main", "--service_port"],
                       where, worker_env(str(REPO)), where / "worker_pool.log")
        started.append(pool)
        yield f"localhost:{job.port}", f"localhost:{pool.port}", pool.log
    finally:
        for service in reversed(started):
            service.stop()


def run_cli(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def both_runs(capsys, tmp_path, runner_args, *args) -> tuple[Path, Path]:
    direct, portable = tmp_path / "direct", tmp_path / "portable"
    code, out, err = run_cli(capsys, "run", *args, "--output", direct)
    assert code == 0, err
    started = time.monotonic()
    code, out, err = run_cli(capsys, "run", *args, "--output", portable, *runner_args)
    assert code == 0, err
    assert (portable / "_SUCCESS").is_file() and not (portable / "_RUNNING").exists()
    assert time.monotonic() - started < 60
    return direct, portable


def test_bedrock_text_with_validation_split_is_identical(services, capsys, tmp_path):
    job, pool, _ = services
    direct, portable = both_runs(
        capsys, tmp_path, portable_args(job, pool),
        "--input", SAMPLES / "alpaca_sample.jsonl", "--input", SAMPLES / "openai_toy_chat.jsonl",
        "--target", "bedrock-text", "--validation-split", "0.2")
    assert_same_dataset(direct, portable)
    report = read_json(portable / "report.json")
    assert report["output_records"]["validation"] > 0 and report["dead_letter_records"] > 0


def test_sample_to_quota_is_identical(services, capsys, tmp_path):
    """--sample-to-quota's smallest-N combine runs on the SDK workers: the same kept records,
    the same sampled-out list, byte for byte."""
    job, pool, _ = services
    many = tmp_path / "many.jsonl"
    many.write_text("".join(
        f'{{"messages": [{{"role": "user", "content": "q{i}"}}, '
        f'{{"role": "assistant", "content": "a{i}"}}]}}\n' for i in range(10_400)))
    direct, portable = both_runs(
        capsys, tmp_path, portable_args(job, pool), "--input", many, "--target",
        "bedrock-single-turn", "--model", "claude-3-haiku", "--sample-to-quota",
        "--validation-split", "0.15")
    assert_same_dataset(direct, portable)
    report = read_json(portable / "report.json")
    assert report["output_records"]["validation"] == 1_000 and report["sampled_out_records"] > 0
    assert report["input_records"] == report["accepted_records"] + report["sampled_out_records"]
    assert (portable / "sampled_out/sampled_out.jsonl").read_bytes() == \
        (direct / "sampled_out/sampled_out.jsonl").read_bytes()


@pytest.mark.parametrize("target", [
    ["--target", "bedrock-pretrain"],
    ["--target", "sagemaker-instruction", "--num-shards", "2", "--validation-split", "0.1"]])
def test_folder_of_inputs_is_identical(services, capsys, tmp_path, target):
    """A folder of mixed inputs (several files spread by the Reshuffle) and a multi-file
    layout. Beam's local job service runs the job on one SDK worker from the pool (it does not
    read --direct_num_workers); Flink and Dataflow run several, which the byte-identical
    assembly does not depend on."""
    job, pool, log = services
    before = log.read_bytes().count(b"Starting worker with command")
    direct, portable = both_runs(
        capsys, tmp_path, portable_args(job, pool),
        "--input", SAMPLES, *target)
    assert_same_dataset(direct, portable)
    assert log.read_bytes().count(b"Starting worker with command") > before
    assert read_json(portable / "report.json")["input_records"] > 100


def test_workers_without_the_package_fail_loudly(services, capsys, tmp_path):
    """Workers that cannot import tuneprep (no --setup_file, no image with it): the run fails
    with exit 1 and says why. Proves the workers above are separate processes that needed the
    package, not the launcher itself."""
    job, _, _ = services
    where = tmp_path / "bare"
    where.mkdir()
    bare = Service(["apache_beam.runners.worker.worker_pool_main", "--service_port"], where,
                   without_tuneprep(worker_env(None), where), where / "worker_pool.log")
    try:
        code, out, err = run_cli(
            capsys, "run", "--input", SAMPLES / "alpaca_sample.jsonl", "--target", "bedrock-text",
            "--output", tmp_path / "out", *portable_args(job, f"localhost:{bare.port}"))
    finally:
        bare.stop()
    assert code == 1
    assert "No module named 'tuneprep'" in err, err
    assert not (tmp_path / "out" / "_SUCCESS").exists()


@pytest.mark.parametrize("option", ["--output", "--image-root"])
def test_relative_local_paths_are_refused_off_this_process(capsys, tmp_path, monkeypatch, option):
    """The workers open the output folder and --image-root as given, in their own folder.
    (Inputs are listed, and so made absolute, by the launcher.)"""
    monkeypatch.chdir(tmp_path)
    shutil.copy(SAMPLES / "alpaca_sample.jsonl", tmp_path / "a.jsonl")
    output = "out" if option == "--output" else str(tmp_path / "out")
    extra = ["--image-root", "images"] if option == "--image-root" else []
    code, out, err = run_cli(capsys, "run", "--input", "a.jsonl", "--target", "bedrock-text",
                             "--output", output, *extra,
                             "--runner", "PortableRunner", "--job_endpoint", "localhost:1")
    assert code == 2
    given = "out" if option == "--output" else "images"
    assert f"{option} {given}: a relative local path; with --runner PortableRunner" in err
    assert not (tmp_path / "out").exists()
