"""transforms/sink/assemble.py: per-batch part files → the dataset layout (docs/design.md §5-6).

Pure Python over the local filesystem (tmp_path); the parts are made from real processed batches."""
import hashlib
import os
import random

import orjson
import pytest

from tests.helpers import check_accounting
from tuneprep.transforms.steps import sampling
from tuneprep.transforms.targets import models
from tuneprep.transforms.steps import stats as st
from tuneprep.transforms.sink import assemble as assemble_module
from tuneprep.transforms.sink import dataset_sink, split_files
from tuneprep.transforms.sink.assemble import assemble
from tuneprep.transforms.sink.parts import write_part
from tuneprep.transforms.sink.staged_files import temp_root
from tuneprep.transforms.steps.batching import Batch
from tuneprep.transforms.core.config import RunConfig
from tuneprep.transforms.targets.models import ModelSpec
from tuneprep.transforms.steps.process import TRAIN, VALIDATION, BatchProcessor
from tuneprep.transforms.io.readers import RawItem, read_error
from tuneprep.transforms.targets import run_context


def make_cfg(tmp_path, **kw):
    kw.setdefault("target", "bedrock-text")
    return RunConfig(output=str(tmp_path / "out"), run_id="testrun", **kw)


def alpaca_items(first, n, bad=()):
    items = []
    for i in range(first, first + n):
        if i in bad:
            items.append(read_error(i, "invalid_json", f"line {i} is not JSON", raw=b"{bad"))
        else:
            value = {"instruction": f"Question number {i}", "input": "", "output": f"Answer {i}"}
            items.append(RawItem(i, value, raw=orjson.dumps(value)))
    return items


def write_batch(cfg, file_index, batch_index, items, uri=None, split=None):
    """Processes a batch and writes its parts as the Beam write step does (the sink's
    write_batch); (parts, stats)."""
    uri = uri or f"/data/in-{file_index}.jsonl"
    processed = BatchProcessor(cfg)(Batch(file_index, batch_index, uri, split, "alpaca", items))
    return dataset_sink.write_batch(cfg, processed), processed.stats


def build_parts(cfg, specs):
    """specs: (file_index, batch_index, items[, split]) → (parts, merged stats)."""
    parts, stats = [], st.new_stats()
    for spec in specs:
        p, s = write_batch(cfg, *spec[:3], split=spec[3] if len(spec) > 3 else None)
        parts += p
        st.merge(stats, s)
    return parts, stats


def read_json(path):
    return orjson.loads(path.read_bytes())


def data_lines(path):
    return path.read_bytes().splitlines()


def check_report_invariant(report):
    check_accounting(report)
    assert sum(report["dead_letter_reasons"].values()) == report["dead_letter_records"]


def check_manifest(out):
    manifest = read_json(out / "manifest.json")
    for f in manifest["files"]:
        data = (out / f["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == f["sha256"], f["path"]
        assert len(data) == f["bytes"], f["path"]
        if f["records"] is not None:
            assert len(data.splitlines()) == f["records"], f["path"]
    return manifest


@pytest.fixture
def tiny_model(monkeypatch):
    """Registers a small-quota model in the catalogue for the duration of a test."""
    def register(**limits):
        spec = ModelSpec("tiny", "Tiny test model", "bedrock", ("text-to-text",), **limits)
        monkeypatch.setitem(models.MODELS, "tiny", spec)
        return "tiny"
    return register


# ---------------------------------------------------------------- write_part

def test_write_part_writes_lines_and_sidecar(tmp_path):
    cfg = make_cfg(tmp_path)
    part = write_part(cfg, TRAIN, "000002-00000005", [b'{"a":1}', b'{"a":2}'], "/in.jsonl", [4, 9])
    assert part.uri == temp_root(cfg) + "/train/000002-00000005.jsonl"
    assert (part.kind, part.key, part.records, part.source_uri) == (
        TRAIN, "000002-00000005", 2, "/in.jsonl")
    data = (tmp_path / "out/_temporary/testrun/train/000002-00000005.jsonl").read_bytes()
    assert data == b'{"a":1}\n{"a":2}\n' and part.bytes == len(data)
    assert orjson.loads((tmp_path / "out/_temporary/testrun/train/"
                         "000002-00000005.jsonl.src").read_bytes()) == [4, 9]
    # no sidecar unless asked; a retried write of the same key replaces the part
    again = write_part(cfg, TRAIN, "000002-00000005", [b'{"a":3}'], "/in.jsonl")
    assert again.uri == part.uri and again.records == 1
    assert (tmp_path / "out/_temporary/testrun/train/000002-00000005.jsonl").read_bytes() == \
        b'{"a":3}\n'


# ---------------------------------------------------------------- order and layout

def test_output_is_in_input_order_whatever_order_the_parts_come_in(tmp_path):
    cfg = make_cfg(tmp_path)
    parts, stats = build_parts(cfg, [(1, 0, alpaca_items(1, 3)),
                                     (0, 1, alpaca_items(4, 3, bad={5})),
                                     (0, 0, alpaca_items(1, 3, bad={2})),
                                     (0, 10, alpaca_items(7, 2))])
    random.Random(4).shuffle(parts)
    report = assemble(cfg, parts, stats, {"note": "extra"})
    out = tmp_path / "out"
    prompts = [orjson.loads(x)["prompt"] for x in data_lines(out / "train/train.jsonl")]
    #   file 0 batch 0 (1, 3), file 0 batch 1 (4, 6), file 0 batch 10 (7, 8), file 1 batch 0 (1-3)
    assert prompts == [f"Question number {i}" for i in (1, 3, 4, 6, 7, 8, 1, 2, 3)]
    dead = [orjson.loads(x) for x in data_lines(out / "dead_letter/dead_letter.jsonl")]
    assert [(d["source"]["uri"], d["source"]["line"]) for d in dead] == [
        ("/data/in-0.jsonl", 2), ("/data/in-0.jsonl", 5)]
    assert sorted(p.name for p in out.iterdir()) == [
        "_SUCCESS", "dead_letter", "manifest.json", "report.html", "report.json",
        "train", "training-request.json"]
    # 2 of 11 refused is over MANY_DEAD_LETTERS: complete (_SUCCESS), but said so
    assert report["status"] == "completed with many dead letters" and report["errors"] == []
    assert (report["input_records"], report["accepted_records"], report["dead_letter_records"]) \
        == (11, 9, 2)
    assert report["output_records"] == {TRAIN: 9}
    assert read_json(out / "report.json") == report
    check_report_invariant(report)
    manifest = check_manifest(out)
    assert manifest["note"] == "extra"
    assert [f["path"] for f in manifest["files"]] == ["dead_letter/dead_letter.jsonl",
                                                      "train/train.jsonl", "report.html",
                                                      "training-request.json"]


def test_the_same_parts_give_byte_identical_outputs(tmp_path):
    outputs = []
    for run in range(2):
        cfg = make_cfg(tmp_path / str(run), target="sagemaker-instruction", num_shards=3,
                       validation_split=0.3)
        parts, stats = build_parts(cfg, [(0, i, alpaca_items(10 * i + 1, 10)) for i in range(4)])
        if run:
            parts.reverse()
        assemble(cfg, parts, stats, {})
        out = tmp_path / str(run) / "out"
        outputs.append({p.relative_to(out).as_posix(): p.read_bytes()
                        for p in sorted(out.rglob("*")) if p.is_file()})
    assert outputs[0] == outputs[1]


def test_dropping_parts_as_they_are_copied_changes_nothing_but_when_they_go(tmp_path):
    outputs, opened = [], []
    for drop in (False, True):
        cfg = make_cfg(tmp_path / str(drop), target="sagemaker-instruction", num_shards=2,
                       validation_split=0.3, sample_to_quota=True,   # .src files too
                       drop_copied_parts=drop)
        parts, stats = build_parts(cfg, [(0, i, alpaca_items(10 * i + 1, 10)) for i in range(4)])
        assert all(os.path.exists(p.uri) for p in parts)
        real_open_read = assemble_module.open_read

        def spying_open_read(uri, _real=real_open_read):
            # when a part is opened, every part before it in the same kind is gone already
            before = [p for p in parts if p.kind == kind_of(uri) and p.key < key_of(uri)]
            opened.append((drop, all(os.path.exists(p.uri) != drop for p in before)))
            return _real(uri)

        # the dead letters are copied by assemble, the splits by split_files
        assemble_module.open_read = split_files.open_read = spying_open_read
        try:
            assemble(cfg, parts, stats, {})
        finally:
            assemble_module.open_read = split_files.open_read = real_open_read
        out = tmp_path / str(drop) / "out"
        outputs.append({p.relative_to(out).as_posix(): p.read_bytes()
                        for p in sorted(out.rglob("*")) if p.is_file() and p.name != "report.html"
                        and p.name != "manifest.json" and p.name != "report.json"})
        assert not (out / "_temporary").exists()
    assert outputs[0] == outputs[1]
    assert opened and all(ok for _, ok in opened)


def kind_of(uri: str) -> str:
    return uri.split("/")[-2]


def key_of(uri: str) -> str:
    return uri.split("/")[-1].split(".")[0]


def test_shards_are_balanced_to_one_line(tmp_path):
    cfg = make_cfg(tmp_path, target="sagemaker-instruction", num_shards=3)
    # very uneven batches: 1, 7, 2, 1 lines
    parts, stats = build_parts(cfg, [(0, 0, alpaca_items(1, 1)), (0, 1, alpaca_items(2, 7)),
                                     (0, 2, alpaca_items(9, 2)), (1, 0, alpaca_items(11, 1))])
    report = assemble(cfg, parts, stats, {})
    assert report["status"] == "succeeded"
    train = tmp_path / "out/train"
    names = sorted(p.name for p in train.iterdir())
    assert names == ["part-00000-of-00003.jsonl", "part-00001-of-00003.jsonl",
                     "part-00002-of-00003.jsonl", "template.json"]
    sizes = [len(data_lines(train / n)) for n in names[:3]]
    assert sum(sizes) == 11 and max(sizes) - min(sizes) <= 1
    joined = [orjson.loads(x)["instruction"] for n in names[:3] for x in data_lines(train / n)]
    assert joined == [f"Question number {i}" for i in range(1, 12)]
    template = read_json(train / "template.json")
    assert set(template) == {"prompt", "completion"}
    manifest = check_manifest(tmp_path / "out")
    entry = next(f for f in manifest["files"] if f["path"] == "train/template.json")
    assert entry["records"] is None


@pytest.mark.parametrize("n_lines,n_shards", [(10, 4), (100, 7), (7, 7), (1000, 3)])
def test_shard_sizes_differ_by_at_most_one(tmp_path, n_lines, n_shards):
    cfg = make_cfg(tmp_path, target="sagemaker-instruction", num_shards=n_shards)
    rng = random.Random(n_lines)
    specs, first, b = [], 1, 0
    while first <= n_lines:
        n = min(rng.randint(1, 40), n_lines - first + 1)
        specs.append((0, b, alpaca_items(first, n)))
        first += n
        b += 1
    parts, stats = build_parts(cfg, specs)
    assemble(cfg, parts, stats, {})
    sizes = [len(data_lines(tmp_path / f"out/train/part-{i:05d}-of-{n_shards:05d}.jsonl"))
             for i in range(n_shards)]
    assert sum(sizes) == n_lines and max(sizes) - min(sizes) <= 1, sizes


def test_more_shards_than_lines_gives_one_shard_a_line_and_says_so(tmp_path):
    """--num-shards over the records wrote empty files (100,000 of them for 50 records): now
    one shard a record, and a warning in the report naming the cap."""
    cfg = make_cfg(tmp_path, target="sagemaker-instruction", num_shards=5)
    parts, stats = build_parts(cfg, [(0, 0, alpaca_items(1, 2))])
    report = assemble(cfg, parts, stats, {})
    assert report["status"] == "succeeded"
    train = tmp_path / "out/train"
    assert sorted(p.name for p in train.glob("part-*")) == ["part-00000-of-00002.jsonl",
                                                             "part-00001-of-00002.jsonl"]
    assert [len(data_lines(p)) for p in sorted(train.glob("part-*"))] == [1, 1]
    manifest = check_manifest(tmp_path / "out")
    shard_entries = [f for f in manifest["files"] if f["path"].startswith("train/part-")]
    assert len(shard_entries) == 2 and sum(f["records"] for f in shard_entries) == 2
    assert report["warnings"] == ["--num-shards 5: train holds 2 records, so 2 shards (one a "
                                  "record at most; no empty files)"]
    assert (tmp_path / "out/_SUCCESS").exists()


def test_validation_split_gets_its_own_folder(tmp_path):
    cfg = make_cfg(tmp_path)
    parts, stats = build_parts(cfg, [(0, 0, alpaca_items(1, 6)),
                                     (1, 0, alpaca_items(100, 3), VALIDATION)])
    report = assemble(cfg, parts, stats, {})
    out = tmp_path / "out"
    assert len(data_lines(out / "train/train.jsonl")) == 6
    assert len(data_lines(out / "validation/validation.jsonl")) == 3
    assert report["output_records"] == {TRAIN: 6, VALIDATION: 3}
    check_manifest(out)


def test_temporary_parts_are_removed(tmp_path):
    cfg = make_cfg(tmp_path)
    parts, stats = build_parts(cfg, [(0, 0, alpaca_items(1, 3, bad={2}))])
    assert (tmp_path / "out/_temporary/testrun").is_dir()
    assemble(cfg, parts, stats, {})
    assert not (tmp_path / "out/_temporary").exists()


def test_nothing_accepted_fails_without_success(tmp_path):
    cfg = make_cfg(tmp_path)
    parts, stats = build_parts(cfg, [(0, 0, alpaca_items(1, 2, bad={1, 2}))])
    report = assemble(cfg, parts, stats, {})
    out = tmp_path / "out"
    assert report["status"] == "failed"
    assert any("no record was accepted" in e for e in report["errors"])
    assert not (out / "_SUCCESS").exists() and not (out / "train").exists()
    assert len(data_lines(out / "dead_letter/dead_letter.jsonl")) == 2
    assert read_json(out / "report.json") == report
    check_report_invariant(report)
    check_manifest(out)


# ---------------------------------------------------------------- quotas

def test_over_quota_fails_with_a_message_and_writes_no_data(tmp_path, tiny_model):
    cfg = make_cfg(tmp_path, model=tiny_model(max_train_records=5))
    parts, stats = build_parts(cfg, [(0, 0, alpaca_items(1, 5, bad={3})), (0, 1, alpaca_items(6, 4))])
    report = assemble(cfg, parts, stats, {})
    out = tmp_path / "out"
    assert report["status"] == "failed"
    assert report["errors"] == ["train has 8 records; tiny takes at most 5 (use --sample-to-quota "
                                "to down-sample deterministically)"]
    assert not (out / "_SUCCESS").exists()
    assert not (out / "train").exists()
    assert not (out / "_temporary").exists()
    # the report and the dead letters are still written
    assert read_json(out / "report.json")["status"] == "failed"
    assert len(data_lines(out / "dead_letter/dead_letter.jsonl")) == 1
    check_report_invariant(report)
    manifest = check_manifest(out)
    assert [f["path"] for f in manifest["files"]] == ["dead_letter/dead_letter.jsonl",
                                                      "report.html"]


def test_under_minimum_fails(tmp_path, tiny_model):
    cfg = make_cfg(tmp_path, model=tiny_model(min_records=10))
    parts, stats = build_parts(cfg, [(0, 0, alpaca_items(1, 4))])
    report = assemble(cfg, parts, stats, {})
    assert report["errors"] == ["train has 4 records; tiny needs at least 10"]
    assert not (tmp_path / "out/_SUCCESS").exists()


def test_file_size_limit_fails_without_success(tmp_path, tiny_model):
    cfg = make_cfg(tmp_path, model=tiny_model(max_train_bytes=100))
    parts, stats = build_parts(cfg, [(0, 0, alpaca_items(1, 6))])
    report = assemble(cfg, parts, stats, {})
    assert report["status"] == "failed"
    assert len(report["errors"]) == 1
    assert report["errors"][0].startswith("train data is ")
    assert report["errors"][0].endswith("bytes; tiny takes at most 100")
    assert not (tmp_path / "out/_SUCCESS").exists()


def test_file_size_failure_writes_no_data(tmp_path, tiny_model):
    cfg = make_cfg(tmp_path, model=tiny_model(max_train_bytes=100))
    parts, stats = build_parts(cfg, [(0, 0, alpaca_items(1, 6))])
    assemble(cfg, parts, stats, {})
    assert not (tmp_path / "out/train").exists()


def _smallest_hash_lines(lines, quota):
    return set(sorted(lines, key=lambda x: hashlib.blake2b(x + b"\n", digest_size=8).digest())
               [:quota])


@pytest.mark.parametrize("combined", [True, False], ids=["combine", "read back"])
def test_sample_to_quota_keeps_the_smallest_hash_lines(tmp_path, tiny_model, combined):
    cfg = make_cfg(tmp_path, model=tiny_model(max_train_records=5, max_validation_records=2),
                   sample_to_quota=True)
    specs = [(0, 0, alpaca_items(1, 6, bad={2})), (0, 1, alpaca_items(7, 5)),
             (1, 0, alpaca_items(50, 4), VALIDATION)]
    parts, stats = build_parts(cfg, specs)
    train_all = [line for p in sorted(parts, key=lambda p: p.key) if p.kind == TRAIN
                 for line in open(p.uri, "rb").read().splitlines()]
    val_all = [line for p in parts if p.kind == VALIDATION
               for line in open(p.uri, "rb").read().splitlines()]
    assert len(train_all) == 10 and len(val_all) == 4
    # the Beam step's combine, in one process: each batch's smallest, then the smallest of those
    candidates = sampling.smallest_per_split(
        [BatchProcessor(cfg)(Batch(spec[0], spec[1], f"/data/in-{spec[0]}.jsonl",
                                   spec[3] if len(spec) > 3 else None, "alpaca", spec[2]))
         for spec in specs], sampling.bounds(run_context.model_spec(cfg))) if combined else None
    report = assemble(cfg, parts, stats, {}, candidates)
    out = tmp_path / "out"
    assert report["status"] == "succeeded", report["errors"]
    assert (out / "_SUCCESS").exists()

    train = data_lines(out / "train/train.jsonl")
    keep = _smallest_hash_lines(train_all, 5)
    assert train == [x for x in train_all if x in keep]          # kept lines stay in input order
    val = data_lines(out / "validation/validation.jsonl")
    assert val == [x for x in val_all if x in _smallest_hash_lines(val_all, 2)]

    # refused records are dead letters; the sampled-out ones are named apart, by source only
    dead = [orjson.loads(x) for x in data_lines(out / "dead_letter/dead_letter.jsonl")]
    assert [d["source"] for d in dead] == [{"uri": "/data/in-0.jsonl", "line": 2}]
    sampled = [orjson.loads(x) for x in data_lines(out / "sampled_out/sampled_out.jsonl")]
    assert len(sampled) == 5 + 2 and all(set(d) == {"source"} for d in sampled)
    line_of = {}
    for i in list(range(1, 7)) + list(range(7, 12)):
        if i != 2:
            line_of[("/data/in-0.jsonl", i)] = orjson.dumps(
                {"prompt": f"Question number {i}", "completion": f"Answer {i}"})
    for i in range(50, 54):
        line_of[("/data/in-1.jsonl", i)] = orjson.dumps(
            {"prompt": f"Question number {i}", "completion": f"Answer {i}"})
    left = {line_of[(d["source"]["uri"], d["source"]["line"])] for d in sampled}
    assert len(left) == 7 and not left & (set(train) | set(val))
    assert left | set(train) | set(val) == set(line_of.values())

    assert report["output_records"] == {TRAIN: 5, VALIDATION: 2}
    assert report["dead_letter_reasons"] == {"invalid_json": 1}
    assert report["sampled_out_records"] == 7 and "sample" not in report["dead_letter_stages"]
    assert (report["input_records"], report["accepted_records"], report["dead_letter_records"]) \
        == (15, 7, 1)
    check_accounting(report)
    check_manifest(out)
    assert "sampled_out/sampled_out.jsonl" in {f["path"] for f in read_json(out / "manifest.json")
                                               ["files"]}
    if combined:   # the figures count the 7 written lines; `read` the 14 accepted ones
        assert report["chars"]["count"] == sum(report["tokens_histogram"].values()) == 7
        assert report["read"]["chars"]["count"] == 14
        assert report["read"]["chars"]["sum"] > report["chars"]["sum"]


def test_sample_to_quota_under_quota_changes_nothing(tmp_path, tiny_model):
    cfg = make_cfg(tmp_path, model=tiny_model(max_train_records=50), sample_to_quota=True)
    parts, stats = build_parts(cfg, [(0, 0, alpaca_items(1, 6))])
    report = assemble(cfg, parts, stats, {})
    assert report["status"] == "succeeded"
    assert len(data_lines(tmp_path / "out/train/train.jsonl")) == 6
    assert "sampled_out" not in report["dead_letter_reasons"]


def test_sample_to_quota_honours_the_total_quota(tmp_path, tiny_model):
    cfg = make_cfg(tmp_path, model=tiny_model(max_train_records=10, max_validation_records=3,
                                              max_total_records=10), sample_to_quota=True)
    parts, stats = build_parts(cfg, [(0, 0, alpaca_items(1, 12)),
                                     (1, 0, alpaca_items(100, 3), VALIDATION)])
    report = assemble(cfg, parts, stats, {})
    assert report["status"] == "succeeded", report["errors"]
    assert sum(report["output_records"].values()) <= 10


def test_per_file_counts_add_up_after_sampling(tmp_path, tiny_model):
    cfg = make_cfg(tmp_path, model=tiny_model(max_train_records=3), sample_to_quota=True)
    parts, stats = build_parts(cfg, [(0, 0, alpaca_items(1, 5)), (1, 0, alpaca_items(1, 5))])
    report = assemble(cfg, parts, stats, {})
    files = report["files"].values()
    assert sum(f["accepted_records"] for f in files) == report["accepted_records"]
    assert sum(f["dead_letter_records"] for f in files) == report["dead_letter_records"]
    assert [f["sampled_out_records"] for f in files] in ([3, 4], [4, 3], [2, 5], [5, 2])
    check_accounting(report)


def test_a_dataset_level_rule_fails_the_run(tmp_path):
    """bedrock-conversation: images and videos never in one dataset, even across records."""
    cfg = make_cfg(tmp_path, target="bedrock-conversation")
    parts, stats = build_parts(cfg, [(0, 0, alpaca_items(1, 3))])
    stats["dataset_facets"] = {"image": 2, "video": 1}
    report = assemble(cfg, parts, stats, {})
    assert report["status"] == "failed"
    assert [e for e in report["errors"] if e.startswith("mixed_media: ")]
    assert not (tmp_path / "out" / "_SUCCESS").exists()
    assert not (tmp_path / "out" / "train").exists()
    # one media kind is fine
    cfg = make_cfg(tmp_path / "again", target="bedrock-conversation")
    parts, stats = build_parts(cfg, [(0, 0, alpaca_items(1, 3))])
    stats["dataset_facets"] = {"image": 3}
    assert assemble(cfg, parts, stats, {})["status"] == "succeeded"
