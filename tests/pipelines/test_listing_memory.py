"""What the launcher holds per listed file (issue 28, item 7: 400,000 tiny files took 2.85 GiB
to list). The memory itself is measured in benchmarks/listing_memory.py; here, the structure
that keeps it small: a local folder walked one name at a time (fsspec's find() built a dict of
~15 fields per file first), each file's identity one int, and the duplicate check holding
keys only."""
from __future__ import annotations

import inspect
import os
import time

import fsspec
import pytest
from fsspec.implementations.local import LocalFileSystem

from tuneprep.pipelines import input_paths, worker_listing


def _tree(root):
    """Nested folders, hidden names, a link to a folder and to a file, a broken link, a FIFO."""
    for rel in ("a/1.jsonl", "a/b/2.jsonl", ".h/x/3.jsonl", "_u/4.jsonl", "top.jsonl",
                "README.md", ".hid.jsonl"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(b'{"instruction": "q", "output": "a"}\n')
    os.symlink(root / "a", root / "linkdir")
    os.symlink(root / "top.jsonl", root / "link.jsonl")
    os.symlink(root / "nowhere", root / "broken.jsonl")
    os.mkfifo(root / "fifo.jsonl")
    return root


def test_a_local_folder_is_walked_one_name_at_a_time_as_find_lists_it(tmp_path):
    root = _tree(tmp_path / "in")
    assert inspect.isgeneratorfunction(input_paths._walk)
    assert sorted(input_paths._walk(str(root), [])) == sorted(
        fsspec.filesystem("file").find(str(root)))


def test_listing_a_local_folder_never_builds_fsspecs_file_details(tmp_path, monkeypatch):
    root = _tree(tmp_path / "in")

    def refused(*_a, **_k):
        raise AssertionError("a local folder listed through fsspec (a dict per file)")
    monkeypatch.setattr(LocalFileSystem, "find", refused)
    monkeypatch.setattr(LocalFileSystem, "walk", refused)
    warned = []
    files = input_paths.expand_inputs([str(root)], warn=warned.append)
    # the file linked twice is read once; the broken link and the FIFO are skipped
    assert [os.path.relpath(f, root) for f in files] == ["a/1.jsonl", "a/b/2.jsonl",
                                                         "link.jsonl"]
    assert any("broken link" in w for w in warned) and any("FIFO" in w for w in warned)
    assert any("top.jsonl is the same file as" in w for w in warned)


def test_a_listed_files_identity_is_one_int(tmp_path):
    """(device, inode) as one int, not a tuple of two, for every file a worker lists too."""
    root = _tree(tmp_path / "in")
    listed = worker_listing.expand_on_worker("--input", str(root))
    assert listed and all(type(path) is str and type(key) is int for path, key in listed)
    one = root / "top.jsonl"
    st = os.stat(one)
    assert input_paths._expand_one("--input", str(one), print) == [
        (str(one), st.st_dev << 64 | st.st_ino)]


@pytest.mark.parametrize("validation", [["v"], []])
def test_the_split_check_holds_the_validation_keys_only(validation):
    """A file of both splits is still refused with the first validation file it names."""
    train = [("--input", "t", [("t/a", 1), ("t/b", 2)])]
    val = [("--validation-input", "v", [("v/x", 3), ("v/b", 2)])] if validation else []
    if validation:
        with pytest.raises(input_paths.UsageError,
                           match=r"^--validation-input v: v/b is also read by --input t "
                                 r"\(as t/b\); a file cannot be in both splits$"):
            input_paths._refuse_both_splits(train, val)
    else:
        input_paths._refuse_both_splits(train, val)


def test_a_folder_that_cannot_be_listed_is_one_line(tmp_path, monkeypatch):
    root = tmp_path / "in"
    root.mkdir()
    real = os.scandir

    def denied(path):
        if str(path) == str(root):
            raise PermissionError(13, "Permission denied")
        return real(path)
    monkeypatch.setattr(os, "scandir", denied)
    with pytest.raises(input_paths.UsageError, match=rf"^--input {root}: Permission denied$"):
        input_paths.expand_inputs([str(root)])


@pytest.mark.slow
def test_a_folder_of_many_skipped_names_is_listed_in_linear_time(tmp_path):
    """Each skipped input was looked for in the list of those skipped so far: 20,000 names
    without a data extension took 32 s to list (100,000: minutes), each still listed once."""
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(20_000):
        (folder / f"note-{i:05d}.md").touch()
    (folder / "data.jsonl").write_bytes(b'{"instruction": "q", "output": "a"}\n')
    skipped: list = []
    started = time.monotonic()
    files = input_paths.expand_inputs([str(folder), str(folder / "*.md")], warn=lambda _: None,
                                      skipped=skipped)
    assert time.monotonic() - started < 10
    assert files == [str(folder / "data.jsonl")] + [str(folder / f"note-{i:05d}.md")
                                                    for i in range(20_000)]
    assert len(skipped) == 20_000 and skipped[0] == {
        "path": str(folder / "note-00000.md"), "reason": "no data extension"}
