"""The launcher's side of transforms/io/listing.py: the URIs the user named, expanded on the
workers by input_paths' own code (the same files, order and identities as the launcher's
listing), with the launcher's count and digest of its listing (each file's URI and pin:
transforms/io/input_pins.py) to check them against."""
from __future__ import annotations

import time

from tuneprep.pipelines import input_paths
from tuneprep.pipelines.user_paths import normalize
from tuneprep.transforms.io.input_pins import pin_of
from tuneprep.transforms.io.listing import INPUT, VALIDATION_INPUT, InputListing, digest


def _quiet(_line: str) -> None:
    """The launcher has warned of skipped files already (and kept the lines for the report)."""


def expand_on_worker(flag: str, uri: str) -> list:
    return input_paths._expand_one(flag, uri, _quiet)


def select_on_worker(groups: list) -> tuple[list[str], list[str]]:
    train = [g for g in groups if g[0] == INPUT]
    validation = [g for g in groups if g[0] != INPUT]
    return input_paths._read_once(train, _quiet), input_paths._read_once(validation, _quiet)


def listing_for(args, cfg) -> InputListing:
    """The graph holds the URIs in user_paths' one form, the form the launcher listed (a
    worker's own folder and home may differ from the launcher's). The pins are taken here, as
    the digest is made (an object's from the listing's details: no request per file)."""
    named = tuple([(INPUT, normalize(u)) for u in args.input]
                  + [(VALIDATION_INPUT, normalize(u)) for u in args.validation_input])
    listed_at = time.time_ns()
    return InputListing(named, expand_on_worker, select_on_worker,
                        files=len(cfg.inputs) + len(cfg.validation_inputs),
                        sha256=digest(cfg.inputs, cfg.validation_inputs, pin_of),
                        listed_at=listed_at)
