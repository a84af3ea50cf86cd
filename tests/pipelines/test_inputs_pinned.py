"""Inputs pinned at listing (issue 28, item 2): each file's size and mtime (ETag on S3) is taken
when the launcher lists it, folded into the listing's digest the workers check, and checked
again by the reader when it opens the file (or each byte range) and after its last record. A
change fails the run with one line naming the file, and no _SUCCESS. Before, a rewritten or
truncated input gave exit 0 and a dataset of whatever was read."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from tests.helpers import REPO, write_jsonl
from tuneprep.pipelines import cli, worker_listing
from tuneprep.transforms.io import input_pins
from tuneprep.transforms.io import listing as listing_mod
from tuneprep.transforms.io.readers import read_items
from tuneprep.transforms.io.storage import StorageError

RUN = ["run", "--target", "bedrock-text"]


def _records(n: int, start: int = 0) -> list[dict]:
    return [{"instruction": f"question {i}", "input": "", "output": f"answer {i}"}
            for i in range(start, start + n)]


def _run(tmp_path, folder, *extra) -> tuple[int, str]:
    out = tmp_path / "out"
    code = cli.main([*RUN, "--input", str(folder), "--output", str(out), "--quiet", *extra])
    return code, out


def _error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("error:")]


@pytest.mark.slow
def test_a_file_rewritten_after_the_launch_listed_it_fails_the_run(tmp_path, capsys,
                                                                   monkeypatch):
    folder = tmp_path / "in"
    write_jsonl(folder / "a.jsonl", _records(5))
    changed = write_jsonl(folder / "b.jsonl", _records(5, 5))
    real = worker_listing.listing_for

    def then_rewritten(args, cfg):
        listing = real(args, cfg)   # the launch's listing: the pins are taken
        write_jsonl(changed, _records(3, 5))   # (the workers list it after this)
        return listing
    monkeypatch.setattr(worker_listing, "listing_for", then_rewritten)
    code, out = _run(tmp_path, folder)
    err = capsys.readouterr().err
    assert code == 1, err
    [line] = _error_lines(err)
    assert f"the inputs changed since the launch: {changed} was modified after the launch " \
           "listed it" in line, line
    assert not (out / "_SUCCESS").exists()


@pytest.mark.slow
def test_a_file_changed_between_the_workers_listing_and_its_read_fails_the_run(
        tmp_path, capsys, monkeypatch):
    """The same size, rewritten a second later: the reader's check at opening sees the mtime."""
    folder = tmp_path / "in"
    changed = write_jsonl(folder / "a.jsonl", _records(5))
    real = listing_mod.InputListing.indexed

    def then_rewritten(self, groups):
        files = real(self, groups)   # the workers' listing, checked: its pins travel on
        before = changed.stat()
        changed.write_bytes(changed.read_bytes().replace(b"answer 1", b"answer X"))
        os.utime(changed, ns=(before.st_atime_ns, before.st_mtime_ns + 10**9))
        return files
    monkeypatch.setattr(listing_mod.InputListing, "indexed", then_rewritten)
    code, out = _run(tmp_path, folder)
    err = capsys.readouterr().err
    assert code == 1, err
    [line] = _error_lines(err)
    assert f"input {changed} changed since the run listed it (modified at " in line, line
    assert "same size); run again once it is stable" in line
    assert not (out / "_SUCCESS").exists()


@pytest.mark.slow
def test_an_untouched_run_writes_the_same_bytes_as_without_the_checks(tmp_path, capsys,
                                                                      monkeypatch):
    """A folder of small files and one read in byte ranges (--split-bytes): the pins are
    checked at each range's start and end, and change nothing of what is written."""
    folder = tmp_path / "in"
    write_jsonl(folder / "a.jsonl", _records(40))
    write_jsonl(folder / "big.jsonl", _records(3000, 40))
    code, out = _run(tmp_path, folder, "--split-bytes", "20000")
    assert code == 0, capsys.readouterr().err
    checked = [(out / p).read_bytes() for p in ("train/train.jsonl",)]
    calls = []
    monkeypatch.setattr(input_pins, "check", lambda uri, pin, *_: calls.append(pin))
    code, unchecked = cli.main([*RUN, "--input", str(folder), "--output", str(tmp_path / "u"),
                                "--quiet", "--split-bytes", "20000"]), tmp_path / "u"
    assert code == 0
    assert checked == [(unchecked / "train/train.jsonl").read_bytes()]
    assert len(checked[0].splitlines()) == 3040
    # the file and each range of big.jsonl checked twice (opened, after its last record);
    # unpinned (None): the reads that only detect a file's format
    pinned = [pin for pin in calls if pin is not None]
    assert len(pinned) >= 2 * 5 and len(pinned) % 2 == 0, calls


def test_a_stale_pin_is_refused_at_opening_and_at_the_last_record(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", _records(3))
    pin = input_pins.pin_of(str(path))
    assert input_pins.size_of(pin) == path.stat().st_size
    assert len(list(read_items(str(path), pin=pin))) == 3
    items = read_items(str(path), pin=pin)
    next(items)   # opened while as pinned; cut short before its last record
    with open(path, "r+b") as f:
        f.truncate(10)
    with pytest.raises(StorageError, match=rf"input {path} changed while it was read "
                                           rf"\(size {pin >> 64:,} -> 10 bytes\)"):
        list(items)
    with pytest.raises(StorageError, match="changed since the run listed it"):
        list(read_items(str(path), pin=pin))


@pytest.mark.slow
def test_a_big_file_truncated_while_it_is_read_fails_the_run(tmp_path):
    """A real run in a subprocess over a ~50 MB file, cut to a third once the first parts are
    written: exit 1, one error line naming the file, no _SUCCESS."""
    big = tmp_path / "big.jsonl"
    line = b'{"instruction": "%s", "input": "", "output": "%s"}\n'
    with open(big, "wb") as f:
        for i in range(0, 300_000, 1000):
            f.write(b"".join(line % (b"question %d " % j * 4, b"answer %d " % j * 6)
                             for j in range(i, i + 1000)))
    size = big.stat().st_size
    assert size > 45_000_000
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    run = subprocess.Popen([sys.executable, "-m", "tuneprep.pipelines.cli", *RUN, "--input",
                            str(big), "--output", str(out), "--workers", "1"], cwd=REPO,
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not list(out.glob("_temporary/*/train/*.jsonl")):
            assert time.monotonic() < deadline and run.poll() is None, "no part in time"
            time.sleep(0.02)
        with open(big, "r+b") as f:
            f.truncate(size // 3)
        _, err = run.communicate(timeout=180)
    finally:
        run.kill()
        run.communicate()
    assert run.returncode == 1, err
    [error] = _error_lines(err)
    assert f"input {big} changed while it was read (size {size:,} -> {size // 3:,} bytes)" \
           in error, err
    assert not (out / "_SUCCESS").exists()


def test_an_objects_pin_is_its_etag_and_a_new_version_is_refused(store):
    data = b'{"instruction": "q", "output": "a"}\n'
    uri = store.put("in/a.jsonl", data)
    etag = store.client.head_object(Bucket=store.name, Key="in/a.jsonl")["ETag"].strip('"')
    pin = input_pins.pin_of(uri)
    assert pin == f"{len(data)} {etag}"
    input_pins.check(uri, pin)   # as pinned: nothing to say
    store.put("in/a.jsonl", b'{"instruction": "Q", "output": "A"}\n')   # same size, new ETag
    with pytest.raises(StorageError, match=rf"input {uri} changed while it was read \(ETag "
                                           rf"{etag} -> \w+, same size\)"):
        input_pins.check(uri, pin)
    with pytest.raises(StorageError, match="changed since the run listed it"):
        list(read_items(uri, pin=pin))


def test_the_pins_of_a_listed_s3_folder_or_glob_ask_nothing_more_of_the_store(store,
                                                                              monkeypatch):
    """The listing's own details give the pins (the listings cache is off: without them each
    pin was a HEAD request, 20 here), at the launch and on the workers."""
    import types
    import s3fs
    from tuneprep.pipelines import input_paths
    for i in range(20):
        store.put(f"in/f{i:02d}.jsonl", b'{"instruction": "q", "output": "a"}\n')
    calls = []
    real = s3fs.S3FileSystem._call_s3

    async def counted(self, method, *args, **kwargs):
        calls.append(method)
        return await real(self, method, *args, **kwargs)
    monkeypatch.setattr(s3fs.S3FileSystem, "_call_s3", counted)
    for uri in (store.uri("in/"), store.uri("in/*.jsonl")):
        train, _ = input_paths.expand_splits(types.SimpleNamespace(input=[uri],
                                                                   validation_input=[]))
        calls.clear()
        pins = [input_pins.pin_of(u) for u in train]
        files = worker_listing.expand_on_worker("--input", uri)
        listed = len(calls)
        assert [input_pins.pin_of(p) for p, _key in files] == pins
        assert calls[listed:] == [] and len(pins) == 20 and None not in pins
