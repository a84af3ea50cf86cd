"""What a tuneprep dataset folder holds, and which of its files `--overwrite` may remove: only
what tuneprep proves it wrote. Pure Python; the names are layout.py's.

Names prove nothing (Hadoop and Spark write `_temporary/` and `_SUCCESS` too; any tool may
write a `manifest.json` and `train/train.jsonl`). A folder is tuneprep's by proof:

- its `manifest.json` is a tuneprep manifest (MANIFEST_SCHEMA and the run id, written by
  transforms/sink/assemble.py), and each data file in the folder is one the manifest lists, at the
  size it lists; beside them only the dataset's own unlisted files (OWN_FILES: the manifest
  itself, the reports, the dead letters, `_SUCCESS`); or
- its `_RUNNING` is a claim tuneprep wrote (transforms/sink/claim.py), whose run is over: then the
  run's own `_temporary/RUN/` and any file the layout names (what the run had begun to write).

Anything else is the user's: `--overwrite` refuses the folder and names the first such file.
"""
from __future__ import annotations

from typing import Iterable, Mapping

from tuneprep.transforms.core.layout import (DEAD_LETTER_FILE, FOLDER_FILE, MANIFEST, REPORT_HTML,
                                           REPORT_JSON, SAMPLED_OUT_FILE, SPLIT_FOLDER_FILE,
                                           SPLITS, SUCCESS, TEMPORARY, TOP_FILES, TOP_FOLDERS)

MANIFEST_SCHEMA = "tuneprep-manifest/1"   # the manifest's own marker: no other tool writes it
# a manifest cannot list itself, nor what is written after it: these are the dataset's own
# whenever a tuneprep manifest is there
OWN_FILES = (MANIFEST, REPORT_JSON, REPORT_HTML, SUCCESS, DEAD_LETTER_FILE, SAMPLED_OUT_FILE)


def manifest_identity(run_id: str) -> dict:
    """The keys that make a manifest tuneprep's: its schema and the run that wrote it."""
    return {"schema": MANIFEST_SCHEMA, "run_id": run_id}


def manifest_files(manifest) -> dict[str, int | None] | None:
    """path -> bytes of every file a tuneprep manifest lists; None when `manifest` (parsed
    JSON) is not a tuneprep manifest."""
    if not (isinstance(manifest, dict) and isinstance(manifest.get("files"), list)
            and (_marked(manifest) or _before_the_marker(manifest))):
        return None
    out = {}
    for entry in manifest["files"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            return None
        size = entry.get("bytes")
        out[entry["path"]] = size if isinstance(size, int) else None
    return out


def _marked(manifest: dict) -> bool:
    return (manifest.get("schema") == MANIFEST_SCHEMA and isinstance(manifest.get("run_id"), str)
            and bool(manifest["run_id"]))


def _before_the_marker(manifest: dict) -> bool:
    """A manifest tuneprep 0.1 wrote before MANIFEST_SCHEMA existed (up to December 2026): no
    schema, no run id, but tuneprep's own version and each file's SHA-256. Taken, so a dataset
    the previous release made can still be replaced (`make sample` twice across an upgrade);
    its files must still be the ones it lists, at their sizes."""
    versions = manifest.get("versions")
    return ("schema" not in manifest and "run_id" not in manifest and isinstance(versions, dict)
            and isinstance(versions.get("tuneprep"), str)
            and all(isinstance(e, dict) and isinstance(e.get("sha256"), str)
                    for e in manifest["files"]))


def is_dataset_file(relpath: str) -> bool:
    """True for a path (relative to the dataset folder, '/'-separated) that the layout names;
    anything under _temporary/ is a run's own parts."""
    parts = relpath.strip("/").split("/")
    if parts[0] == TEMPORARY:
        return True
    if len(parts) == 1:
        return parts[0] in TOP_FILES
    if len(parts) != 2:
        return False
    pattern = SPLIT_FOLDER_FILE if parts[0] in SPLITS else FOLDER_FILE.get(parts[0])
    return pattern is not None and pattern.fullmatch(parts[1]) is not None


def unproven(files: Mapping[str, int | None], folders: Iterable[str] = (),
             listed: Mapping[str, int | None] | None = None, claim_run: str | None = None,
             keep: Iterable[str] = ()) -> list[str]:
    """The entries tuneprep cannot prove are its own, sorted ('' when all are).

    files: relative path -> size of every file in the folder (a local symbolic link as
    'name (a symbolic link)', size None); folders: the relative paths of its folders (a folder
    that held a file of the user's counts too, even empty); listed: manifest_files() of the
    folder's manifest, or None; claim_run: the run id of a tuneprep claim whose run is over, or
    None; keep: top-level names that belong to this run though no proof names them (an
    --image-uri-prefix inside the output folder), neither proven nor removed."""
    kept = set(keep)
    temporary = f"{TEMPORARY}/{claim_run}/" if claim_run else None
    out = []
    for path, size in files.items():
        if path.split("/", 1)[0] in kept:
            continue
        if listed is not None and (path in OWN_FILES or (
                path in listed and listed[path] in (None, size))):
            continue
        if claim_run and (path.startswith(temporary) or (
                not path.startswith(TEMPORARY + "/") and is_dataset_file(path))):
            continue
        out.append(path)
    for folder in folders:   # (a folder is named only when no file in it was)
        if folder.split("/", 1)[0] in kept or _own_folder(folder, claim_run) or any(
                p.startswith(folder + "/") for p in out):
            continue
        out.append(folder + "/")
    return sorted(out)


def _own_folder(folder: str, claim_run: str | None) -> bool:
    parts = folder.split("/")
    if parts[0] == TEMPORARY:
        return len(parts) == 1 or (claim_run is not None and parts[1] == claim_run)
    return len(parts) == 1 and parts[0] in TOP_FOLDERS
