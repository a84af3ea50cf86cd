"""Split files written in parallel (transforms/sink/shards.py, issue 16 item 4): the shards cut
where assemble's one-worker writer cuts them, byte for byte; a one-file layout on S3
concatenated by S3 (UploadPartCopy) from the parts, on the moto server."""
from __future__ import annotations

import hashlib
import random
import types

import orjson
import pytest

from tuneprep.transforms.core.config import RunConfig
from tuneprep.transforms.sink import split_files
from tuneprep.transforms.sink.parts import write_part
from tuneprep.transforms.sink import shards
from tuneprep.transforms.sink.staged_files import commit
from tuneprep.transforms.targets import get_target


def _parts(cfg, sizes, kind="train"):
    out, n = [], 0
    for i, size in enumerate(sizes):
        lines = [orjson.dumps({"i": n + j, "pad": "x" * ((n + j) % 7)}) for j in range(size)]
        out.append(write_part(cfg, kind, f"{i:06d}-0000-00000000", lines, "in.jsonl"))
        n += size
    return out


@pytest.mark.parametrize("seed", range(12))
def test_parallel_shards_are_the_one_worker_writers_bytes(tmp_path, seed):
    rng = random.Random(seed)
    sizes = [rng.choice([1, 2, 3, 7, 20]) for _ in range(rng.randint(1, 12))]
    n = rng.choice([1, 2, 3, 5, 8, sum(sizes) + 3])   # more shards than lines too
    target = get_target("sagemaker-instruction")
    one = RunConfig(target=target.name, output=str(tmp_path / "one"), num_shards=n)
    many = RunConfig(target=target.name, output=str(tmp_path / "many"), num_shards=n)
    expected = split_files.write_split(one, target, "train", _parts(one, sizes), None, None)
    parts = _parts(many, sizes)
    tasks = shards.plan_split(many, target, "train", parts)
    got = [shards.write_file(many, t)[0] for t in reversed(tasks)][::-1]
    got += split_files.side_files(many, target, "train")
    assert got == expected
    for cfg in (one, many):   # written under temporary names: in place at the commit
        commit(cfg, [entry["path"] for entry in expected])
    for entry in expected:
        assert (tmp_path / "one" / entry["path"]).read_bytes() == \
            (tmp_path / "many" / entry["path"]).read_bytes()


def test_not_taken_a_local_single_file_or_a_sampled_run(tmp_path):
    cfg = RunConfig(target="bedrock-text", output=str(tmp_path))
    parts = _parts(cfg, [3])
    assert shards.plan_split(cfg, get_target("bedrock-text"), "train", parts) is None
    sampled = RunConfig(target="sagemaker-instruction", output=str(tmp_path), sample_to_quota=True)
    assert shards.plan_split(sampled, get_target("sagemaker-instruction"), "train", parts) is None


MiB = 1 << 20


def test_pieces_copy_big_parts_and_gather_small_ones():
    m = 5 * MiB
    assert shards.plan_pieces([MiB, 2 * MiB]) is None          # nothing to copy: streamed
    pieces = shards.plan_pieces([6 * MiB, MiB, MiB, 7 * MiB, 2 * MiB])
    assert [(p.copy, p.ranges) for p in pieces] == [
        (True, ((0, 0, 6 * MiB),)),
        (False, ((1, 0, MiB), (2, 0, MiB), (3, 0, 3 * MiB))),   # topped up from part 3
        (False, ((3, 3 * MiB, 7 * MiB), (4, 0, MiB))),          # the rest, topped up
        (False, ((4, MiB, 2 * MiB),)),                          # the last: any size
    ]
    pieces = shards.plan_pieces([MiB, 20 * MiB, 9 * MiB])
    assert [(p.copy, p.ranges) for p in pieces] == [
        (False, ((0, 0, MiB), (1, 0, 4 * MiB))),
        (True, ((1, 4 * MiB, 20 * MiB),)),                      # CopySourceRange
        (True, ((2, 0, 9 * MiB),))]
    for sizes in ([6 * MiB] * 3 + [1], [MiB] * 13 + [9 * MiB], [5 * MiB + 1, 4 * MiB, 5 * MiB]):
        pieces = shards.plan_pieces(sizes)
        assert all(p.size >= m for p in pieces[:-1]) and sum(p.size for p in pieces) == sum(sizes)
        flat = [r for p in pieces for r in p.ranges]   # every byte once, in order
        assert [(i, a) for i, a, _ in flat][0] == (0, 0)
        for (i, _, b), (j, c, _) in zip(flat, flat[1:]):
            assert (j, c) == ((i, b) if b < sizes[i] else (i + 1, 0))


def test_a_one_file_layout_on_s3_is_concatenated_by_s3(s3):
    """Parts of 6 MiB and small ones on the moto server: the big ones are copied by S3
    (UploadPartCopy: moto serves it), the small ones gathered; the file is the parts' bytes in
    order, and the manifest entry says what its digest covers."""
    from tuneprep.transforms.io import s3_config
    s3_config.configure(s3.server.endpoint, fresh=True)
    cfg = RunConfig(target="bedrock-text", output=s3.uri("out"))
    big = [orjson.dumps({"i": i, "pad": "y" * 1000}) for i in range(6 * 1024)]   # ~6 MiB
    parts = [write_part(cfg, "train", f"{k:06d}-0000-00000000", lines, "in.jsonl")
             for k, lines in enumerate([big, big[:10], big, big[:3]])]
    assert parts[0].bytes > 5 * MiB and all(p.sha256 for p in parts)
    tasks = shards.plan_split(cfg, get_target("bedrock-text"), "train", parts)
    assert [t.relpath for t in tasks] == ["train/train.jsonl"] and tasks[0].concat
    entry, copied, uploaded = shards.write_file(cfg, tasks[0])
    expected = b"".join(s3.get(p.uri.split("/", 3)[3]) for p in parts)
    data = s3.get("out/train/train.jsonl")
    assert data == expected
    assert copied == parts[0].bytes and uploaded == len(data) - copied
    assert entry["sha256"] is None and "UploadPartCopy" in entry["sha256_covers"]
    assert entry["bytes"] == len(data) and entry["records"] == data.count(b"\n")
    assert entry["parts_sha256"] == [[p.bytes, hashlib.sha256(s3.get(p.uri.split("/", 3)[3]))
                                      .hexdigest()] for p in parts]


def test_a_run_to_s3_concatenates_on_s3_and_writes_the_disk_runs_bytes(s3, tmp_path, capsys):
    """tuneprep run → s3:// with parts over 5 MiB (--batch-size): train.jsonl is made by S3
    from the parts, byte-identical to the same run on disk; the manifest says what its digest
    covers; the parts are gone."""
    from tuneprep.pipelines.cli import main
    corpus = tmp_path / "in.jsonl"
    with corpus.open("wb") as f:
        for i in range(13_000):
            f.write(orjson.dumps({"instruction": f"Question {i}", "input": "",
                                  "output": f"Answer {i} " * 80}) + b"\n")
    args = ["run", "--input", str(corpus), "--target", "bedrock-text", "--batch-size", "6000",
            "--validation-split", "0.1", "--quiet", "--s3-endpoint-url", s3.endpoint]
    assert main([*args, "--output", str(tmp_path / "disk")]) == 0, capsys.readouterr().err
    assert main([*args, "--output", s3.uri("out")]) == 0, capsys.readouterr().err
    disk = (tmp_path / "disk" / "train" / "train.jsonl").read_bytes()
    assert s3.get("out/train/train.jsonl") == disk
    assert s3.get("out/validation/validation.jsonl") == \
        (tmp_path / "disk" / "validation" / "validation.jsonl").read_bytes()
    manifest = orjson.loads(s3.get("out/manifest.json"))
    train = next(f for f in manifest["files"] if f["path"] == "train/train.jsonl")
    local = next(f for f in orjson.loads((tmp_path / "disk" / "manifest.json").read_bytes())[
        "files"] if f["path"] == "train/train.jsonl")
    assert local["sha256"] == hashlib.sha256(disk).hexdigest()   # bytes passed: whole digest
    assert train["sha256"] is None and train["bytes"] == len(disk) and train["records"] == \
        local["records"]
    at = 0
    for size, digest in train["parts_sha256"]:   # each piece's digest, in order
        assert hashlib.sha256(disk[at:at + size]).hexdigest() == digest
        at += size
    assert at == len(disk) and len(train["parts_sha256"]) >= 2
    assert not s3.keys("out/_temporary/")
