"""Where a run's files are written before they are the dataset's, and the commit that makes
them so. Pure Python over fsspec.

On local disk every file of the dataset is written under `_temporary/RUN/commit/<its path>` and
renamed to its path at commit, the manifest last: a run killed while it writes (even by
`kill -9`) leaves no cut file under a dataset name, only debris under `_temporary/`, which the
run's `_RUNNING` claim proves tuneprep's for `--overwrite`. A rename within one folder tree is
atomic and copies nothing. On an object store a file is written to its key directly: an object
appears whole or not at all when its upload completes, and a rename there would copy every
byte again.

`_SUCCESS` comes last of all, and from the launcher when there is one (`finish`): the
assembly is one step of the job, which may still fail or be run again after it; only the
launcher knows the job as a whole succeeded. A job launched elsewhere (a template, a jar)
writes its own at the end of the assembly.
"""
from __future__ import annotations

import os

import orjson

from tuneprep.transforms.sink import claim
from tuneprep.transforms.core.layout import MANIFEST, REPORT_JSON, STAGED, SUCCESS, TEMPORARY
from tuneprep.transforms.io.storage import join, local_path, open_read, write_bytes


def temp_root(cfg) -> str:
    """The run's own folder: its parts, and its staged files."""
    return join(cfg.output, TEMPORARY, cfg.run_id)


def staged_uri(cfg, relpath: str) -> str:
    """Where the dataset's file `relpath` is written until the commit."""
    if local_path(cfg.output) is None:
        return join(cfg.output, relpath)
    return join(temp_root(cfg), STAGED, relpath)


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


def finish(cfg) -> bool:
    """The launcher's end of a job that succeeded: `_SUCCESS` when the run still holds its
    claim and its report has no error (a failed check), then the claim ends. True when the
    dataset is complete."""
    marker = claim.holder(cfg.output)
    if marker is None or marker.get("run_id") != cfg.run_id:   # taken over: not ours to mark
        return False
    try:
        with open_read(join(cfg.output, REPORT_JSON)) as f:
            complete = not orjson.loads(f.read()).get("errors")
    except FileNotFoundError:   # the job ended without assembling anything
        complete = False
    claim.release(cfg.output)
    if complete:   # last: a run that fails before it (the claim's release) exits 1 without it
        write_bytes(join(cfg.output, SUCCESS), b"")
    return complete
