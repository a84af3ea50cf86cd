"""Beam ships this to remote workers with `--setup_file ./setup.py` (it builds an sdist of the
`pipelines` and `transforms` packages and pip-installs it on each worker). All metadata lives in
pyproject.toml; this file only exists so Beam's staging (`python setup.py sdist`) works."""
from setuptools import setup

setup()
