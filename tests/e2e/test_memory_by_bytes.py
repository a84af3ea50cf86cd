"""Memory bounded by bytes (issue 28, item 7): whatever the records' sizes, a hostile Parquet
file, the shard count or the worker count asked for, a command's memory stays bounded. Each
case is the whole command in a subprocess, its peak RSS measured (tests/helpers.cli_measured).
"""
from __future__ import annotations

import sys

import orjson
import pytest

from tests.helpers import MEMORY_BOUND, MiB, check_run, cli_measured, gzip_members, read_json

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(sys.platform == "win32", reason="resource.getrusage")]


def alpaca(i: int, output: str = "") -> bytes:
    return orjson.dumps({"instruction": f"Question {i}?", "input": "",
                         "output": output or f"Answer {i}."}) + b"\n"


def test_big_records_after_small_ones_make_small_batches(tmp_path):
    """20 tiny records, then 15 of 15 MB in a 1 MB .jsonl.gz: the batch size was set from the
    first records (1,024 of them: every big record in one batch, ~1.5 GiB); a batch now closes
    once it holds its bytes."""
    big = alpaca(0, "words " * (15_000_000 // 6))
    path = gzip_members(tmp_path / "big.jsonl.gz",
                        [(b"".join(alpaca(i) for i in range(20)), 1), (big, 15)])
    out = tmp_path / "out"
    code, stdout, stderr, peak = cli_measured(tmp_path, "run", "--target", "bedrock-text",
                                              "--input", path, "--output", out)
    assert code == 0, stderr
    check_run(out, read_json(out / "report.json"), stdout, 35, 35, {"train": 35}, {})
    assert peak < MEMORY_BOUND, f"peak RSS {peak / MiB:.0f} MiB"


def parquet_bomb(path, rows: int = 100_000, value_bytes: int = 1_000_000,
                 arrow_schema: bool = False) -> str:
    """A ~1 kB Parquet file whose one row group decodes to rows × value_bytes: a dictionary
    page holding one value once (zstd) and every row pointing at it. Without the stored Arrow
    schema (another writer's file) the column reads back as plain strings; with it, as a
    dictionary column."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    def repeated(value):
        return pa.DictionaryArray.from_arrays(pa.array([0] * rows, pa.int32()), pa.array([value]))
    table = pa.table({"instruction": repeated("x" * value_bytes), "output": repeated("ok")})
    pq.write_table(table, path, compression="zstd", compression_level=22,
                   store_schema=arrow_schema)
    return str(path)


@pytest.mark.parametrize("command", ["run", "dry-run", "inspect"])
def test_a_parquet_dictionary_bomb_is_refused_by_its_row_group(tmp_path, command):
    """A 900-byte Parquet file of 100,000 rows of 1 MB (100 GB decoded) next to a good one:
    rows were decoded 4,096 at a time (4 GB) in run, inspect and --dry-run; now its row group
    is one record_too_large dead letter naming its rows, and the good file is read."""
    bomb = parquet_bomb(tmp_path / "bomb.parquet")
    good = tmp_path / "good.jsonl"
    good.write_bytes(b"".join(alpaca(i) for i in range(5)))
    out = tmp_path / "out"
    args = {"run": ["run", "--target", "bedrock-text", "--input", bomb, "--input", good,
                    "--output", out, "--keep-going"],
            "dry-run": ["run", "--target", "bedrock-text", "--input", bomb, "--output", out,
                        "--dry-run", "--keep-going"],
            "inspect": ["inspect", bomb]}[command]
    code, stdout, stderr, peak = cli_measured(tmp_path, *args, timeout=120)
    assert code == 0, stderr
    assert peak < MEMORY_BOUND, f"peak RSS {peak / MiB:.0f} MiB"
    if command == "run":
        dead = check_run(out, read_json(out / "report.json"), stdout, 6, 5, {"train": 5},
                         {"record_too_large": 1})
        assert dead[0]["source"] == {"uri": bomb, "line": 1}
        assert "row group 1 (rows 1-100,000) decodes to over" in dead[0]["message"]
    elif command == "dry-run":
        assert "1 read, 0 accepted, 1 dead letters (record_too_large 1)" in stdout, stdout
    else:
        assert "row group 1 (rows 1-100,000)" in stdout, stdout


def test_a_parquet_bomb_read_as_a_dictionary_column_is_refused(tmp_path):
    """The same bomb with pyarrow's stored schema: the column reads back as a dictionary, whose
    Arrow size counts the value once; its decoded size counts it for every row."""
    bomb = parquet_bomb(tmp_path / "bomb.parquet", arrow_schema=True)
    out = tmp_path / "out"
    code, stdout, stderr, peak = cli_measured(tmp_path, "run", "--target", "bedrock-text",
                                              "--input", bomb, "--output", out, "--keep-going")
    assert code == 1, stderr   # (nothing accepted: the run fails, its report says why)
    assert peak < MEMORY_BOUND, f"peak RSS {peak / MiB:.0f} MiB"
    check_run(out, read_json(out / "report.json"), stdout, 1, 0, {}, {"record_too_large": 1})


@pytest.mark.parametrize("option, line", [
    (["--num-shards", "1000000000"],
     "error: --num-shards 1,000,000,000: at most 100,000 (the shard names alone would fill the "
     "memory)\n"),
    (["--workers", "1000"], "error: --workers 1,000: at most {most} on this machine (4 a CPU; "
                            "each worker is a process of ~130 MiB)\n")])
def test_shard_and_worker_counts_are_capped_with_one_line(tmp_path, option, line):
    """--num-shards 1000000000 took over 2 GiB at the assembly (a name per shard), --workers
    1000 started 218 processes for 50 records: both are one line at the launch, exit 2."""
    from tuneprep.pipelines.local_workers import cpu_count
    good = tmp_path / "good.jsonl"
    good.write_bytes(b"".join(alpaca(i) for i in range(50)))
    out = tmp_path / "out"
    code, stdout, stderr, peak = cli_measured(
        tmp_path, "run", "--target", "sagemaker-instruction", "--input", good, "--output", out,
        *option, timeout=60)
    assert (code, stdout.strip(), stderr) == (2, "", line.format(most=cpu_count() * 4))
    assert not out.exists() and peak < MEMORY_BOUND


def test_more_shards_than_records_gives_one_shard_a_record(tmp_path):
    """--num-shards at its most (100,000) for 50 records wrote 99,950 empty files and held a
    name and a task for each: now 50 shards, the accounting intact, and one warning line."""
    from tuneprep.pipelines.options import MAX_SHARDS
    good = tmp_path / "good.jsonl"
    good.write_bytes(b"".join(alpaca(i) for i in range(50)))
    out = tmp_path / "out"
    code, stdout, stderr, peak = cli_measured(
        tmp_path, "run", "--target", "sagemaker-instruction", "--input", good, "--output", out,
        "--num-shards", MAX_SHARDS, timeout=60)
    assert code == 0, stderr
    check_run(out, read_json(out / "report.json"), stdout, 50, 50, {"train": 50}, {})
    shards = sorted(p.name for p in (out / "train").glob("part-*"))
    assert shards == [f"part-{i:05d}-of-00050.jsonl" for i in range(50)]
    assert stderr == (f"warning: --num-shards {MAX_SHARDS:,}: train holds 50 records, so 50 "
                      "shards (one a record at most; no empty files)\n")
    assert peak < MEMORY_BOUND


def test_more_workers_than_pieces_of_work_start_none_and_say_so(tmp_path):
    """--workers 2 for 50 records in one small file: one piece of work, read in this process
    (no worker process started), with one note line."""
    good = tmp_path / "good.jsonl"
    good.write_bytes(b"".join(alpaca(i) for i in range(50)))
    out = tmp_path / "out"
    code, stdout, stderr, _ = cli_measured(
        tmp_path, "run", "--target", "bedrock-text", "--input", good, "--output", out,
        "--workers", "2", timeout=60)
    assert code == 0, stderr
    check_run(out, read_json(out / "report.json"), stdout, 50, 50, {"train": 50}, {})
    assert stderr == ("note: --workers 2: 1 used, one per file or byte range to read (more "
                      "would only start and wait)\n")
