"""tuneprep: raw corpora → fine-tuning datasets for Amazon Bedrock, SageMaker and OpenAI.

The one installed top-level name. Its two parts live in the repository's `pipelines/` (the
entry points: the command line, its sub-commands, launchers) and `transforms/` (the pipeline
itself), installed as `tuneprep.pipelines` and `tuneprep.transforms` (see setup.py). A checkout
is used installed too (`pip install -e .`, as `make` does): the package's path is its own
folder only, so each module loads once, under one name."""
from __future__ import annotations


def version() -> str:
    """The installed distribution's version (pyproject.toml is the one place it is written)."""
    from importlib.metadata import PackageNotFoundError, version as installed
    try:
        return installed("tuneprep")
    except PackageNotFoundError:   # a source tree that was never installed
        return "0+unknown"

