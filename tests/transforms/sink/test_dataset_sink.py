"""transforms/sink/dataset_sink.py: the write side in Beam FileBasedSink's phases, run here in
plain Python (no Beam), as transforms/beam/write.py runs them as Beam steps."""
from __future__ import annotations

from pathlib import Path

import orjson

from tuneprep.transforms.steps import stats as st
from tuneprep.transforms.steps.batching import Batch
from tuneprep.transforms.core.config import RunConfig
from tuneprep.transforms.steps.process import BatchProcessor
from tuneprep.transforms.sink import dataset_sink
from tuneprep.transforms.io.readers import RawItem, read_error


def _items(first: int, n: int) -> list:
    items = [read_error(first, "invalid_json", "not JSON", raw=b"{bad")]   # a dead letter
    for i in range(first + 1, first + n):
        value = {"instruction": f"Question {i}", "input": "", "output": f"Answer {i}"}
        items.append(RawItem(i, value, raw=orjson.dumps(value)))
    return items


def _run(out: Path, in_parallel: bool):
    """Six batches through open/write/close (write_batch), the split files as parallel tasks
    run in reverse order (plan_files, write_file) or not at all, then finalize."""
    cfg = RunConfig(output=str(out), run_id="r1", target="sagemaker-instruction", num_shards=3,
                    validation_split=0.3)
    parts, stats = [], st.new_stats()
    for file_index in range(2):
        for batch_index in range(3):
            batch = Batch(file_index, batch_index, f"/in-{file_index}.jsonl", None, "alpaca",
                          _items(batch_index * 10, 7))
            processed = BatchProcessor(cfg)(batch)
            parts += dataset_sink.write_batch(cfg, processed)
            st.merge(stats, processed.stats)
    written, tasks = [], dataset_sink.plan_files(cfg, parts) if in_parallel else []
    for task in reversed(tasks):
        entry, copied, uploaded = dataset_sink.write_file(cfg, task)
        assert (copied, uploaded) == (0, 0)   # local disk: nothing goes through S3
        written.append((task.split, task.index, entry))
    report = dataset_sink.finalize(cfg, parts, stats, {},
                                   listed=(["/in-0.jsonl", "/in-1.jsonl"], []), written=written)
    return tasks, report


def test_the_phases_write_in_parallel_what_one_worker_writes(tmp_path):
    tasks, report = _run(tmp_path / "parallel", in_parallel=True)
    _, serial = _run(tmp_path / "serial", in_parallel=False)
    assert [t.relpath for t in tasks] == [f"{split}/part-0000{i}-of-00003.jsonl"
                                          for split in ("train", "validation") for i in range(3)]
    assert report["status"] == serial["status"] and (tmp_path / "parallel/_SUCCESS").exists()
    # every record in exactly one output: 42 in, 6 dead letters, the rest in the two splits
    assert report["input_records"] == 42 and report["dead_letter_records"] == 6
    assert sum(report["output_records"].values()) == 36
    manifest = orjson.loads((tmp_path / "parallel/manifest.json").read_bytes())
    assert manifest["inputs"] == ["/in-0.jsonl", "/in-1.jsonl"]
    for entry in manifest["files"]:
        if entry["path"].endswith(".jsonl"):
            assert (tmp_path / "parallel" / entry["path"]).read_bytes() == (
                tmp_path / "serial" / entry["path"]).read_bytes(), entry["path"]
    assert not (tmp_path / "parallel/_temporary").exists()


def test_no_file_task_when_nothing_reached_train(tmp_path):
    cfg = RunConfig(output=str(tmp_path / "out"), run_id="r1", target="sagemaker-instruction")
    processed = BatchProcessor(cfg)(Batch(0, 0, "/in.jsonl", None, "alpaca",
                                          [read_error(0, "invalid_json", "not JSON", raw=b"{")]))
    parts = dataset_sink.write_batch(cfg, processed)
    assert [p.kind for p in parts] == ["dead_letter"]
    assert dataset_sink.plan_files(cfg, parts) == []   # the run fails: no shard is written
