"""No single-worker ceiling (issue 16, item 4): the job graph holds the inputs as named, not
their files (the workers list them, checked against the launcher's listing); the DoFns hold a
config without the file list; progress counts are Beam metrics a remote runner shows."""
from __future__ import annotations

import dataclasses
import types

import apache_beam as beam
import orjson
import pytest
from apache_beam.options.pipeline_options import PipelineOptions

from tuneprep.pipelines.cli import add_job, make_parser
from tuneprep.pipelines.settings import build_config
from tuneprep.transforms.beam import metrics
from tuneprep.transforms.beam.pipeline import build
from tuneprep.transforms.io import listing as listing_mod
from tuneprep.transforms.io.listing import InputListing, ListingChanged


def _folder(root, n: int, name=lambda i: f"f{i:05d}.jsonl"):
    root.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (root / name(i)).write_bytes(b'{"instruction": "q%d", "output": "a%d"}\n' % (i, i))
    return root


def _graph(tmp_path, n: int, tag: str) -> bytes:
    folder = _folder(tmp_path / f"in-{tag}", n, lambda i: f"{tag}-file-{i:05d}.jsonl")
    args, _ = make_parser().parse_known_args(
        ["run", "--input", str(folder), "--target", "bedrock-text",
         "--output", str(tmp_path / f"out-{tag}")])
    cfg = build_config(args)
    assert len(cfg.inputs) == n
    p = beam.Pipeline(options=PipelineOptions([]))
    add_job(p, cfg, args)
    return p.to_runner_api().SerializeToString()


def test_the_job_graph_does_not_grow_with_the_input_files(tmp_path, capsys):
    small, big = _graph(tmp_path, 3, "a"), _graph(tmp_path, 2000, "b")
    assert b"b-file-00000" not in big   # no file name in the graph (pickles are compressed:
    assert b"b-file-01999" not in big   # the check below is the one that counts)
    assert abs(len(big) - len(small)) < 200, (len(small), len(big))


def test_a_dofn_holds_a_config_without_the_file_list(tmp_path):
    from tuneprep.transforms.beam.pipeline import slim
    from tuneprep.transforms.core.config import RunConfig
    cfg = RunConfig(target="bedrock-text", output=str(tmp_path), inputs=["a"] * 1000,
                    validation_inputs=["b"])
    worker = slim(cfg)
    assert worker.inputs == () and worker.validation_inputs == () and cfg.inputs


def _named(*uris):
    return tuple(("--input", u) for u in uris)


def test_the_workers_listing_is_checked_against_the_launchers():
    files = {"x": [("x/1", 1), ("x/2", 2)], "y": [("y/1", 3), ("x/2", 2)]}
    listing = InputListing(_named("x", "y"), lambda _flag, uri: files[uri],
                           listing_mod.first_of_each, files=3,
                           sha256=listing_mod.digest(["x/1", "x/2", "y/1"], []))
    groups = [(1, "--input", "y", files["y"]), (0, "--input", "x", files["x"])]   # any order
    assert listing.indexed(groups) == [(0, "x/1", None, None), (1, "x/2", None, None),
                                       (2, "y/1", None, None)]   # (unpinned: no pin)
    files["y"].append(("y/0", 4))   # a file added since the launch
    with pytest.raises(ListingChanged, match="the inputs changed since the launch: 3 files"):
        listing.indexed([(0, "--input", "x", files["x"]), (1, "--input", "y", files["y"])])


def test_a_file_added_after_the_launch_fails_the_run(tmp_path, capsys, monkeypatch):
    """The launcher lists 3 files; by the time the workers list the folder it holds 4."""
    from tuneprep.pipelines import cli, worker_listing
    folder = _folder(tmp_path / "in", 3)
    real = worker_listing.listing_for

    def late(args, cfg):
        (folder / "f99999.jsonl").write_bytes(b'{"instruction": "q", "output": "a"}\n')
        return real(args, cfg)
    monkeypatch.setattr(worker_listing, "listing_for", late)
    code = cli.main(["run", "--input", str(folder), "--target", "bedrock-text",
                     "--output", str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1 and "the inputs changed since the launch: 3 files" in err
    assert not (tmp_path / "out" / "_SUCCESS").exists()


def test_the_manifest_lists_the_files_the_workers_read(tmp_path, capsys):
    from tuneprep.pipelines import cli
    folder = _folder(tmp_path / "in", 4)
    (folder / "sub").mkdir()
    (folder / "sub" / "g.jsonl").write_bytes(b'{"instruction": "q", "output": "a"}\n')
    val = _folder(tmp_path / "val", 2, lambda i: f"v{i}.jsonl")
    code = cli.main(["run", "--input", str(folder), "--input", str(folder / "f00001.jsonl"),
                     "--validation-input", str(val / "v*.jsonl"), "--target", "bedrock-text",
                     "--output", str(tmp_path / "out"), "--quiet"])
    assert code == 0, capsys.readouterr().err
    manifest = orjson.loads((tmp_path / "out" / "manifest.json").read_bytes())
    assert manifest["inputs"] == [str(folder / f"f{i:05d}.jsonl") for i in range(4)] + [
        str(folder / "sub" / "g.jsonl")]
    assert manifest["validation_inputs"] == [str(val / "v0.jsonl"), str(val / "v1.jsonl")]


def test_progress_counts_are_beam_metrics(tmp_path):
    from tuneprep.transforms.core.config import RunConfig
    folder = _folder(tmp_path / "in", 3)
    (folder / "bad.jsonl").write_bytes(b'{"instruction": "q", "output": "a"}\n{not json\n')
    args = types.SimpleNamespace(input=[str(folder)], validation_input=[])
    from tuneprep.pipelines.input_paths import expand_splits
    from tuneprep.pipelines.worker_listing import listing_for
    cfg = RunConfig(target="bedrock-text", output=str(tmp_path / "out"))
    inputs, validation_inputs = expand_splits(args)
    cfg = dataclasses.replace(cfg, inputs=inputs, validation_inputs=validation_inputs)
    p = beam.Pipeline(options=PipelineOptions([]))
    build(p, cfg, {}, listing_for(args, cfg))
    result = p.run()
    result.wait_until_finish()
    counts = metrics.counters(result)
    report = orjson.loads((tmp_path / "out" / "report.json").read_bytes())
    assert counts["files_listed"] == 4 and counts["files_read"] == 4
    assert counts["records_read"] == report["input_records"] == 5
    assert counts["records_accepted"] == report["accepted_records"] == 4
    assert counts["dead_letter_records"] == report["dead_letter_records"] == 1
    assert counts["parts_written"] >= 2
