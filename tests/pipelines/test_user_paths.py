"""user_paths.normalize, the one form of a path the user wrote, and the launcher's listing
checked on a worker in another folder (in-process; the whole command in
tests/e2e/test_user_paths.py)."""
from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from tuneprep.pipelines.settings import build_config
from tuneprep.pipelines.user_paths import normalize
from tuneprep.pipelines.worker_listing import listing_for
from tests.helpers import write_jsonl


@pytest.fixture
def tree(tmp_path, monkeypatch) -> Path:
    """tmp/work/sub is the current folder, tmp/home the home folder."""
    (tmp_path / "work/sub").mkdir(parents=True)
    (tmp_path / "home").mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path / "work/sub")
    return tmp_path


@pytest.mark.parametrize("given,expected", [
    ("../in.jsonl", "work/in.jsonl"),
    ("./in.jsonl", "work/sub/in.jsonl"),
    ("in.jsonl", "work/sub/in.jsonl"),
    ("~/in.jsonl", "home/in.jsonl"),
    ("~/../work/./in.jsonl", "work/in.jsonl"),
    ("folder/", "work/sub/folder"),
    ("folder//a.jsonl", "work/sub/folder/a.jsonl"),
    ("data/*.jsonl", "work/sub/data/*.jsonl"),       # a glob stays a glob
    ("../out/", "work/out"),                        # (need not exist yet: an output)
])
def test_a_local_path_becomes_absolute_and_normalised(given, expected, tree):
    assert normalize(given) == str(tree / expected)
    if not given.startswith("~"):   # the same as a file:// URL, relative or absolute
        assert normalize(f"file://{given}") == str(tree / expected)
        assert normalize(f"file://{tree}/work/sub/{given}") == str(tree / expected)


def test_the_one_form_is_a_fixed_point_whatever_the_folder_and_home(tree, monkeypatch):
    """A worker handed the launcher's form finds the launcher's files, in its own folder."""
    forms = [normalize(p) for p in ("../in.jsonl", "~/x", "file:///abs/in.jsonl", "a/")]
    monkeypatch.chdir(tree / "home")
    monkeypatch.setenv("HOME", "/elsewhere")
    assert [normalize(f) for f in forms] == forms
    assert forms[2] == "/abs/in.jsonl"


@pytest.mark.parametrize("uri", ["s3://bucket/corpus/", "s3://bucket/a/../b.jsonl",
                                 "s3://bucket/~/x", "gs://bucket/x/", "memory://x/../y", ""])
def test_other_stores_and_an_empty_path_are_untouched(uri):
    assert normalize(uri) == uri


def test_a_symlinked_folder_keeps_its_name_and_dotdot_goes_where_open_goes(tree):
    real = tree / "real/deep"
    write_jsonl(real / "in.jsonl", [{"prompt": "deep", "completion": "x"}])
    write_jsonl(tree / "real/up.jsonl", [{"prompt": "up", "completion": "x"}])
    (tree / "work/sub/linked").symlink_to(real, target_is_directory=True)
    assert normalize("linked/in.jsonl") == str(tree / "work/sub/linked/in.jsonl")
    # `linked/..` is real/, where open() goes, not work/sub/, which the text alone would say
    assert normalize("linked/../up.jsonl") == str(tree / "real/up.jsonl")
    assert Path(normalize("linked/../up.jsonl")).read_bytes() == \
        Path("linked/../up.jsonl").read_bytes()


def run_args(**kw) -> argparse.Namespace:
    from tuneprep.pipelines.cli import make_parser
    argv = ["run", "--target", "bedrock-text"]
    for key, values in kw.items():
        for value in values if isinstance(values, list) else [values]:
            argv += [f"--{key.replace('_', '-')}", value]
    return make_parser().parse_known_args(argv)[0]


@pytest.mark.parametrize("given", ["../in.jsonl", "./../in.jsonl", "~/../work/in.jsonl",
                                   "file://../in.jsonl", "../"])
def test_the_workers_listing_matches_the_launchers_from_another_folder(given, tree,
                                                                       monkeypatch):
    """The bug of issue 21 item 2: the launcher's listing kept `../`, the workers' did not, so
    every such run failed with 'the inputs changed since the launch'."""
    write_jsonl(tree / "work/in.jsonl", [{"prompt": "a", "completion": "b"}])
    args = run_args(input=given, output=str(tree / "out"))
    cfg = build_config(args)
    listing = listing_for(args, cfg)
    assert cfg.inputs == (str(tree / "work/in.jsonl"),)
    monkeypatch.chdir(tree / "home")   # a worker: another folder, another home
    monkeypatch.setenv("HOME", "/elsewhere")
    groups = [(i, flag, uri, listing.expand_pinned(flag, uri)) for i, (flag, uri) in
              enumerate(listing.named)]
    path = tree / "work/in.jsonl"
    pin = path.stat().st_size << 64 | path.stat().st_mtime_ns   # (input_pins.py)
    assert listing.indexed(groups) == [(0, str(path), None, pin)]
