"""Paths as users write them (issue 21, item 2): the real CLI, in its own process, run from a
subfolder with --input, --validation-input, --output and --template each written as `../x`,
`./x`, `~/x`, through a symlinked folder, `folder/` and `file:///abs/x`, and from a --config job
spec whose relative paths are relative to the folder the command runs in. Each run exits 0,
writes the right records where it was told, with the template it was given, and its manifest
names the inputs in user_paths' one form (absolute, the user's names kept)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
import yaml

from tests.helpers import REPO, read_json, read_jsonl, write_jsonl

pytestmark = pytest.mark.slow   # (one subprocess run each)

TEMPLATE = {"prompt": "Q: {instruction}", "completion": " {response}"}
TRAIN = [{"instruction": f"train {i}", "input": "", "output": f"answer {i}"} for i in range(5)]
VALIDATION = [{"instruction": f"held out {i}", "input": "", "output": f"answer {i}"}
              for i in range(2)]


class Tree:
    """tmp/home (HOME), tmp/work/sub (the current folder), and where each form's files are."""

    def __init__(self, tmp: Path):
        self.home, self.work = tmp / "home", tmp / "work"
        self.sub = self.work / "sub"
        for folder in (self.home, self.sub):
            folder.mkdir(parents=True)
        self.tmp = tmp

    def files(self, folder: Path, train: str = "in.jsonl", validation: str = "val.jsonl",
              template: str = "template.json") -> tuple[Path, Path, Path]:
        """The training file, validation file and template, written under folder."""
        t = write_jsonl(folder / train, TRAIN)
        v = write_jsonl(folder / validation, VALIDATION)
        tpl = folder / template
        tpl.parent.mkdir(parents=True, exist_ok=True)
        tpl.write_bytes(orjson.dumps(TEMPLATE))
        return t, v, tpl


def form(name: str, tree: Tree) -> tuple[list[str], Path, Path, Path]:
    """(the run's path arguments as the user writes them, the training file and validation
    file as the manifest should name them, the output folder they name)."""
    if name == "../x":
        t, v, _ = tree.files(tree.work)
        return (["--input", "../in.jsonl", "--validation-input", "../val.jsonl",
                 "--output", "../out", "--template", "../template.json"], t, v, tree.work / "out")
    if name == "./x":
        t, v, _ = tree.files(tree.sub)
        return (["--input", "./in.jsonl", "--validation-input", "./val.jsonl",
                 "--output", "./out", "--template", "./template.json"], t, v, tree.sub / "out")
    if name == "~/x":
        t, v, _ = tree.files(tree.home / "data")
        return (["--input", "~/data/in.jsonl", "--validation-input", "~/data/val.jsonl",
                 "--output", "~/out", "--template", "~/data/template.json"], t, v,
                tree.home / "out")
    if name == "symlinked folder":   # the link's name is kept: it is what the user named
        tree.files(tree.tmp / "real", train="train/in.jsonl", validation="val/val.jsonl")
        (tree.sub / "linked").symlink_to(tree.tmp / "real", target_is_directory=True)
        link = tree.sub / "linked"
        return (["--input", "linked/train", "--validation-input", "linked/val/val.jsonl",
                 "--output", "linked/out", "--template", "linked/template.json"],
                link / "train/in.jsonl", link / "val/val.jsonl", link / "out")
    if name == "folder/":
        tree.files(tree.sub, train="train/in.jsonl", validation="val/val.jsonl")
        return (["--input", "train/", "--validation-input", "val/", "--output", "out/",
                 "--template", "template.json"], tree.sub / "train/in.jsonl",
                tree.sub / "val/val.jsonl", tree.sub / "out")
    assert name == "file:///abs/x"
    t, v, tpl = tree.files(tree.tmp / "abs")
    return (["--input", f"file://{t}", "--validation-input", f"file://{v}",
             "--output", f"file://{tree.tmp / 'abs/out'}", "--template", f"file://{tpl}"],
            t, v, tree.tmp / "abs/out")


FORMS = ["../x", "./x", "~/x", "symlinked folder", "folder/", "file:///abs/x"]


def tuneprep(tree: Tree, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HOME": str(tree.home), "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "tuneprep", "run", *args], cwd=tree.sub,
                          env=env, capture_output=True, text=True, timeout=300)


def check_dataset(done: subprocess.CompletedProcess, train: Path, validation: Path,
                  out: Path, cwd: Path) -> None:
    assert done.returncode == 0, done.stderr
    summary, where = done.stdout.splitlines()[:2]
    assert summary == ("records in: 7; accepted: 7; written: train 5, validation 2; "
                       "dead letters: 0")
    named = where.removeprefix("dataset: ").split(" (")[0]   # (--output as written)
    assert os.path.samefile(cwd / os.path.expanduser(named), out)
    written = {split: [r["instruction"] for f in sorted((out / split).glob("part-*.jsonl"))
                       for r in read_jsonl(f)] for split in ("train", "validation")}
    assert written == {"train": [r["instruction"] for r in TRAIN],
                       "validation": [r["instruction"] for r in VALIDATION]}
    for split in ("train", "validation"):
        assert read_json(out / split / "template.json") == TEMPLATE
    manifest = read_json(out / "manifest.json")
    assert manifest["inputs"] == [str(train)]
    assert manifest["validation_inputs"] == [str(validation)]
    assert (out / "_SUCCESS").exists()


@pytest.mark.parametrize("name", FORMS)
def test_each_form_of_path_runs_from_a_subfolder(name, tmp_path):
    tree = Tree(tmp_path)
    args, train, validation, out = form(name, tree)
    done = tuneprep(tree, "--target", "sagemaker-instruction", *args)
    check_dataset(done, train, validation, out, tree.sub)


def test_a_job_specs_relative_paths_are_relative_to_the_current_folder(tmp_path):
    """Not to the spec's own folder: a spec run from cron or a container names its paths as the
    command line does. (Here the spec lies two folders away; its `../in.jsonl` is the one
    beside the current folder, and nothing lies beside the spec.)"""
    tree = Tree(tmp_path)
    train, validation, _ = tree.files(tree.work)
    spec = tmp_path / "specs/deep/job.yaml"
    spec.parent.mkdir(parents=True)
    spec.write_text(yaml.safe_dump({
        "input": ["../in.jsonl"], "validation_input": "./../val.jsonl",
        "output": "../out/", "template": "~/../work/template.json",
        "target": "sagemaker-instruction"}))
    done = tuneprep(tree, "--config", "../../specs/deep/job.yaml")
    check_dataset(done, train, validation, tree.work / "out", tree.sub)
