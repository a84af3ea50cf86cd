"""What a tuneprep dataset folder holds: the names `--overwrite` may remove, and nothing else.
Pure Python.

A folder is recognisably a tuneprep dataset when one of its markers is there (the manifest,
`_SUCCESS`, a run's `_RUNNING` claim or its `_temporary/` parts) and every entry in it is one
the dataset's layout names (README "Output layout"). Anything else in the folder is the user's,
so `--overwrite` refuses the folder instead of deleting it.
"""
from __future__ import annotations

import re
from typing import Iterable

SPLITS = ("train", "validation")
DEAD_LETTER_FOLDER = "dead_letter"
SAMPLED_OUT_FOLDER = "sampled_out"   # the source locations --sample-to-quota left out
TEMPORARY = "_temporary"
TOP_FILES = ("manifest.json", "report.json", "report.html", "training-request.json", "_SUCCESS",
             "_RUNNING")
TOP_FOLDERS = (*SPLITS, DEAD_LETTER_FOLDER, SAMPLED_OUT_FOLDER, TEMPORARY)
MARKERS = ("manifest.json", "_SUCCESS", "_RUNNING", TEMPORARY)

# train/train.jsonl (single-file layouts), train/part-00000-of-00002.jsonl (sharded), and a
# split's side files (sagemaker-instruction's template.json)
_SPLIT_FILE = re.compile(r"(?:train|validation)\.jsonl|part-\d{5}-of-\d{5}\.jsonl|template\.json")
_FOLDER_FILES = {DEAD_LETTER_FOLDER: re.compile(r"dead_letter\.jsonl"),
                 SAMPLED_OUT_FOLDER: re.compile(r"sampled_out\.jsonl")}


def is_dataset_file(relpath: str) -> bool:
    """True for a path (relative to the dataset folder, '/'-separated) that a tuneprep run
    writes; anything under _temporary/ is a run's own parts."""
    parts = relpath.strip("/").split("/")
    if parts[0] == TEMPORARY:
        return True
    if len(parts) == 1:
        return parts[0] in TOP_FILES
    if len(parts) != 2:
        return False
    pattern = _SPLIT_FILE if parts[0] in SPLITS else _FOLDER_FILES.get(parts[0])
    return pattern is not None and pattern.fullmatch(parts[1]) is not None


def foreign_entries(top: Iterable[tuple[str, bool]], inside: Iterable[str],
                    keep: Iterable[str] = ()) -> list[str]:
    """The entries that are not the dataset's own, sorted.

    top: (name, is_folder) of each entry of the folder; inside: the relative paths of the files
    and folders found inside its split and dead-letter folders; keep: top-level names that
    belong to the run though the layout does not name them (an --image-uri-prefix inside the
    output folder)."""
    kept = set(keep)
    out = []
    for name, is_folder in top:
        if name in kept:
            continue
        if not (name in TOP_FOLDERS if is_folder else name in TOP_FILES):
            out.append(name + ("/" if is_folder else ""))
    # a folder inside a split folder is never the dataset's
    out += [p for p in inside if p.endswith("/") or not is_dataset_file(p)]
    return sorted(out)


def has_marker(top_names: Iterable[str]) -> bool:
    return any(name in MARKERS for name in top_names)
