"""`--overwrite` by proof, not by name (issue 28, item 4): other tools write `_temporary/`,
`_SUCCESS`, `manifest.json` and `train/train.jsonl` too. A folder is cleared only when its
manifest is tuneprep's and lists its files, or its `_RUNNING` is tuneprep's claim; anything
else is one line naming the first file tuneprep did not write, exit 2, nothing deleted.
Real CLI runs, local and on an S3 server."""
from __future__ import annotations

import orjson
import pytest

from tuneprep.pipelines.cli import main
from tuneprep.transforms.sink import dataset_folder
from tests.helpers import SAMPLES, read_json

ALPACA = SAMPLES / "alpaca_sample.jsonl"
RUN = ["run", "--target", "bedrock-text", "--input", str(ALPACA)]
LINE = b'{"prompt": "mine", "completion": "years of work"}\n'

# folders other tools leave, each with the file the refusal must name first
DECOYS = {
    "Hadoop/Spark staging only": ({"_temporary/0/_temporary/attempt_1/part-00000": LINE,
                                   "_temporary/0/task_1/notes.txt": b"mine"},
                                  "_temporary/0/_temporary/attempt_1/part-00000"),
    "another tool's manifest": ({"manifest.json": b'{"files": ["train/train.jsonl"]}',
                                 "train/train.jsonl": LINE}, "manifest.json"),
    "a Spark job's output": ({"_SUCCESS": b"", "train/part-00000-of-00001.jsonl": LINE},
                             "_SUCCESS"),
    "someone's _RUNNING": ({"_RUNNING": b"job 42", "train/train.jsonl": LINE}, "_RUNNING"),
}


def cli(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def files_under(root) -> dict:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def refused(err: str, first: str) -> bool:
    return (err.count("\n") == 1 and err.startswith("error: ")
            and f"not a tuneprep dataset's ({first}" in err)


@pytest.mark.parametrize("case", sorted(DECOYS))
def test_other_tools_folders_are_refused_whole(case, tmp_path, capsys):
    tree, first = DECOYS[case]
    out = tmp_path / "out"
    for rel, data in tree.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)
    before = files_under(out)
    code, stdout, err = cli(capsys, *RUN, "--output", out, "--overwrite")
    assert code == 2 and stdout == "" and refused(err, first), err
    assert files_under(out) == before


@pytest.mark.slow
def test_a_tuneprep_manifest_lists_what_it_may_clear(tmp_path, capsys):
    out = tmp_path / "out"
    code, _, err = cli(capsys, *RUN, "--output", out)
    assert code == 0, err
    manifest = read_json(out / "manifest.json")
    assert manifest["schema"] == dataset_folder.MANIFEST_SCHEMA and manifest["run_id"]
    # a layout name the manifest does not list: a shard of someone else's beside train.jsonl
    (out / "train/part-00000-of-00001.jsonl").write_bytes(LINE)
    before = files_under(out)
    code, _, err = cli(capsys, *RUN, "--output", out, "--overwrite")
    assert code == 2 and refused(err, "train/part-00000-of-00001.jsonl"), err
    assert "its manifest.json nor its _RUNNING claim proves" in err
    assert files_under(out) == before
    (out / "train/part-00000-of-00001.jsonl").unlink()
    # a listed name holding other bytes than the manifest says: the user's file now
    (out / "train/train.jsonl").write_bytes(LINE)
    before = files_under(out)
    code, _, err = cli(capsys, *RUN, "--output", out, "--overwrite")
    assert code == 2 and refused(err, "train/train.jsonl"), err
    assert files_under(out) == before


def test_a_manifest_without_the_schema_proves_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    code, _, err = cli(capsys, *RUN, "--output", out)
    assert code == 0, err
    manifest = read_json(out / "manifest.json")
    del manifest["schema"]
    (out / "manifest.json").write_bytes(orjson.dumps(manifest))
    before = files_under(out)
    code, _, err = cli(capsys, *RUN, "--output", out, "--overwrite")
    assert code == 2 and refused(err, "_SUCCESS"), err
    assert files_under(out) == before


@pytest.mark.slow
def test_a_failed_runs_dataset_is_replaced(tmp_path, capsys):
    """No _SUCCESS and no data, but its manifest, report and dead letters are tuneprep's."""
    out = tmp_path / "out"
    code, _, _ = cli(capsys, *RUN, "--output", out, "--max-dead-letter-ratio", "0")
    assert code == 1 and not (out / "_SUCCESS").exists()
    code, _, err = cli(capsys, *RUN, "--output", out, "--overwrite", "--validation-split", "0.2")
    assert code == 0, err
    assert (out / "_SUCCESS").exists() and (out / "validation/validation.jsonl").exists()


# --- the same on S3 ---------------------------------------------------------------------------

@pytest.mark.parametrize("case", sorted(DECOYS))
def test_other_tools_prefixes_are_refused_whole_on_s3(case, s3, capsys):
    tree, first = DECOYS[case]
    for rel, data in tree.items():
        s3.put(f"out/{rel}", data)
    before = {k: s3.get(k) for k in s3.keys("out/")}
    code, _, err = cli(capsys, *RUN, "--s3-endpoint-url", s3.endpoint, "--output",
                       s3.uri("out"), "--overwrite")
    assert code == 2 and refused(err, first), err
    assert {k: s3.get(k) for k in s3.keys("out/")} == before


def test_s3_dataset_with_an_unlisted_file_is_refused(s3, capsys):
    base = [*RUN, "--s3-endpoint-url", s3.endpoint, "--output", s3.uri("out")]
    code, _, err = cli(capsys, *base)
    assert code == 0, err
    s3.put("out/validation/validation.jsonl", LINE)   # not in this dataset's manifest
    before = {k: s3.get(k) for k in s3.keys("out/")}
    code, _, err = cli(capsys, *base, "--overwrite")
    assert code == 2 and refused(err, "validation/validation.jsonl"), err
    assert {k: s3.get(k) for k in s3.keys("out/")} == before
    s3.client.delete_object(Bucket=s3.name, Key="out/validation/validation.jsonl")
    code, _, err = cli(capsys, *base, "--overwrite")
    assert code == 0, err


def test_a_dataset_from_before_the_manifest_marker_is_replaced(tmp_path, capsys):
    """A dataset written by tuneprep before manifests carried their schema (no schema, no run
    id; tuneprep's version and each file's SHA-256) is still tuneprep's: `make sample` after an
    upgrade replaces it. Its files must still match the list."""
    out = tmp_path / "out"
    code, _, err = cli(capsys, *RUN, "--output", out)
    assert code == 0, err
    manifest = read_json(out / "manifest.json")
    legacy = {k: v for k, v in manifest.items() if k not in ("schema", "run_id")}
    assert legacy["versions"]["tuneprep"] and all("sha256" in f for f in legacy["files"])
    (out / "manifest.json").write_bytes(orjson.dumps(legacy))
    (out / "train" / "notes.txt").write_text("mine")
    code, _, err = cli(capsys, *RUN, "--output", out, "--overwrite")
    assert code == 2 and refused(err, "train/notes.txt"), err   # an unlisted file: refused
    (out / "train" / "notes.txt").unlink()
    code, _, err = cli(capsys, *RUN, "--output", out, "--overwrite")
    assert code == 0, err
    assert read_json(out / "manifest.json")["schema"] == dataset_folder.MANIFEST_SCHEMA
