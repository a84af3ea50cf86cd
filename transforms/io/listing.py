"""The input listing as the workers expand it: the URIs the user named (files, folders, globs)
travel in the job graph, not the files they name (issue 16, item 4: a 100k-file input made a
job graph of tens of MB, over Dataflow's limit). Pure Python.

The launcher still expands every URI first (missing inputs are usage errors, the progress line
and the manifest count the files, a file of both splits is refused); the workers expand them
again with the same code, in parallel per URI, and the result is checked against the launcher's
(count and digest): a listing that changed in between fails the run rather than writing a
dataset from other files than the ones checked."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Callable

from tuneprep.transforms.io.storage import StorageError

INPUT, VALIDATION_INPUT = "--input", "--validation-input"


def identity(flag: str, uri: str) -> list[tuple[str, str]]:
    """A URI that names one file: itself (callers that give RunConfig.inputs already expanded)."""
    return [(uri, uri)]


def first_of_each(groups: list) -> tuple[list[str], list[str]]:
    """[(flag, uri, [(file URI, identity)])] in the order named → (train files, validation
    files), each file once (its first mention)."""
    out: dict[str, list[str]] = {INPUT: [], VALIDATION_INPUT: []}
    seen: set = set()
    for flag, _uri, files in groups:
        for path, key in files:
            if key not in seen:
                seen.add(key)
                out[INPUT if flag == INPUT else VALIDATION_INPUT].append(path)
    return out[INPUT], out[VALIDATION_INPUT]


def every(groups: list) -> tuple[list[str], list[str]]:
    """As first_of_each, keeping a file named twice twice (what the caller asked for)."""
    out: dict[str, list[str]] = {INPUT: [], VALIDATION_INPUT: []}
    for flag, _uri, files in groups:
        out[INPUT if flag == INPUT else VALIDATION_INPUT] += [path for path, _ in files]
    return out[INPUT], out[VALIDATION_INPUT]


def digest(train: list[str], validation: list[str]) -> str:
    sha = hashlib.sha256()
    for name, files in (("train", train), ("validation", validation)):
        sha.update(f"{name} {len(files)}\n".encode())
        for uri in files:
            sha.update(uri.encode("utf-8", "surrogateescape") + b"\n")
    return sha.hexdigest()


@dataclass(frozen=True)
class InputListing:
    """What the job graph holds of the inputs: the URIs as named, the functions that expand
    them on a worker (module-level functions: pickled by name, not by value), and the
    launcher's count and digest of the files they named."""
    named: tuple[tuple[str, str], ...]                 # (flag, uri), in the order given
    expand: Callable[[str, str], list] = identity       # (flag, uri) → [(file URI, identity)]
    select: Callable[[list], tuple] = first_of_each     # [(flag, uri, files)] → (train, validation)
    files: int | None = None
    sha256: str | None = None

    def indexed(self, groups: list) -> list[tuple[int, str, str | None]]:
        """The expanded groups → (file index, file URI, split) in input order (train files
        first, then validation ones: the index fixes the order of the records and of the
        parts), after checking them against the launcher's listing."""
        train, validation = self.listed(groups)
        return ([(i, uri, None) for i, uri in enumerate(train)]
                + [(len(train) + i, uri, "validation") for i, uri in enumerate(validation)])

    def listed(self, groups: list) -> tuple[list[str], list[str]]:
        groups = sorted(groups, key=lambda g: g[0])   # (order, flag, uri, files)
        train, validation = self.select([g[1:] for g in groups])
        if self.files is not None and (len(train) + len(validation) != self.files
                                       or digest(train, validation) != self.sha256):
            raise ListingChanged(
                f"the inputs changed since the launch: {self.files:,} files were listed and "
                f"checked then, {len(train) + len(validation):,} (not the same) now; run again")
        return train, validation


class ListingChanged(StorageError):
    """(A StorageError: the run stops with its one line, as for a failure of the store.)"""


def of_config(cfg) -> InputListing:
    """The listing of a RunConfig whose inputs are expanded already (each URI one file)."""
    named = tuple([(INPUT, u) for u in cfg.inputs]
                  + [(VALIDATION_INPUT, u) for u in cfg.validation_inputs])
    return InputListing(named, identity, every, files=len(named),
                        sha256=digest(cfg.inputs, cfg.validation_inputs))
