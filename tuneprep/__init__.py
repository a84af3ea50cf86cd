"""tuneprep: raw corpora → fine-tuning datasets for Amazon Bedrock, SageMaker and OpenAI.

The one installed top-level name. Its two parts live in the repository's `pipelines/` (the
entry points: the command line, its sub-commands, launchers) and `transforms/` (the pipeline
itself), installed as `tuneprep.pipelines` and `tuneprep.transforms` (see setup.py)."""
from __future__ import annotations


def version() -> str:
    """The installed distribution's version (pyproject.toml is the one place it is written)."""
    from importlib.metadata import PackageNotFoundError, version as installed
    try:
        return installed("tuneprep")
    except PackageNotFoundError:   # a source tree that was never installed
        return "0+unknown"


def _source_checkout_parts() -> None:
    """In a source checkout that was never installed (`python pipelines/launch.py`, a
    PYTHONPATH pointing at the repository), pipelines/ and transforms/ sit beside this folder,
    not inside it: find them there. An installed tuneprep has them inside."""
    import os
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if all(os.path.exists(os.path.join(root, name)) for name in
           ("setup.py", "pipelines/__init__.py", "transforms/__init__.py")):
        __path__.append(root)


_source_checkout_parts()
