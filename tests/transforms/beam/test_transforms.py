"""The Beam shell: ReadBatches, PrepareRecords (with its safety net) and WriteDataset through
tuneprep.transforms.beam.pipeline.build, on test_pipeline.TestPipeline with the FnApiRunner: the
runner a default (DirectRunner) tuneprep run lands on. Beam's DirectRunner first tries Prism for
a pipeline it supports, which means downloading the Prism binary from GitHub: no test may reach
for the network, and a failed attempt leaves a broken Prism job server for the process."""
import hashlib

import apache_beam as beam
import orjson
import pytest
from apache_beam.testing import test_pipeline
from apache_beam.testing.util import BeamAssertException, assert_that, equal_to

from tests.helpers import check_accounting
from tuneprep.transforms.beam.pipeline import build
from tuneprep.transforms.targets import models
from tuneprep.transforms.steps.batching import DETECT_SAMPLE, Batch, ReadTask, iter_batches
from tuneprep.transforms.core.config import RunConfig
from tuneprep.transforms.targets.models import ModelSpec
from tuneprep.transforms.beam.prepare import PrepareRecords
from tuneprep.transforms.steps.process import DEAD_LETTER, TRAIN, VALIDATION
from tuneprep.transforms.beam.read import ReadBatches
from tuneprep.transforms.io.readers import RawItem, read_error


def local_pipeline() -> test_pipeline.TestPipeline:
    return test_pipeline.TestPipeline(runner="FnApiRunner")


def alpaca(i):
    return {"instruction": f"Question {i}", "input": "", "output": f"Answer {i}"}


def write_jsonl(path, values, extra_lines=()):
    lines = [orjson.dumps(v) for v in values] + [x.encode() for x in extra_lines]
    path.write_bytes(b"\n".join(lines) + b"\n")
    return str(path)


def summary(batch):
    """What a Batch says, in a form equal_to can compare."""
    return (batch.key, batch.uri, batch.split, batch.adapter,
            tuple((i.line, orjson.dumps(i.value).decode() if i.error is None else None,
                   i.error.reason if i.error is not None else None) for i in batch.items))


def ok(line, value):
    return (line, orjson.dumps(value).decode(), None)


# ---------------------------------------------------------------- ReadBatches

def test_read_batches_gives_keys_adapters_and_items(tmp_path):
    a = write_jsonl(tmp_path / "a.jsonl", [alpaca(i) for i in range(1, 46)])
    chat = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}
    b = write_jsonl(tmp_path / "b.jsonl", [chat], extra_lines=["{not json"])
    v = write_jsonl(tmp_path / "v.jsonl", [alpaca(100), alpaca(101)])
    cfg = RunConfig(target="bedrock-text", output=str(tmp_path / "out"), inputs=[a, b],
                    validation_inputs=[v], batch_size=20)
    expected = [
        ("000000-0000-00000000", a, None, "alpaca", tuple(ok(i, alpaca(i)) for i in range(1, 21))),
        ("000000-0000-00000001", a, None, "alpaca", tuple(ok(i, alpaca(i)) for i in range(21, 41))),
        ("000000-0000-00000002", a, None, "alpaca", tuple(ok(i, alpaca(i)) for i in range(41, 46))),
        ("000001-0000-00000000", b, None, "messages", (ok(1, chat), (2, None, "invalid_json"))),
        ("000002-0000-00000000", v, VALIDATION, "alpaca", (ok(1, alpaca(100)), ok(2, alpaca(101)))),
    ]
    with local_pipeline() as p:
        batches = p | "Read" >> ReadBatches(cfg)
        assert_that(batches | "Summaries" >> beam.Map(summary), equal_to(expected),
                    label="CheckBatches")


@pytest.mark.slow
def test_read_batches_input_format_and_undetectable_files(tmp_path):
    odd = write_jsonl(tmp_path / "odd.jsonl", [{"weird": 1}, {"weird": 2}])
    pc = write_jsonl(tmp_path / "pc.jsonl", [{"prompt": "p", "completion": "c"}])
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    with local_pipeline() as p:
        detected = p | "ReadDetected" >> ReadBatches(RunConfig(
            target="bedrock-text", output="unused", inputs=[odd, str(empty)]))
        forced = p | "ReadForced" >> ReadBatches(RunConfig(
            target="bedrock-text", output="unused", inputs=[pc], input_format="alpaca"))
        assert_that(detected | "SumDetected" >> beam.Map(summary), equal_to([
            ("000000-0000-00000000", odd, None, None,
             (ok(1, {"weird": 1}), ok(2, {"weird": 2}))),
            ("000001-0000-00000000", str(empty), None, None, ((0, None, "empty_file"),)),
        ]), label="CheckDetected")
        assert_that(forced | "SumForced" >> beam.Map(lambda b: (b.key, b.adapter)),
                    equal_to([("000000-0000-00000000", "alpaca")]), label="CheckForced")


def test_iter_batches_splits_at_batch_size_and_keeps_every_item(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [alpaca(i) for i in range(1, 101)])
    cfg = RunConfig(target="bedrock-text", output="unused", batch_size=DETECT_SAMPLE)
    batches = list(iter_batches(ReadTask(3, path, None), cfg))
    assert [len(b.items) for b in batches] == [20] * 5
    assert [b.key for b in batches] == [f"000003-0000-{i:08d}" for i in range(5)]
    assert [i.line for b in batches for i in b.items] == list(range(1, 101))


def test_iter_batches_with_a_batch_size_below_the_detection_sample(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [alpaca(i) for i in range(1, 31)])
    cfg = RunConfig(target="bedrock-text", output="unused", batch_size=8)
    batches = list(iter_batches(ReadTask(0, path, None), cfg))
    assert [len(b.items) for b in batches] == [8, 8, 8, 6]


# ---------------------------------------------------------------- PrepareRecords

def processed_summary(processed):
    dead = [orjson.loads(x) for x in processed.lines.get(DEAD_LETTER, [])]
    return (processed.key, len(processed.lines.get(TRAIN, [])),
            tuple((d["reason"], d["stage"], d["source"]["line"]) for d in dead),
            processed.stats["input_records"])


def items(first, n):
    return [RawItem(i, alpaca(i)) for i in range(first, first + n)]


def test_prepare_records_gives_processed_batches():
    # PrepareRecords outputs (processed, rescued) apart: see its docstring on why no Flatten
    cfg = RunConfig(target="bedrock-text", output="unused")
    batches = [
        Batch(0, 0, "a.jsonl", None, "alpaca", items(1, 3)),
        Batch(0, 1, "a.jsonl", None, "alpaca", items(4, 1) + [RawItem(5, {"instruction": "?"})]),
        Batch(1, 0, "b.jsonl", None, None, [RawItem(1, {"x": 1})]),
    ]
    with local_pipeline() as p:
        good, rescued = p | "Batches" >> beam.Create(batches) | "Prepare" >> PrepareRecords(cfg)
        out = (good, rescued) | "Together" >> beam.Flatten()
        assert_that(rescued, equal_to([]), label="NothingRescued")
        assert_that(out | "Summaries" >> beam.Map(processed_summary), equal_to([
            ("000000-0000-00000000", 3, (), 3),
            ("000000-0000-00000001", 1, (("missing_field", "normalize", 5),), 2),
            ("000001-0000-00000000", 0, (("unknown_format", "normalize", 1),), 1),
        ]), label="CheckProcessed")


def test_prepare_records_takes_encoded_batches_holding_read_errors():
    cfg = RunConfig(target="bedrock-text", output="unused")
    batch = Batch(0, 0, "a.jsonl", None, "alpaca",
                  items(1, 1) + [read_error(2, "invalid_json", "bad", raw="{")])
    with local_pipeline() as p:
        good, _ = (p | "Batches" >> beam.Create([batch]) | "Prepare" >> PrepareRecords(cfg))
        assert_that(good | "Summaries" >> beam.Map(processed_summary), equal_to([
            ("000000-0000-00000000", 1, (("invalid_json", "read", 2),), 2)]), label="CheckProcessed")


def test_prepare_records_safety_net_turns_a_failed_batch_into_dead_letters():
    # A RawItem whose `error` is not a RecordError makes BatchProcessor fail outside its
    # per-item try (setting .stage on a str): the whole batch fails, and the safety net must
    # turn every item of it, good ones included, into internal_error dead letters.
    cfg = RunConfig(target="bedrock-text", output="unused")
    broken = Batch(0, 1, "a.jsonl", None, "alpaca",
                   items(10, 2) + [RawItem(12, None, error="not a RecordError", raw="??")]
                   + items(13, 1))
    good = Batch(0, 0, "a.jsonl", None, "alpaca", items(1, 2))

    def check(outputs):
        by_key = {o.key: o for o in outputs}
        if set(by_key) != {good.key, broken.key}:
            raise BeamAssertException(f"keys {sorted(by_key)}")
        failed = by_key[broken.key]
        dead = [orjson.loads(x) for x in failed.lines[DEAD_LETTER]]
        got = [(d["reason"], d["stage"], d["source"]["uri"], d["source"]["line"]) for d in dead]
        want = [("internal_error", "normalize", "a.jsonl", n) for n in (10, 11, 12, 13)]
        if got != want or set(failed.lines) != {DEAD_LETTER}:
            raise BeamAssertException(f"{got}")
        if not all(d["message"].startswith("the batch failed: AttributeError") for d in dead):
            raise BeamAssertException(dead[0]["message"])
        if dead[2]["raw"] != "??" or dead[0]["raw"] != orjson.dumps(alpaca(10)).decode():
            raise BeamAssertException("raw")
        s = failed.stats
        if (s["input_records"], s["accepted_records"], s["dead_letter_records"]) != (4, 0, 4) \
                or s["files"]["a.jsonl"]["dead_letter_records"] != 4 \
                or s["dead_letter_reasons"] != {"internal_error": 4}:
            raise BeamAssertException(f"stats {s}")
        if len(by_key[good.key].lines[TRAIN]) != 2:
            raise BeamAssertException("the good batch suffered")

    with local_pipeline() as p:
        processed, rescued = (p | "Batches" >> beam.Create([good, broken])
                              | "Prepare" >> PrepareRecords(cfg))
        assert_that((processed, rescued) | "Together" >> beam.Flatten(), check,
                    label="CheckSafetyNet")
        assert_that(rescued | "RescuedKeys" >> beam.Map(lambda o: o.key),
                    equal_to([broken.key]), label="OnlyTheBrokenBatchRescued")


# ---------------------------------------------------------------- the whole graph

def read_lines(path):
    return [orjson.loads(x) for x in path.read_bytes().splitlines()]


def check_dataset(out):
    report = orjson.loads((out / "report.json").read_bytes())
    check_accounting(report)
    manifest = orjson.loads((out / "manifest.json").read_bytes())
    for f in manifest["files"]:
        data = (out / f["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == f["sha256"] and len(data) == f["bytes"]
    assert not (out / "_temporary").exists()
    return report, manifest


@pytest.mark.slow
def test_build_writes_a_complete_dataset(tmp_path):
    a = write_jsonl(tmp_path / "a.jsonl", [alpaca(i) for i in range(1, 61)] + [{"instruction": "x"}],
                    extra_lines=["{broken"])
    b = write_jsonl(tmp_path / "b.jsonl", [{"weird": i} for i in range(3)])
    out = tmp_path / "out"
    cfg = RunConfig(target="sagemaker-instruction", output=str(out), inputs=[a, b],
                    validation_split=0.2, num_shards=3, batch_size=25)

    def check_report(reports):
        [report] = reports
        if report["status"] != "succeeded" or report["input_records"] != 65 \
                or report["accepted_records"] != 60 or report["dead_letter_records"] != 5:
            raise BeamAssertException(str(report))

    with local_pipeline() as p:
        assert_that(build(p, cfg, {"options": {"x": 1}}), check_report, label="CheckReport")

    report, manifest = check_dataset(out)
    assert (out / "_SUCCESS").exists()
    assert report["dead_letter_reasons"] == {"missing_field": 1, "invalid_json": 1,
                                             "unknown_format": 3}
    assert report["files"][a] == {"input_records": 62, "accepted_records": 60,
                                  "dead_letter_records": 2, "adapter": "alpaca"}
    assert report["files"][b]["adapter"] is None
    train = [x for i in range(3) for x in read_lines(out / f"train/part-{i:05d}-of-00003.jsonl")]
    val = [x for i in range(3)
           for x in read_lines(out / f"validation/part-{i:05d}-of-00003.jsonl")]
    assert report["output_records"] == {TRAIN: len(train), VALIDATION: len(val)}
    assert len(train) + len(val) == 60 and 3 <= len(val) <= 25
    # input order within each split
    numbers = [int(x["instruction"].split()[1]) for x in train]
    assert numbers == sorted(numbers)
    assert (out / "train/template.json").exists() and (out / "validation/template.json").exists()
    dead = read_lines(out / "dead_letter/dead_letter.jsonl")
    assert [(d["source"]["uri"], d["source"]["line"]) for d in dead] == [
        (a, 61), (a, 62), (b, 1), (b, 2), (b, 3)]
    assert manifest["options"] == {"x": 1} and manifest["versions"]["tuneprep"]
    assert sum(f["records"] for f in manifest["files"] if f["records"] is not None) == 65


@pytest.mark.slow
def test_build_with_sample_to_quota_end_to_end(tmp_path, monkeypatch):
    monkeypatch.setitem(models.MODELS, "tiny", ModelSpec(
        "tiny", "Tiny test model", "bedrock", ("text-to-text",), max_train_records=10))
    a = write_jsonl(tmp_path / "a.jsonl", [alpaca(i) for i in range(1, 31)])
    out = tmp_path / "out"
    cfg = RunConfig(target="bedrock-text", model="tiny", output=str(out), inputs=[a],
                    sample_to_quota=True, batch_size=20)
    with local_pipeline() as p:
        build(p, cfg)
    report, _ = check_dataset(out)
    assert report["status"] == "succeeded" and (out / "_SUCCESS").exists()
    assert report["output_records"] == {TRAIN: 10}
    assert report["dead_letter_reasons"] == {} and report["dead_letter_records"] == 0
    assert report["sampled_out_records"] == 20 and report["accepted_records"] == 10
    kept = read_lines(out / "train/train.jsonl")
    assert read_lines(out / "dead_letter/dead_letter.jsonl") == []
    dead = read_lines(out / "sampled_out/sampled_out.jsonl")   # source locations only
    assert len(kept) == 10 and len(dead) == 20
    assert all(set(d) == {"source"} and d["source"]["uri"] == a for d in dead)
    # the combine kept what reading every line back keeps: the 10 smallest line hashes
    written = (out / "train/train.jsonl").read_bytes().splitlines(keepends=True)
    every = [orjson.dumps({"prompt": f"Question {i}", "completion": f"Answer {i}"}) + b"\n"
             for i in range(1, 31)]
    smallest = sorted(every, key=lambda x: hashlib.blake2b(x, digest_size=8).digest())[:10]
    assert written == [x for x in every if x in smallest]
    # the histograms count the written records; `read` what was accepted before the down-sample
    assert sum(report["tokens_histogram"].values()) == 10
    assert sum(report["read"]["tokens_histogram"].values()) == 30
    lines = sorted([int(k["prompt"].split()[1]) for k in kept] + [d["source"]["line"] for d in dead])
    assert lines == list(range(1, 31))


def test_build_with_nothing_accepted_fails_without_success(tmp_path):
    b = write_jsonl(tmp_path / "b.jsonl", [{"weird": i} for i in range(3)])
    out = tmp_path / "out"
    cfg = RunConfig(target="bedrock-text", output=str(out), inputs=[b])
    with local_pipeline() as p:
        build(p, cfg)
    report, _ = check_dataset(out)
    assert report["status"] == "failed" and not (out / "_SUCCESS").exists()
    assert report["dead_letter_records"] == 3 and not (out / "train").exists()


def test_batches_of_big_records_hold_fewer_records(tmp_path):
    """A batch holds at most batch_size KiB: records of ~4 KiB come 4 times fewer a batch, and
    the bytes close a batch as it fills, whatever the first records were."""
    big = write_jsonl(tmp_path / "big.jsonl",
                      [{"instruction": f"Q {i}", "input": "x" * 4000, "output": "A"}
                       for i in range(100)])
    cfg = RunConfig(target="bedrock-text", output="unused", batch_size=40)
    sizes = [len(b.items) for b in iter_batches(ReadTask(0, big, None), cfg)]
    assert sizes == [10] * 10
    small = write_jsonl(tmp_path / "small.jsonl", [alpaca(i) for i in range(1, 101)])
    assert [len(b.items) for b in iter_batches(ReadTask(0, small, None), cfg)] == [40, 40, 20]
    assert [len(b.items) for b in iter_batches(ReadTask(0, small, None), cfg, 30)] == [
        30, 30, 30, 10]                            # an exact size when asked (dry run)
    assert [len(b.items) for b in iter_batches(ReadTask(0, big, None), cfg, 30)] == [10] * 10
    mixed = write_jsonl(tmp_path / "mixed.jsonl", [alpaca(i) for i in range(1, 21)] + [
        {"instruction": f"Q {i}", "input": "x" * 4000, "output": "A"} for i in range(30)])
    assert [len(b.items) for b in iter_batches(ReadTask(0, mixed, None), cfg)] == [
        29, 10, 10, 1]   # (was 40, 10: sized from the 20 small first records)
