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
