"""Where a run's files are written before they are the dataset's, and the commit that makes
them so. Pure Python over fsspec.

On local disk every file of the dataset is written under `_temporary/RUN/commit/<its path>` and
renamed to its path at commit, the manifest last: a run killed while it writes (even by
`kill -9`) leaves no cut file under a dataset name, only debris under `_temporary/`, which the
run's `_RUNNING` claim proves tuneprep's for `--overwrite`. A rename within one folder tree is
atomic and copies nothing. On an object store a file is written to its key directly: an object
appears whole or not at all when its upload completes, and a rename there would copy every
byte again.
"""
from __future__ import annotations

import os

from tuneprep.transforms.io.dataset_folder import MANIFEST, TEMPORARY
from tuneprep.transforms.io.storage import join, local_path, write_bytes

STAGE = "commit"   # the folder of _temporary/RUN/ holding the files of the dataset to be


def temp_root(cfg) -> str:
    """The run's own folder: its parts, and its staged files."""
    return join(cfg.output, TEMPORARY, cfg.run_id)


def staged_uri(cfg, relpath: str) -> str:
    """Where the dataset's file `relpath` is written until the commit."""
    if local_path(cfg.output) is None:
        return join(cfg.output, relpath)
    return join(temp_root(cfg), STAGE, relpath)


def write_staged(cfg, relpath: str, data: bytes) -> None:
    write_bytes(staged_uri(cfg, relpath), data)


def commit(cfg, relpaths: list[str]) -> None:
    """Renames the staged files to their places in the dataset, in the order given and
    MANIFEST last (what proves the folder tuneprep's comes once the files it lists are there).
    Nothing to do on an object store: the files are in place."""
    root = local_path(cfg.output)
    if root is None:
        return
    ordered = [p for p in relpaths if p != MANIFEST] + [p for p in relpaths if p == MANIFEST]
    for relpath in ordered:
        final = os.path.join(root, *relpath.split("/"))
        os.makedirs(os.path.dirname(final), exist_ok=True)
        os.replace(local_path(staged_uri(cfg, relpath)), final)
