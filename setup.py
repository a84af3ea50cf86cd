"""Beam ships this to remote workers with `--setup_file ./setup.py` (it builds an sdist and
pip-installs it on each worker); pip uses it too. All metadata lives in pyproject.toml; what is
here is the package layout, which pyproject.toml cannot compute: the repository's `pipelines/`
and `transforms/` folders are installed as `tuneprep.pipelines` and `tuneprep.transforms`, so
`tuneprep` is the only top-level name in site-packages (both folder names are common and are
taken on PyPI)."""
from setuptools import find_packages, setup

PARTS = ("pipelines", "transforms")

setup(
    packages=["tuneprep"] + [f"tuneprep.{p}" for p in find_packages(include=[
        f"{part}{suffix}" for part in PARTS for suffix in ("", ".*")])],
    package_dir={"tuneprep": "tuneprep", **{f"tuneprep.{part}": part for part in PARTS}},
)
