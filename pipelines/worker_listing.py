"""The launcher's side of transforms/io/listing.py: the URIs the user named, expanded on the
workers by input_paths' own code (the same files, order and identities as the launcher's
listing), with the launcher's count and digest of its listing to check them against."""
from __future__ import annotations

import os

from tuneprep.pipelines import input_paths
from tuneprep.transforms.io import storage
from tuneprep.transforms.io.listing import INPUT, VALIDATION_INPUT, InputListing, digest


def _quiet(_line: str) -> None:
    """The launcher has warned of skipped files already (and kept the lines for the report)."""


def expand_on_worker(flag: str, uri: str) -> list:
    return input_paths._expand_one(flag, uri, _quiet)


def select_on_worker(groups: list) -> tuple[list[str], list[str]]:
    train = [g for g in groups if g[0] == INPUT]
    validation = [g for g in groups if g[0] != INPUT]
    return input_paths._read_once(train, _quiet), input_paths._read_once(validation, _quiet)


def _absolute(uri: str) -> str:
    """A relative local path as the launcher sees it: a worker's working folder may differ."""
    if storage.local_path(uri) is not None and not uri.startswith("file://"):
        return os.path.abspath(os.path.expanduser(uri))   # (as fsspec reads ~)
    return uri


def listing_for(args, cfg) -> InputListing:
    named = tuple([(INPUT, _absolute(u)) for u in args.input]
                  + [(VALIDATION_INPUT, _absolute(u)) for u in args.validation_input])
    return InputListing(named, expand_on_worker, select_on_worker,
                        files=len(cfg.inputs) + len(cfg.validation_inputs),
                        sha256=digest(list(cfg.inputs), list(cfg.validation_inputs)))
