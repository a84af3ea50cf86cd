"""One split's data files from its parts, in input order: one file or N even shards (by lines),
and the target's side files beside them (e.g. template.json). The serial path; shards.py writes
the files of a split in parallel where the runner allows."""
from __future__ import annotations

import math

import orjson

from tuneprep.transforms.core.jsonl import dumps_line
from tuneprep.transforms.core.layout import PART_SOURCES, shard_file, split_file
from tuneprep.transforms.sink.output_files import OutputFile, file_entry
from tuneprep.transforms.sink.parts import copied
from tuneprep.transforms.core.redaction import redact_all
from tuneprep.transforms.sink.staged_files import write_staged
from tuneprep.transforms.io.storage import open_read
from tuneprep.transforms.targets import run_context

AUTO_SHARD_BYTES = 256 * 1024 * 1024
BLOCK = 1 << 20


def shard_count(cfg, target, total_bytes: int, records: int) -> int:
    """--num-shards, but at most one shard a record (issue 28, item 7): a shard more would be
    an empty file, and a name and a task held for nothing."""
    if target.layout == "single":
        return 1
    if cfg.num_shards:
        return min(cfg.num_shards, max(1, records))
    return max(1, math.ceil(total_bytes / AUTO_SHARD_BYTES))


def shard_notes(cfg, output_records: dict) -> list[str]:
    """A line for each split that got fewer shards than --num-shards (shard_count's cap)."""
    return [f"--num-shards {cfg.num_shards:,}: {split} holds {n:,} record{'s' * (n != 1)}, so "
            f"{max(1, n):,} shard{'s' * (n > 1)} (one a record at most; no empty files)"
            for split, n in sorted(output_records.items())
            if cfg.num_shards and cfg.num_shards > max(1, n)]


def write_split(cfg, target, split, parts, keep, sampled_out) -> list[dict]:
    total = sum(p.records for p in parts) if keep is None else len(keep)
    n = shard_count(cfg, target, sum(p.bytes for p in parts), total)
    if target.layout == "single":
        names = [split_file(split)]
    else:
        names = [shard_file(split, i, n) for i in range(n)]
    files, shard, out, written = [], 0, OutputFile(cfg, names[0]), 0
    for part in parts:
        boundary = (shard + 1) * total / n if shard + 1 < n else math.inf
        if keep is None and written + part.records <= boundary:
            # the whole part stays in this shard: copy it in blocks, not line by line
            with open_read(part.uri) as f:
                while block := f.read(BLOCK):
                    out.write_block(block, 0)
            out.records += part.records
            written += part.records
            copied(cfg, part)
            continue
        sources = None
        with open_read(part.uri) as f:
            for index, line in enumerate(f):
                if keep is not None and (part.key, index) not in keep:
                    if sources is None:
                        with open_read(part.uri + PART_SOURCES) as s:
                            sources = orjson.loads(s.read())
                    # where it came from, not the record: the file stays small, the input has it
                    sampled_out.write(dumps_line({"source": redact_all(
                        {"uri": part.source_uri, "line": sources[index]})}) + b"\n")
                    continue
                # line-level boundaries keep shards even however the batches fell
                while shard + 1 < n and written >= (shard + 1) * total / n:
                    files.append(out.close())
                    shard += 1
                    out = OutputFile(cfg, names[shard])
                out.write(line)
                written += 1
        copied(cfg, part)
    files.append(out.close())
    return files + side_files(cfg, target, split)


def side_files(cfg, target, split) -> list[dict]:
    files = []
    for name, data in target.side_files(run_context.target_context(cfg)).items():
        write_staged(cfg, f"{split}/{name}", data)
        files.append(file_entry(f"{split}/{name}", data))
    return files
