"""Paths as users write them (--input, --validation-input and --template, and the same keys of
a --config job spec): `normalize` is the one rule that turns what was typed into the form the
launcher's listing, the workers' listing and the manifest compare. (--output keeps
output_guard.normalize_output's form, relative kept relative, so the summary names it as
written: the local runner's workers start in this folder, and runner_checks.py refuses a
relative --output to the others.)

Local paths: `file://` dropped, `~` expanded, made absolute against the folder the command runs
in (a job spec's relative paths too, as on the command line), trailing `/` dropped, `.` and
`..` removed. `..` is resolved as the system resolves it when the file is opened (through a
symbolic link before it, to the link's real parent); every other name is kept, so a symlinked
folder is named as the user named it. Anything else (s3://, other protocols) is untouched.
Normalising an already normalised path returns it unchanged, so a worker that is handed the
launcher's form gets the launcher's files, whatever its own folder or home is."""
from __future__ import annotations

import os

from tuneprep.transforms.io import storage


def normalize(uri: str) -> str:
    """The one form of a user's path (see the module docstring); '' stays '' (the checks that
    refuse an empty path name it as given)."""
    path = storage.local_path(uri)
    if path is None or not path.strip():
        return uri if path is None else path
    path = os.path.join(os.getcwd(), os.path.expanduser(path))   # absolute, '..' still in it
    parts = path.split(os.sep)
    if ".." in parts:   # (normpath alone would take `link/..` to be the folder holding link)
        after = len(parts) - parts[::-1].index("..")
        path = os.path.join(os.path.realpath(os.sep.join(parts[:after])), *parts[after:])
    return os.path.normpath(path)
