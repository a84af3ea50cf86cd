"""The input listing as the workers expand it: the URIs the user named (files, folders, globs)
travel in the job graph, not the files they name (issue 16, item 4: a 100k-file input made a
job graph of tens of MB, over Dataflow's limit). Pure Python.

The launcher still expands every URI first (missing inputs are usage errors, the progress line
and the manifest count the files, a file of both splits is refused); the workers expand them
again with the same code, in parallel per URI, and the result is checked against the launcher's
(count and digest): a listing that changed in between fails the run rather than writing a
dataset from other files than the ones checked. The digest holds each file's pin (size and
modification time or ETag: input_pins.py), so a file rewritten since the launch fails it too;
the workers' pins then travel with the read tasks, for the readers' own checks."""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Callable

from tuneprep.transforms.io.input_pins import modified_after, pin_of
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


def digest(train: list, validation: list, pin: Callable | None = None) -> str:
    """The listing's digest: each file's URI and pin. A file is a URI, pinned by `pin(uri)`
    (the launcher's), or a (URI, pin) pair (the workers' listing); a bare URI without `pin`
    is unpinned."""
    sha = hashlib.sha256()
    for name, files in (("train", train), ("validation", validation)):
        sha.update(f"{name} {len(files)}\n".encode())
        for item in files:
            uri, pinned = (item, pin(item) if pin else None) if isinstance(item, str) else item
            sha.update(uri.encode("utf-8", "surrogateescape")
                       + (b"" if pinned is None else f"\0{pinned}".encode()) + b"\n")
    return sha.hexdigest()


def _unpinned(files: list) -> list[str]:
    return [_pair(f)[0] for f in files]


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
    listed_at: int | None = None   # time.time_ns() before the launcher took the pins

    def expand_pinned(self, flag: str, uri: str) -> list:
        """expand(), each file's URI as (URI, pin): select() keeps the pair as it keeps a URI."""
        return [((path, pin_of(path)), key) for path, key in self.expand(flag, uri)]

    def indexed(self, groups: list) -> list[tuple[int, str, str | None, int | str | None]]:
        """The expanded groups → (file index, file URI, split, pin) in input order (train files
        first, then validation ones: the index fixes the order of the records and of the
        parts), after checking them against the launcher's listing."""
        train, validation = self._checked(groups)
        return ([(i, *_with_split(f, None)) for i, f in enumerate(train)]
                + [(len(train) + i, *_with_split(f, "validation"))
                   for i, f in enumerate(validation)])

    def listed(self, groups: list) -> tuple[list[str], list[str]]:
        """The files' URIs (the manifest's), checked."""
        train, validation = self._checked(groups)
        return _unpinned(train), _unpinned(validation)

    def _checked(self, groups: list) -> tuple[list, list]:
        groups = sorted(groups, key=lambda g: g[0])   # (order, flag, uri, files)
        train, validation = self.select([g[1:] for g in groups])
        count = len(train) + len(validation)
        if self.files is not None and count != self.files:
            raise ListingChanged(
                f"the inputs changed since the launch: {self.files:,} files were listed and "
                f"checked then, {count:,} (not the same) now; run again")
        if self.files is not None and digest(train, validation) != self.sha256:
            raise ListingChanged(self._which_changed(train + validation))
        return train, validation

    def _which_changed(self, files: list) -> str:
        """The first file modified since the launch's listing, when its pin tells (a local
        file's time); else the listing as a whole."""
        for f in files:
            if self.listed_at is not None and modified_after(_pair(f)[1], self.listed_at):
                return (f"the inputs changed since the launch: {_pair(f)[0]} was modified "
                        "after the launch listed it; run again once it is stable")
        return (f"the inputs changed since the launch: the {self.files:,} files listed then "
                "are not the same now (a file renamed, rewritten or replaced); run again")


def _pair(item) -> tuple[str, int | str | None]:
    return (item, None) if isinstance(item, str) else item


def _with_split(item, split: str | None) -> tuple:
    uri, pin = _pair(item)
    return uri, split, pin


class ListingChanged(StorageError):
    """(A StorageError: the run stops with its one line, as for a failure of the store.)"""


def of_config(cfg) -> InputListing:
    """The listing of a RunConfig whose inputs are expanded already (each URI one file)."""
    named = tuple([(INPUT, u) for u in cfg.inputs]
                  + [(VALIDATION_INPUT, u) for u in cfg.validation_inputs])
    listed_at = time.time_ns()
    return InputListing(named, identity, every, files=len(named),
                        sha256=digest(cfg.inputs, cfg.validation_inputs, pin_of),
                        listed_at=listed_at)
