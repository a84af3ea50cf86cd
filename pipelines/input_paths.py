"""Input discovery: the files that --input and --validation-input name (files, folders, globs;
local or s3://), each file once, with warnings for what is skipped or reached twice."""
from __future__ import annotations

import bisect
import os
import stat
import sys
from typing import Iterator

from tuneprep.pipelines.command_guard import kind_of, not_regular
from tuneprep.pipelines.options import UsageError
from tuneprep.pipelines.user_paths import normalize
from tuneprep.transforms.io import input_pins, storage
from tuneprep.transforms.io.extensions import COMPRESSION_EXTENSIONS
from tuneprep.transforms.report import skipped_inputs as skips

# in a folder, only files with these extensions (optionally compressed) are inputs
FOLDER_EXTENSIONS = (".jsonl", ".ndjson", ".jsonlines", ".json", ".csv", ".tsv", ".parquet",
                     ".pq", ".txt", ".text")


def expand_inputs(uris: list[str], flag: str = "--input", warn=None,
                  skipped: list | None = None) -> list[str]:
    """Files, folders (recursively; names starting with '.' or '_' are skipped) and globs → a
    list of file URIs, sorted within each URI, each file once. Raises UsageError for a URI that
    matches nothing or names no regular file. `warn(line)` (default: a `warning:` line on
    stderr) is told of skipped files and of files reached twice; `skipped` gets each skipped
    input as a report entry (transforms/report/skipped_inputs.py)."""
    warn = warn or print_warning
    expand = _expander(warn, skipped)
    for uri in uris:   # the local ones first: a missing local file is never hidden behind S3
        if storage.local_path(uri) is not None:
            expand(flag, uri)
    return _read_once([(flag, uri, expand(flag, uri)) for uri in uris], warn)


def expand_splits(args, before_remote=None, warn=None,
                  skipped: list | None = None) -> tuple[list[str], list[str]]:
    """--input and --validation-input → (training files, validation files). Local URIs are
    listed first, then `before_remote()` runs (the launcher's S3 checks), then the others: a
    missing local file is never hidden behind an S3 error. A file of both splits is a
    UsageError: its records would be counted (and trained on) twice. `skipped`: as for
    expand_inputs."""
    warn = warn or print_warning
    named = [("--input", u) for u in args.input] + [
        ("--validation-input", u) for u in args.validation_input]
    expand = _expander(warn, skipped)
    for flag, uri in named:
        if storage.local_path(uri) is not None:
            expand(flag, uri)
    if before_remote is not None:
        before_remote()
    groups = [(flag, uri, expand(flag, uri)) for flag, uri in named]
    train = [g for g in groups if g[0] == "--input"]
    validation = [g for g in groups if g[0] != "--input"]
    _refuse_both_splits(train, validation)
    return _read_once(train, warn), _read_once(validation, warn)


def _refuse_both_splits(train: list, validation: list) -> None:
    """UsageError naming the first validation file also read for training. Only the
    validation keys are held (the smaller split, usually), not a dict of every training file."""
    wanted = {key for _flag, _uri, files in validation for _path, key in files}
    first: dict = {}
    for flag, uri, files in train if wanted else ():
        for path, key in files:
            if key in wanted and key not in first:
                first[key] = (flag, uri, path)
    for flag, uri, files in validation if first else ():
        for path, key in files:
            if key in first:
                f0, u0, p0 = first[key]
                also = "" if p0 == path else f" (as {p0})"
                raise UsageError(f"{flag} {uri}: {path} is also read by {f0} {u0}{also}; "
                                 "a file cannot be in both splits")


def print_warning(line: str) -> None:
    print(f"warning: {line}", file=sys.stderr)


def _expander(warn, skipped: list | None):
    """_expand_one, listing a URI given twice once (and warning of its skipped files once);
    an input skipped by two URIs (overlapping folders) is one entry of `skipped`."""
    done: dict[str, list] = {}
    # (a set beside the list: `item not in skipped` scanned it, 20,000 skipped names took 32 s)
    seen = {_skip_key(item) for item in skipped or ()}

    def skip(item: dict) -> None:
        if skipped is not None and _skip_key(item) not in seen:
            seen.add(_skip_key(item))
            skipped.append(item)

    def expand(flag: str, uri: str) -> list:
        if uri not in done:
            done[uri] = _expand_one(flag, uri, warn, skip)
        return done[uri]
    return expand


def _skip_key(item: dict) -> tuple:
    return item["path"], item["reason"], item.get("files")


def _read_once(groups, warn) -> list[str]:
    """The URIs of [(flag, uri, [(path, key)])], each file (key) once, in order; one warning
    per pair of URIs that reach the same files (not one per file: two overlapping folders).
    Per file only its key is held (a set), not where it was first met: that is looked up
    again for the few files reached twice."""
    seen: set = set()
    again: list = []   # (group index, path, key) of each file reached again
    out: list[str] = []
    for g, (_flag, _uri, files) in enumerate(groups):
        for path, key in files:
            if key in seen:
                again.append((g, path, key))
            else:
                seen.add(key)
                out.append(path)
    if again:
        _warn_read_again(groups, again, warn)
    return out


def _warn_read_again(groups, again: list, warn) -> None:
    twice = {key for _g, _path, key in again}
    first: dict = {}   # key → (flag, uri, path) where it was first met
    for flag, uri, files in groups:
        for path, key in files:
            if key in twice and key not in first:
                first[key] = (flag, uri, path)
    by_group: dict = {}
    for g, path, key in again:
        f0, u0, p0 = first[key]
        by_group.setdefault(g, {}).setdefault((f0, u0), []).append((path, p0))
    for g, pairs_of in by_group.items():
        flag, uri, _files = groups[g]
        for (f0, u0), pairs in pairs_of.items():
            path, p0 = pairs[0]
            same_uri = (f0, u0) == (flag, uri)
            via = "" if same_uri else f" of {f0} {u0}"
            if same_uri and path == p0:
                warn(f"{flag} {uri}: given twice; read once")
            elif len(pairs) == 1 and path == p0:
                warn(f"{path}: named by both {f0} {u0} and {flag} {uri}; read once")
            elif len(pairs) == 1:
                warn(f"{flag} {uri}: {path} is the same file as {p0}{via}; read once")
            else:
                first_shown = path if path == p0 else f"{path} = {p0}"
                warn(f"{flag} {uri}: {len(pairs)} of its files are files already read{via} "
                     f"(first: {first_shown}); each is read once")


def _expand_one(flag: str, uri: str, warn, skip=None) -> list[tuple[str, int | str]]:
    """One --input URI → [(file URI, identity)], sorted; the file URIs in user_paths' one form,
    whoever expands it (the launcher, or a worker handed that form). The identity tells two
    paths to the same file apart from two files: (device, inode) on local disk (_identity), so
    a link, `a/../a` or a folder given beside a file in it is the same file; the URI
    elsewhere. `skip(entry)` is told of each input a folder or glob skips."""
    skip = skip or (lambda _entry: None)
    if not _utf8(uri):
        raise UsageError(f"{flag} {_shown(uri)}: the name is not valid UTF-8; rename it")
    fs, path = storage.filesystem(normalize(uri))   # (messages name the uri as given)
    local = storage.local_path(uri) is not None
    pattern = any(c in path for c in "*?[")
    if local and not pattern:
        st = _stat_input(path, flag, uri)
        if stat.S_ISREG(st.st_mode):
            return [(_unstrip(fs, uri, path), _identity(st))]
        if not stat.S_ISDIR(st.st_mode):
            raise UsageError(f"{flag} {uri}: {not_regular(st.st_mode)}")
    candidates = _candidates(fs, path, local, pattern, flag, uri, warn, skip)
    files = []
    candidates.sort()   # (in place: a second list of every name is memory too)
    for p in candidates:
        named = _unstrip(fs, uri, p)
        # elsewhere the URI itself (one object for both): a str never equals a local int
        key = _local_identity(p, flag, uri, warn, skip, fs) if local else named
        if key is not None:
            files.append((named, key))
    if not files:
        skipped = len(candidates)
        raise UsageError(f"{flag} {uri}: matches no file" +
                         (f" that can be read ({skipped} skipped, see the warnings)"
                          if skipped else ""))
    return files


def _identity(st: os.stat_result) -> int:
    """(device, inode) as one int: a third of the memory of a tuple, per file listed."""
    return st.st_dev << 64 | st.st_ino


def _stat_input(path: str, flag: str, uri: str) -> os.stat_result:
    try:
        return os.stat(path)   # (never open(): a FIFO or a device would block the run)
    except FileNotFoundError:
        raise UsageError(f"{flag} {uri}: no such file or folder") from None
    except OSError as e:
        raise UsageError(f"{flag} {uri}: {e.strerror}") from None


def _candidates(fs, path: str, local: bool, pattern: bool, flag: str, uri: str, warn,
                skip) -> list[str]:
    """The files a glob matches or a folder holds (a local folder: known to be one already);
    an object store's single file."""
    if pattern and local:
        matched = [(p, os.path.isdir(p)) for p in fs.glob(path)]
        files = [p for p, is_dir in matched if not is_dir]
        _skip_folders(fs, [p for p, is_dir in matched if is_dir], files, flag, uri, warn, skip)
        return files
    if pattern:   # (one listing: isfile() per match would be one HEAD request each; the
        found = fs.glob(path, detail=True)   # pins from it too)
        files = input_pins.files_pinned(found)   # (the files only: folders are said here)
        folders = [p for p, info in found.items() if info.get("type") == "directory"]
        _skip_folders(fs, folders, files, flag, uri, warn, skip)
        return files
    if local:
        unreadable: list = []   # (subfolder, why): skipped, with a reason, like a file
        try:
            return _data_files(fs, _walk(path, unreadable), path, flag, uri, warn, skip,
                               unreadable)
        except OSError as e:   # the folder named itself
            raise UsageError(f"{flag} {uri}: {e.strerror}") from None
    if fs.isdir(path):
        return _data_files(fs, input_pins.files_pinned(fs.find(path, detail=True)), path, flag,
                           uri, warn, skip)
    if fs.exists(path):
        return [path]
    raise UsageError(f"{flag} {uri}: no such file or folder")


def _skip_folders(fs, folders: list, files: list, flag: str, uri: str, warn, skip) -> None:
    """A folder a glob matches is not read (a glob names files): one warning and one skipped
    input each, unless the glob matched files in it too (data/** matches both)."""
    if not folders:   # (the usual glob: no sorted copy of its files)
        return
    files = sorted(files)
    for folder in sorted(folders):
        i = bisect.bisect_left(files, folder + "/")
        if i < len(files) and files[i].startswith(folder + "/"):
            continue
        shown = _shown(_unstrip(fs, uri, folder))   # (s3://bucket/...: the name to give)
        warn(f"{flag} {uri}: skipped the folder {shown}: a glob reads the files it matches, "
             "not folders (name the folder to read it)")
        skip(skips.entry(shown, skips.FOLDER_IN_GLOB))


def _walk(root: str, unreadable: list) -> Iterator[str]:
    """A local folder's files, as fsspec's find() lists them (everything that is not a folder,
    links included), one at a time: find() built a dict of ~15 fields per file first (400,000
    tiny files took 2.85 GiB to list). A subfolder that cannot be listed is appended to
    `unreadable` as (path, why): find() left it out without a word."""
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    try:
                        is_dir = entry.is_dir(follow_symlinks=False)
                    except OSError:
                        is_dir = False
                    if is_dir:
                        stack.append(entry.path)
                    else:
                        yield entry.path
        except OSError as e:
            if folder == root:
                raise
            unreadable.append((folder, e.strerror))


def _local_identity(path: str, flag: str, uri: str, warn, skip, fs) -> int | None:
    """The identity of a listed local file (_identity); None, with a warning, when it is
    skipped: a name that is not UTF-8 (it could not be written to the report), a FIFO, socket
    or device (reading one blocks or never ends), a broken link."""
    problem = None
    if not _utf8(path):
        problem, reason = "the name is not valid UTF-8 (rename it to read it)", skips.NOT_UTF8
    else:
        try:
            st = os.stat(path)
        except OSError as e:
            problem, reason = (("a broken link", skips.BROKEN_LINK) if os.path.islink(path) else
                               (f"cannot be read ({e.strerror})", skips.UNREADABLE))
        else:
            if stat.S_ISREG(st.st_mode):
                return _identity(st)
            problem, reason = f"{kind_of(st.st_mode)}, not a regular file", skips.SPECIAL_FILE
    warn(f"{flag} {uri}: skipped {_shown(path)}: {problem}")
    skip(skips.entry(_shown(_unstrip(fs, uri, path)), reason))
    return None


def _utf8(text: str) -> bool:
    """False for a name that was not valid UTF-8 on disk: Python keeps its bytes as lone
    surrogates, which no UTF-8 text (report, manifest, Beam's coders) can hold."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _shown(path: str) -> str:
    """A name that is not UTF-8, printable: its bad bytes as \\xNN."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


SKIPPED_SHOWN = 5   # skipped names a warning shows


def _data_files(fs, found, root: str, flag: str, uri: str, warn, skip,
                unreadable: list = ()) -> list[str]:
    """The data files of a folder listing (an iterable, read once); one warning naming the
    files skipped for their extension (notes.md, a README: name one to read it), one naming
    the hidden names (each topmost one: a hidden folder is one name, with its files counted)
    and one per subfolder that could not be listed (`unreadable`, (path, why), filled as
    `found` is read: its files are unknown, so none is counted); each is skip()ped."""
    hidden: dict[str, int] = {}   # topmost hidden path -> files under it
    hidden_files: set = set()     # topmost hidden names that are files, not folders
    data, skipped = [], []
    for p in found:
        top = _hidden_top(p, root)
        if top is None:
            (data if _is_data_file(p) else skipped).append(p)
        else:
            hidden[top] = hidden.get(top, 0) + 1
            if top == p:
                hidden_files.add(p)
    locked = []
    for folder, why in sorted(unreadable):   # (one in a hidden folder: that folder's entry)
        top = _hidden_top(folder, root)
        if top is None:
            locked.append((folder, why))
        else:
            hidden.setdefault(top, 0)
    skipped.sort()
    if skipped:
        warn(f"{flag} {uri}: skipped {_plural(skipped, 'file')} without a data extension: "
             f"{_names(skipped, root)} (a folder reads {' '.join(FOLDER_EXTENSIONS)} files; "
             "name a file to read it)")
    if hidden:
        warn(f"{flag} {uri}: skipped {_plural(hidden, 'hidden name')}: "
             f"{_names(sorted(hidden), root)} (names starting with . or _ are not read; name "
             "one to read it)")
    for top in sorted(hidden):   # (a folder's count of files says how much was left out)
        files = hidden[top] if top not in hidden_files else None
        skip(skips.entry(_shown(_unstrip(fs, uri, top)), skips.HIDDEN, files))
    for p in skipped:
        skip(skips.entry(_shown(_unstrip(fs, uri, p)), skips.NO_EXTENSION))
    for folder, why in locked:
        warn(f"{flag} {uri}: skipped the folder {_shown(folder)}: cannot be read ({why})")
        skip(skips.entry(_shown(_unstrip(fs, uri, folder)), skips.UNREADABLE))
    return data


def _plural(items, noun: str) -> str:
    return f"{len(items)} {noun}{'s' if len(items) > 1 else ''}"


def _names(paths: list[str], root: str) -> str:
    """'a.md, b.txt and 3 more': the first SKIPPED_SHOWN names, relative to the folder."""
    names = [_shown(p[len(root):].lstrip("/")) for p in paths]
    more = len(names) - SKIPPED_SHOWN
    return ", ".join(names[:SKIPPED_SHOWN]) + (f" and {more} more" if more > 0 else "")


def _is_data_file(path: str) -> bool:
    """In a folder, only files with a data extension are inputs, so a README or SOURCE.md
    beside the data is not read as a document (name such a file explicitly to read it)."""
    return path.lower().endswith(FOLDER_EXTENSIONS) or any(
        path.lower().endswith(ext + comp) for ext in FOLDER_EXTENSIONS
        for comp in COMPRESSION_EXTENSIONS)


def _hidden_top(path: str, root: str) -> str | None:
    """The topmost part of `path` under `root` whose name starts with . or _ (the path of the
    hidden file or folder); None when no part does."""
    parts = path[len(root):].split("/")
    for i, part in enumerate(parts):
        if part.startswith((".", "_")):
            return root + "/".join(parts[:i + 1])
    return None


def _unstrip(fs, uri: str, path: str) -> str:
    """fsspec paths lose their protocol; give it back so workers open the same file."""
    protocol = uri.split("://", 1)[0] if "://" in uri else None
    return f"{protocol}://{path}" if protocol and protocol != "file" else path
