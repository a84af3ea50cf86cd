"""The assembly of a sharded layout: one worker (assemble's serial writer, as before issue 16
item 4) against one task per shard (transforms/sink/shards.py) run by P processes, on the same
part files, local disk. Prints MB/s of output and checks the shards are byte-identical.

    python -m benchmarks.assembly --mb 1000 --shards 8 --processes 2"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import orjson

from tuneprep.transforms.core.config import RunConfig
from tuneprep.transforms.sink import parts as part_files
from tuneprep.transforms.sink import split_files
from tuneprep.transforms.sink import shards
from tuneprep.transforms.targets import get_target

RECORDS_PER_PART = 1024


def _parts(cfg, mb: int) -> list:
    line = orjson.dumps({"prompt": "Question: " + "word " * 60, "completion": "answer " * 50})
    n = max(1, mb * 1_000_000 // (len(line) + 1) // RECORDS_PER_PART)
    return [part_files.write_part(cfg, "train", f"{i:06d}-0000-00000000", [line] * RECORDS_PER_PART,
                           "in.jsonl") for i in range(n)]


def _warm(_):
    time.sleep(0.5)   # (every process of the pool is started and has imported tuneprep)


def _run(args):
    cfg, task = args
    return shards.write_file(cfg, task)[0]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=1000)
    ap.add_argument("--shards", type=int, default=8)
    ap.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--workdir", default=tempfile.gettempdir())
    o = ap.parse_args(argv)
    target = get_target("sagemaker-instruction")
    root = Path(tempfile.mkdtemp(prefix="tuneprep-assembly-", dir=o.workdir))
    try:
        serial = RunConfig(target=target.name, output=str(root / "serial"), num_shards=o.shards)
        parallel = RunConfig(target=target.name, output=str(root / "parallel"),
                             num_shards=o.shards)
        parts = _parts(serial, o.mb)
        shutil.copytree(root / "serial" / "_temporary", root / "parallel" / "_temporary")
        parts_p = [part_files.Part(p.kind, p.key, p.uri.replace(str(root / "serial"),
                                                         str(root / "parallel")), p.records,
                            p.bytes, p.source_uri) for p in parts]
        total = sum(p.bytes for p in parts)
        t0 = time.perf_counter()
        expected = split_files.write_split(serial, target, "train", parts, None, None)
        os.sync()
        t_serial = time.perf_counter() - t0
        tasks = shards.plan_split(parallel, target, "train", parts_p)
        # spawned, not forked (assemble's hashing thread would not exist in a forked child),
        # and started before the clock, as a runner's workers are
        with ProcessPoolExecutor(o.processes, mp_context=multiprocessing.get_context("spawn")) as ex:
            list(ex.map(_warm, range(o.processes)))
            t0 = time.perf_counter()
            got = list(ex.map(_run, [(parallel, t) for t in tasks]))
            os.sync()
            t_parallel = time.perf_counter() - t0
        got += split_files.side_files(parallel, target, "train")
        same = got == expected
        print(f"{total / 1e6:,.0f} MB in {len(parts):,} parts → {o.shards} shards: one worker "
              f"{t_serial:.2f} s ({total / 1e6 / t_serial:,.0f} MB/s); {o.processes} processes, "
              f"one task a shard {t_parallel:.2f} s ({total / 1e6 / t_parallel:,.0f} MB/s); "
              f"byte-identical: {same}")
        return 0 if same else 1
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
