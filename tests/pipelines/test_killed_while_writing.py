"""A run killed while it writes the dataset leaves no cut file under a dataset name (issue 28,
item 3): local files are written under `_temporary/RUN/commit/` and renamed at commit, the
manifest last, then `_SUCCESS`. The CLI runs in a subprocess that SIGKILLs itself at the exact
moment (after the first block of train.jsonl, or after the first rename of the commit); the
rerun with --overwrite then replaces the debris."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.helpers import REPO, layout, read_json, write_jsonl

KILLED_AT = {   # where the run dies: the function wrapped, in which module
    "the final write": ("tuneprep.transforms.sink.output_files", "OutputFile", "write_block"),
    "the commit": ("tuneprep.transforms.sink.staged_files", "os", "replace"),
}
HOOK = """
import importlib, os, signal, sys, types
module, owner, name = sys.argv[1:4]
found = importlib.import_module(module)
holder = getattr(found, owner)
if isinstance(holder, types.ModuleType):   # (os.replace for this module only, not everyone's)
    holder = types.SimpleNamespace(**vars(holder))
    setattr(found, owner, holder)
real = getattr(holder, name)
def killed(*args, **kwargs):
    result = real(*args, **kwargs)
    for value in args:   # what was written so far is in the file, as after a real kill
        if hasattr(value, "f"):
            value.f.flush()
    os.kill(os.getpid(), signal.SIGKILL)
    return result
setattr(holder, name, killed)
from tuneprep.pipelines.cli import main
sys.exit(main(sys.argv[4:]))
"""
EXPECTED = sorted(["train/train.jsonl", "dead_letter/dead_letter.jsonl", "manifest.json",
                   "report.json", "report.html", "training-request.json", "_SUCCESS"])


def _cli(*args: str, hook: tuple[str, str, str] | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    prefix = ["-c", HOOK, *hook] if hook else ["-m", "tuneprep.pipelines.cli"]
    return subprocess.run([sys.executable, *prefix, *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.slow
@pytest.mark.parametrize("moment", sorted(KILLED_AT))
def test_a_kill_while_writing_leaves_no_cut_dataset_file(moment, tmp_path):
    corpus = write_jsonl(tmp_path / "c.jsonl", [
        {"instruction": f"question {i} " * 8, "input": "", "output": f"answer {i} " * 12}
        for i in range(3_000)])
    out = tmp_path / "out"
    run = ["run", "--target", "bedrock-text", "--input", str(corpus), "--output", str(out),
           "--workers", "1", "--batch-size", "500"]
    killed = _cli(*run, hook=KILLED_AT[moment])
    assert killed.returncode == -9, killed.stderr
    assert not (out / "_SUCCESS").exists()
    staged = list(out.glob("_temporary/*/commit/**/*.*"))
    at_final = [n for n in EXPECTED if (out / n).exists()]
    if moment == "the commit":   # one file renamed into place, the others still staged
        assert len(at_final) == 1 and staged, (at_final, staged)
    listed = ({f["path"]: f["bytes"] for f in read_json(out / "manifest.json")["files"]}
              if (out / "manifest.json").exists() else {})
    for name in ("train/train.jsonl", "dead_letter/dead_letter.jsonl"):
        path = out / name
        if path.exists():   # under its dataset name only whole: as the manifest will say
            whole = listed[name] if name in listed else _whole_size(tmp_path, run, name)
            assert path.stat().st_size == whole, name
    rerun = _cli(*run, "--overwrite")
    assert rerun.returncode == 0, rerun.stderr
    assert layout(out) == EXPECTED
    assert (out / "train/train.jsonl").read_bytes().count(b"\n") == 3_000


def _whole_size(tmp_path, run: list[str], name: str) -> int:
    """The size of the file a run that is not killed writes."""
    whole = tmp_path / "whole"
    done = _cli(*[str(whole) if a.endswith("/out") else a for a in run])
    assert done.returncode == 0, done.stderr
    return (whole / name).stat().st_size
