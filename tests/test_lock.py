"""One pinned set of versions: requirements.lock (compiled from pyproject.toml and
requirements.in by `make lock`) is what make, .ci/run and the worker images install, so the
installed versions are the locked ones and the Beam version is the one requirements.in names."""
from __future__ import annotations

import re
from importlib import metadata

from tests.helpers import REPO, locked_versions


def test_installed_versions_are_the_locked_ones():
    locked = locked_versions()
    assert "apache-beam" in locked and "pyarrow" in locked
    wrong = []
    for name, version in locked.items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue  # an extra this venv was not built with (make sample installs no test extra)
        if installed != version:
            wrong.append(f"{name} {installed} (locked {version})")
    assert not wrong, "not the locked versions (make install / make test reinstall them): " \
        + ", ".join(wrong)


def test_beam_is_pinned_once_and_locked():
    """requirements.in is the one place the Beam version is written; the lock follows it."""
    pins = re.findall(r"^apache-beam==([0-9.]+)$", (REPO / "requirements.in").read_text(), re.M)
    assert len(pins) == 1
    assert locked_versions()["apache-beam"] == pins[0]


def test_every_install_uses_the_lock():
    makefile = (REPO / "Makefile").read_text()
    assert "-c $(LOCK)" in makefile and "LOCK := requirements.lock" in makefile
    for image in ("deploy/worker.Dockerfile", "deploy/dataflow/Dockerfile"):
        assert "-c requirements.lock" in (REPO / image).read_text(), image


def _make_dry_run(target: str, tmp_path) -> str:
    """What `make TARGET` would run on a fresh machine (a venv that does not exist yet)."""
    import subprocess
    done = subprocess.run(["make", "-n", target, f"VENV={tmp_path / 'venv'}"], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_make_sample_installs_only_what_a_run_needs(tmp_path):
    """The first command a newcomer types installs the run's dependencies, not the test extra
    (moto, PyAV, Dask, ...: twice the size), and keeps pip's output out of the terminal."""
    sample = _make_dry_run("sample", tmp_path)
    installs = [line for line in sample.splitlines() if " install " in line]
    assert installs and all("-c requirements.lock" in line for line in installs)
    assert not any("[test]" in line for line in installs), installs
    assert all("install.log" in line for line in installs), installs
    test = _make_dry_run("test", tmp_path)
    assert any("-e '.[test]'" in line and "-c requirements.lock" in line
               for line in test.splitlines())
