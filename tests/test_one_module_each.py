"""tuneprep/__init__.py: in a checkout, each module loads once, under one name. The package's path
is its own folder only (no repository root appended to it), so a checkout run the way the tests
and the launchers run it (PYTHONPATH at the repository, `python pipelines/launch.py`,
`python -m tuneprep.pipelines.launch`) has one module object per source file: one RecordError
class, one set of reason codes."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.helpers import REPO

PROBE = f"""
import importlib.util, os, sys
import tuneprep, tuneprep.pipelines.cli, tuneprep.pipelines.launch
import tuneprep.transforms.core.records, tuneprep.transforms.beam.pipeline
assert [os.path.realpath(p) for p in tuneprep.__path__] == \\
    [os.path.realpath({str(REPO / "tuneprep")!r})], tuneprep.__path__
# the repository's other folders are no part of the package
assert importlib.util.find_spec("tuneprep.tests") is None
assert importlib.util.find_spec("tuneprep.benchmarks") is None
SOURCES = tuple(os.path.join({str(REPO)!r}, part) + os.sep
                for part in ("tuneprep", "pipelines", "transforms", "tests"))
names = {{}}
for name, module in list(sys.modules.items()):
    path = getattr(module, "__file__", None)
    if path and name != "__main__" and os.path.realpath(path).startswith(SOURCES):
        names.setdefault(os.path.realpath(path), []).append(name)
twice = {{path: found for path, found in names.items() if len(found) > 1}}
assert not twice, twice
print(len(names), "modules of the repository, one object each")
"""


@pytest.mark.parametrize("cwd", ["repository", "elsewhere"])
def test_a_checkout_loads_each_module_once(cwd, tmp_path):
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                          cwd=REPO if cwd == "repository" else tmp_path, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr
    assert "one object each" in done.stdout


@pytest.mark.parametrize("how", ["file", "module"])
def test_the_launcher_runs_from_a_checkout(how, tmp_path):
    """`python pipelines/launch.py` (a flex template's FLEX_TEMPLATE_PYTHON_PY_FILE) and
    `python -m tuneprep.pipelines.launch` are `tuneprep run`, with the package installed."""
    start = [str(REPO / "pipelines" / "launch.py")] if how == "file" else [
        "-m", "tuneprep.pipelines.launch"]
    done = subprocess.run([sys.executable, *start, f"--config={tmp_path / 'missing.yaml'}"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == f"error: --config {tmp_path / 'missing.yaml'}: No such file " \
                                  "or directory"
