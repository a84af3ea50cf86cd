"""Worker packaging: the sdist that `--setup_file ./setup.py` stages is complete.

`python setup.py sdist` (what Beam runs for --setup_file) is built from a copy of the project
files, installed with its own dependency list into a fresh virtual environment (no system site
packages, so a dependency missing from pyproject.toml fails here), and `tuneprep run` from that
environment, in a folder outside the repository, must write the same bytes as an in-tree run.
Then the same environment serves as the SDK workers of a PortableRunner job launched in-tree:
workers that have only the installed package, as on a cluster.

Needs the package index (PyPI or the CI mirror) the first time: ~60 s, most of it `pip install`;
the venv is then kept per set of dependencies (see _cached_venv), and a session takes ~15 s."""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tuneprep.pipelines.cli import main
from tests.helpers import (
    REPO, SAMPLES, Service, assert_same_dataset, layout, portable_args, read_json)

pytestmark = pytest.mark.slow   # (`pytest -m "not slow"` is the quick loop)

PROJECT_FILES = ("setup.py", "pyproject.toml", "README.md", "tuneprep", "pipelines",
                 "transforms")


COMPLETE = ".tuneprep-deps-installed"


def _cached_venv() -> Path:
    """The test venv, kept in .cache/packaging/ per set of dependencies (requirements.lock,
    pyproject.toml, setup.py): installing them is most of this module's time (~60 s), and a fresh
    clone (CI) builds it once. A venv cannot move, so the path is fixed."""
    key = hashlib.sha256(b"".join((REPO / name).read_bytes() for name in
                                  ("requirements.lock", "pyproject.toml", "setup.py")))
    env_dir = REPO / ".cache" / "packaging" / key.hexdigest()[:16] / "venv"
    if not (env_dir / COMPLETE).exists():
        shutil.rmtree(env_dir, ignore_errors=True)   # a half-built one of our own cache
        subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True)
    return env_dir


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    """A virtual environment of its own (no system site packages) with the sdist of this tree
    installed (not editable) at the locked versions."""
    root = tmp_path_factory.mktemp("packaging")
    src = root / "src"
    src.mkdir()
    for name in PROJECT_FILES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, src / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy(REPO / name, src / name)
    build = subprocess.run([sys.executable, "setup.py", "-q", "sdist", "--dist-dir", str(root / "dist")],
                           cwd=src, capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    sdists = list((root / "dist").glob("tuneprep-*.tar.gz"))
    assert len(sdists) == 1, sdists
    env_dir = _cached_venv()
    # the sdist of this tree, over the cached one: its dependencies are the cache key's, so
    # --no-deps changes nothing a fresh install would get
    fresh = not (env_dir / COMPLETE).exists()
    install = subprocess.run(
        [str(env_dir / "bin" / "pip"), "install", "-q", "--disable-pip-version-check",
         "-c", str(REPO / "requirements.lock"), str(sdists[0])]
        + ([] if fresh else ["--no-deps", "--force-reinstall"]),
        cwd=root, capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stderr[-3000:]
    (env_dir / COMPLETE).touch()
    return env_dir


def clean_env(venv: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PWD", "VIRTUAL_ENV")}
    env["PATH"] = str(venv / "bin") + os.pathsep + env.get("PATH", "")
    return env


def test_the_sdist_holds_the_code_and_its_dependencies(venv, tmp_path):
    where = tmp_path / "elsewhere"
    where.mkdir()
    probe = subprocess.run(
        [str(venv / "bin" / "python"), "-c",
         "import tuneprep.transforms, tuneprep.pipelines.cli, apache_beam, pyarrow, fsspec, s3fs, "
         "orjson, zstandard, ijson; print(tuneprep.transforms.__file__); "
         "print(tuneprep.pipelines.cli.__file__)"],
        cwd=where, env=clean_env(venv), capture_output=True, text=True)
    assert probe.returncode == 0, probe.stderr
    for path in probe.stdout.split():
        assert Path(path).is_relative_to(venv), path
        # not the source tree's folders (the cached venv itself lives under REPO/.cache)
        assert not any(Path(path).is_relative_to(REPO / name) for name in PROJECT_FILES), path


def test_tuneprep_is_the_only_installed_top_level_name(venv):
    """`pipelines` and `transforms` are common folder names and PyPI distributions: installed,
    they live under `tuneprep`, and `python -m tuneprep` and `--version` work."""
    listing = subprocess.run([str(venv / "bin" / "pip"), "show", "-f", "tuneprep"],
                             env=clean_env(venv), capture_output=True, text=True, check=True)
    files = [line.strip() for line in listing.stdout.split("Files:", 1)[1].splitlines()
             if line.strip()]
    top = {f.split("/", 1)[0] for f in files if "/" in f and not f.split("/", 1)[0].endswith(
        (".dist-info", ".egg-info")) and not f.startswith("../")}
    assert top == {"tuneprep"}, sorted(top)
    for cmd in ([str(venv / "bin" / "python"), "-m", "tuneprep", "--version"],
                [str(venv / "bin" / "tuneprep"), "--version"]):
        shown = subprocess.run(cmd, env=clean_env(venv), capture_output=True, text=True,
                               cwd=venv)
        assert shown.returncode == 0 and shown.stdout.strip() == "tuneprep 0.1.0", shown


def test_installed_cli_writes_the_same_bytes(venv, tmp_path, capsys):
    args = ["run", "--input", str(SAMPLES / "alpaca_sample.jsonl"), "--input",
            str(SAMPLES / "chat_sample.jsonl"), "--target", "bedrock-text",
            "--validation-split", "0.1"]
    in_tree = tmp_path / "in_tree"
    assert main([*args, "--output", str(in_tree)]) == 0, capsys.readouterr().err
    where = tmp_path / "elsewhere"
    where.mkdir()
    installed = tmp_path / "installed"
    done = subprocess.run([str(venv / "bin" / "tuneprep"), *args, "--output", str(installed)],
                          cwd=where, env=clean_env(venv), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("records in: ")
    assert_same_dataset(in_tree, installed)
    assert read_json(installed / "report.json")["input_records"] == \
        read_json(in_tree / "report.json")["input_records"]


def test_installed_package_as_portable_workers(venv, tmp_path, capsys):
    """Launcher: this tree. Job service and SDK workers: the fresh environment, in another
    folder, so the workers import only what the sdist installed."""
    where = tmp_path / "services"
    where.mkdir()
    env = clean_env(venv)
    python = str(venv / "bin" / "python")
    job = pool = None
    try:
        job = Service(["apache_beam.runners.portability.local_job_service_main", "--port"],
                      where, env, where / "job_service.log", python=python)
        pool = Service(["apache_beam.runners.worker.worker_pool_main", "--service_port"],
                       where, env, where / "worker_pool.log", python=python)
        args = ["run", "--input", str(SAMPLES), "--target", "sagemaker-instruction",
                "--num-shards", "2"]
        direct, portable = tmp_path / "direct", tmp_path / "portable"
        assert main([*args, "--output", str(direct)]) == 0, capsys.readouterr().err
        code = main([*args, "--output", str(portable),
                     *portable_args(f"localhost:{job.port}", f"localhost:{pool.port}")])
        assert code == 0, capsys.readouterr().err
    finally:
        for service in (pool, job):
            if service is not None:
                service.stop()
    assert_same_dataset(direct, portable)
    assert b"Starting worker with command" in (where / "worker_pool.log").read_bytes()
    assert len(layout(portable)) > 4
