"""Where a run may write, checked before anything is written, and what `--overwrite` may clear.

Always refused (UsageError, exit 2, nothing touched): an --output that is a file or a symbolic
link; that is `/`, the home folder or one of its ancestors, the current folder or one of its
ancestors, or a bucket root; that equals, holds or lies inside an input (real paths compared,
so `a/../a` and symlinks are seen through; s3:// by bucket and key), or that an input glob would
read back. `--overwrite` clears a folder only when it is empty or tuneprep proves every file
in it its own (its manifest or its claim: transforms/sink/dataset_folder.py) and no run of it is
live (transforms/sink/claim.py), and then removes only those files, never the folder itself.
"""
from __future__ import annotations

import fnmatch
import os
import stat

import orjson

from tuneprep.pipelines.options import UsageError
from tuneprep.transforms.sink import claim
from tuneprep.transforms.io import storage
from tuneprep.transforms.sink.dataset_folder import manifest_files, unproven
from tuneprep.transforms.core.layout import MANIFEST, written_examples


def normalize_output(uri: str) -> str:
    """The output as every check and every write takes it: `~` expanded and the path
    normalised on local disk (relative paths stay relative to the current folder), no trailing
    '/' on an object store."""
    path = storage.local_path(uri)
    if path is None:
        return uri.rstrip("/")
    if not path.strip():
        return ""
    return os.path.normpath(os.path.expanduser(path))


def _location(uri: str) -> tuple[str, ...]:
    """A comparable location: ('', dir, dir, ...) for a real local path, ('s3', bucket, key
    parts...) for an object store."""
    path = storage.local_path(uri)
    if path is not None:
        real = os.path.realpath(os.path.expanduser(path))
        return ("",) + tuple(p for p in real.split(os.sep) if p)
    scheme, _, rest = uri.partition("://")
    scheme = "s3" if scheme in ("s3", "s3a") else scheme
    return (scheme,) + tuple(p for p in rest.split("/") if p)


def _inside(inner: tuple, outer: tuple) -> bool:
    """inner lies inside outer (or is it)."""
    return inner[:len(outer)] == outer


def _is_glob(uri: str) -> bool:
    return any(c in uri for c in "*?[")


def _glob_root(uri: str) -> str:
    """The literal folder a glob starts from: data/*/x.jsonl → data."""
    parts = uri.split("/")
    literal = []
    for part in parts:
        if _is_glob(part):
            break
        literal.append(part)
    return "/".join(literal) or "."


def check_output(output: str, inputs: list[str], input_files: list[str],
                 image_root: str | None = None) -> None:
    """UsageError when `output` may never be written, with or without --overwrite.

    inputs: --input and --validation-input as given (files, folders, globs); input_files: the
    files they expanded to."""
    name = f"--output {storage.redact(output) or repr(output)}"
    if not output:
        raise UsageError("--output is empty: name the folder the dataset is written to")
    here = _location(output)
    local = storage.local_path(output)
    if local is not None:
        what = _protected().get(here)
        if what:
            raise UsageError(f"{name} is {what} ({os.sep + os.sep.join(here[1:])}); name a "
                             "folder of its own for the dataset")
    elif len(here) <= 2:
        raise UsageError(f"{name} is a bucket root; name a folder (prefix) in the bucket")
    _check_inputs(name, here, output, inputs, input_files, image_root)
    if local is not None:
        _check_local_output(name, local)
    else:
        _check_store_output(name, output)


def _check_inputs(name: str, here: tuple, output: str, inputs: list[str],
                  input_files: list[str], image_root: str | None) -> None:
    for given in inputs:
        if _is_glob(given):
            root = _location(_glob_root(given))
            if _inside(here, root) and any(
                    _glob_matches(_glob_pattern(given), _glob_path(given, output, rel))
                    for rel in written_examples()):
                raise UsageError(f"{name} lies where --input {given} would read it back as "
                                 "input on the next run; write the dataset somewhere else")
            continue
        where = _location(given)
        if here == where:
            raise UsageError(f"{name} is the input {given}; write the dataset somewhere else")
        if _inside(here, where):
            raise UsageError(f"{name} lies inside the input {given}: the next run would read "
                             "the dataset back as input; write it somewhere else")
        if _inside(where, here):
            raise UsageError(f"{name} holds the input {given}; write the dataset somewhere else")
    for uri in input_files:
        if _inside(_location(uri), here):
            raise UsageError(f"{name} holds the input file {uri}; write the dataset "
                             "somewhere else")
    if image_root and _inside(_location(image_root), here):
        raise UsageError(f"{name} holds --image-root {image_root}; write the dataset "
                         "somewhere else")


def _glob_path(given: str, output: str, rel: str) -> str:
    """The path of a dataset file as the glob would see it (both made absolute alike)."""
    if storage.local_path(given) is not None:
        return os.path.join(os.path.realpath(os.path.expanduser(output)), rel)
    return storage.join(output, rel).split("://", 1)[-1]


def _glob_matches(pattern: str, path: str) -> bool:
    """fsspec's glob rule: `*`, `?` and `[...]` match within one path segment, `**` any
    number of segments."""
    def match(pat: list[str], parts: list[str]) -> bool:
        if not pat:
            return not parts
        if pat[0] == "**":
            return any(match(pat[1:], parts[i:]) for i in range(len(parts) + 1))
        return bool(parts) and fnmatch.fnmatchcase(parts[0], pat[0]) and match(pat[1:], parts[1:])
    return match(pattern.strip("/").split("/"), path.strip("/").split("/"))


def _glob_pattern(given: str) -> str:
    if storage.local_path(given) is not None:
        root = _glob_root(given)
        return os.path.join(os.path.realpath(os.path.expanduser(root)),
                            given[len(root):].lstrip("/"))
    return given.split("://", 1)[-1]


def _protected() -> dict[tuple, str]:
    """/, the home folder and the current folder, each with its ancestors, and what each is."""
    home, here = _location(os.path.expanduser("~")), _location(os.getcwd())
    out: dict[tuple, str] = {}
    for parts, what in ((here, "the current folder"), (home, "the home folder")):
        for i in range(1, len(parts)):
            out.setdefault(parts[:i], f"a folder above {what}")
    out[home] = "the home folder"
    out[here] = "the current folder"
    out[("",)] = "the root folder"
    return out


def _check_local_output(name: str, path: str) -> None:
    if os.path.islink(path):
        raise UsageError(f"{name} is a symbolic link (to {os.readlink(path)}); name the real "
                         "folder")
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as e:
        raise UsageError(f"{name}: {e.strerror}") from None
    if not stat.S_ISDIR(mode):
        raise UsageError(f"{name} is a file, not a folder; name a folder for the dataset")


def _check_store_output(name: str, uri: str) -> None:
    fs, path = storage.filesystem(uri)
    if fs.isfile(path):
        raise UsageError(f"{name} is an object, not a folder; name a prefix for the dataset")


# --- what is in the folder, and clearing it for --overwrite -----------------------------------

class _Listing:
    """Every file under the folder (relative path -> size) and every folder in it. Local
    symbolic links count as files of the user's, so clearing never follows one."""

    def __init__(self, uri: str):
        self.files: dict[str, int | None] = {}
        self.folders: list[str] = []
        path = storage.local_path(uri)
        if path is not None:
            for root, dirs, names in os.walk(path):
                rel = os.path.relpath(root, path).replace(os.sep, "/")
                prefix = "" if rel == "." else rel + "/"
                for name in list(dirs):
                    if os.path.islink(os.path.join(root, name)):   # (walk does not follow it)
                        names.append(name)
                    else:
                        self.folders.append(prefix + name)
                for name in names:
                    full = os.path.join(root, name)
                    if os.path.islink(full):
                        self.files[f"{prefix}{name} (a symbolic link)"] = None
                    else:
                        self.files[prefix + name] = os.lstat(full).st_size
            return
        fs, root = storage.filesystem(uri)
        fs.invalidate_cache(root)
        for found, info in fs.find(root, withdirs=True, detail=True).items():
            rel = found.rstrip("/")[len(root.rstrip("/")) + 1:]
            if not rel:
                continue
            if info.get("type") == "directory":
                self.folders.append(rel)
            else:
                self.files[rel] = info.get("size")


def _tuneprep_manifest(output: str, listing: _Listing) -> dict | None:
    """path -> bytes of what the folder's manifest.json lists, when it is tuneprep's."""
    if MANIFEST not in listing.files:
        return None
    try:
        with storage.open_read(storage.join(output, MANIFEST)) as f:
            return manifest_files(orjson.loads(f.read()))
    except (OSError, orjson.JSONDecodeError):
        return None


def _relative(output: str, uri: str) -> str | None:
    """`uri` relative to `output` when it lies inside it, else None."""
    inner, outer = _location(uri), _location(output)
    if len(inner) > len(outer) and _inside(inner, outer):
        return inner[len(outer)]
    return None


def plan_overwrite(output: str, overwrite: bool, keep_uri: str | None = None):
    """What clearing `output` for a run would remove (None: it is empty or missing), or
    UsageError when the run may not write there; nothing is touched.

    A folder that is not empty needs --overwrite; with it, only files tuneprep proves it wrote
    (transforms/sink/dataset_folder.py) may be cleared, and none while its run is live.
    keep_uri: an --image-uri-prefix, whose top-level folder inside the output holds the run's
    own uploads (kept, not cleared)."""
    if storage.is_empty_or_missing(output):
        return None
    name = f"--output {storage.redact(output)}"
    marker = claim.holder(output)
    ours = claim.is_tuneprep(marker)
    if ours and claim.is_live(marker):
        raise UsageError(f"{name}: another run is writing there ({claim.describe(marker)}); "
                         "wait for it to end, or stop it")
    if not overwrite:
        if ours:
            raise UsageError(f"{name} holds an unfinished run's debris ({claim.MARKER}, from "
                             f"{claim.describe(marker)}, which is gone); add --overwrite to "
                             "replace it")
        raise UsageError(f"{name} is not empty; add --overwrite to replace the dataset there")
    kept = _relative(output, keep_uri) if keep_uri else None
    listing = _Listing(output)
    listed = _tuneprep_manifest(output, listing)
    claim_run = marker["run_id"] if ours else None
    unknown = unproven(listing.files, listing.folders, listed, claim_run, [kept] if kept else [])
    if unknown:
        why = (f"neither its {MANIFEST} nor its {claim.MARKER} claim proves tuneprep wrote "
               "it" if listed is not None or claim_run else
               f"no tuneprep {MANIFEST} or {claim.MARKER} claim is there")
        more = f" and {len(unknown) - 1} more" if len(unknown) > 1 else ""
        raise UsageError(f"{name} holds files that are not a tuneprep dataset's ({unknown[0]}"
                         f"{more}): {why}; --overwrite replaces only a dataset tuneprep wrote: "
                         "move them, or write elsewhere")
    files = [p for p in listing.files if p.split("/", 1)[0] != kept]
    folders = [f for f in listing.folders if f.split("/", 1)[0] != kept]
    return files, folders


def clear(output: str, plan) -> None:
    """Removes exactly the files plan_overwrite proved (a file that appeared since stays), then
    the folders left empty, deepest first."""
    files, folders = plan
    path = storage.local_path(output)
    if path is not None:
        for rel in files:
            try:
                os.remove(os.path.join(path, rel))
            except FileNotFoundError:
                pass
        for folder in sorted(folders, key=lambda f: -f.count("/")):
            try:
                os.rmdir(os.path.join(path, folder))
            except OSError:   # a file appeared meanwhile: it stays, and so does its folder
                pass
        return
    fs, root = storage.filesystem(output)
    if files:
        fs.rm([f"{root}/{rel}" for rel in files])
