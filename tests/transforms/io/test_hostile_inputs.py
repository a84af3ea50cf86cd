"""Hostile inputs (issue 12 §3): one input never stops, hangs or blows up the run.

Records nested deeper than orjson writes, decompression bombs, and files without line ends each
become dead letters with a reason, stage and line, and the run completes with memory bounded
whatever the size once decompressed. Big inputs are made in tmp_path from one gzip member
repeated (a fraction of a second for gigabytes); the memory bounds are measured on a subprocess.
"""
from __future__ import annotations

import random
import subprocess
import sys

import orjson
import pytest

from tuneprep.pipelines.cli import main
from tuneprep.transforms.steps.batching import HEAD_BYTES, encoded_size, read_head
from tuneprep.transforms.io.readers import RawItem, ReadOptions, read_items
from tuneprep.transforms.io.readers.nesting import MAX_DEPTH, DepthGauge, too_deep
from tuneprep.transforms.core.records import REASONS, dead_letter, truncate_raw

from tests.helpers import (MEMORY_BOUND, MiB, REPO, check_run, cli_measured, gzip_members,
                           read_json, read_jsonl)


def nested(depth: int, leaf: bytes = b"1") -> bytes:
    return b"[" * depth + leaf + b"]" * depth


def alpaca(i: int) -> bytes:
    return orjson.dumps({"instruction": f"Question {i}?", "input": "", "output": f"Answer {i}."})


members = gzip_members


def read(path, **opts) -> list[RawItem]:
    return list(read_items(str(path), ReadOptions(**opts)))


def outcome(items) -> list[tuple[int, object]]:
    """(line, value) for a good item, (line, reason) for an error item."""
    return [(i.line, i.error.reason if i.error else i.value) for i in items]


# --- how deep: the gauge on bytes, against a character-by-character count ----------------------

def first_over(text: bytes, limit: int) -> int | None:
    depth, in_string, escaped = 0, False, False
    for offset, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == 92:   # backslash
                escaped = True
            elif char == 34:
                in_string = False
        elif char == 34:
            in_string = True
        elif char in b"[{":
            depth += 1
            if depth > limit:
                return offset
        elif char in b"]}":
            depth -= 1
    return None


def random_value(rng: random.Random, depth: int):
    kind = rng.random()
    if depth and kind < 0.35:
        return [random_value(rng, depth - 1) for _ in range(rng.randint(0, 3))]
    if depth and kind < 0.7:
        return {rng.choice(["a", 'q"[', "\\{", "c\\", ","]): random_value(rng, depth - 1)
                for _ in range(rng.randint(0, 3))}
    return rng.choice(["x[[{", '\\"]]', "plain", 1, 2.5, None, True, "\\\\", '"', "a\\\\\"[[",
                       "],", "}, {", "é ✓"])


def test_gauge_finds_the_first_bracket_past_the_limit_whatever_the_chunks():
    rng = random.Random(12)
    for _ in range(3000):
        pad = rng.randint(0, 80)
        text = b"[" * pad + orjson.dumps(random_value(rng, rng.randint(1, 10))) + b"]" * pad
        limit = rng.randint(1, 60)
        gauge, at, found = DepthGauge(limit), 0, None
        while at < len(text) and found is None:
            size = rng.choice([1, 2, 7, 64, 4096])
            cut = gauge.feed(text[at:at + size])
            found = None if cut is None else at + cut
            at += size
        assert found == first_over(text, limit), (text[:200], limit)


def test_gauge_finds_the_end_of_an_element_being_skipped():
    rng = random.Random(7)
    for _ in range(1000):
        elements = [orjson.dumps(random_value(rng, 6)) for _ in range(rng.randint(1, 4))]
        text = b"[" + b",".join(elements) + b"]"
        gauge, at = DepthGauge(10**9), 0
        skip = len(elements[0]) // 2 + 1   # stop inside the first element, then skip it
        gauge.feed(text[:skip])
        at, end = skip, None
        while end is None and at < len(text):
            size = rng.choice([1, 3, 50, 4096])
            found = gauge.end_of_element(text[at:at + size], 1)
            end = None if found is None else at + found
            at += size
        assert end == 1 + len(elements[0]), (text[:200], skip)


def test_too_deep_is_what_orjson_cannot_write():
    assert not too_deep(orjson.loads(nested(MAX_DEPTH)))
    assert too_deep(orjson.loads(nested(MAX_DEPTH + 1)))
    assert "too_deep" in REASONS


# --- nesting, reader by reader -----------------------------------------------------------------

def test_json_lines_nested_too_deep_are_dead_letters_and_reading_goes_on(tmp_path):
    # 254 levels in all is the most a record takes (the object is one of them)
    deep = [b'{"instruction": ' + nested(d) + b'}' for d in (MAX_DEPTH - 1, MAX_DEPTH, 300, 1000,
                                                               1100)]
    path = tmp_path / "d.jsonl"
    path.write_bytes(b"\n".join([alpaca(0), *deep, alpaca(1)]) + b"\n")
    items = read(path)
    assert [(line, v if isinstance(v, str) else "value") for line, v in outcome(items)] == [
        (1, "value"), (2, "value"), (3, "too_deep"), (4, "too_deep"), (5, "too_deep"),
        (6, "too_deep"), (7, "value")]
    assert items[2].error.stage == "read"
    assert items[2].error.message == f"too deep: the line nests over {MAX_DEPTH} levels"
    assert items[2].raw.startswith(b'{"instruction": [[[')


def test_a_file_sniffed_as_json_lines_despite_a_first_line_too_deep(tmp_path):
    path = tmp_path / "data"   # no extension: the format is sniffed from the first line
    path.write_bytes(b'{"a": ' + nested(1100) + b"}\n" + alpaca(1) + b"\n")
    assert outcome(read(path)) == [(1, "too_deep"), (2, orjson.loads(alpaca(1)))]


def test_json_document_elements_nested_too_deep_are_dead_letters(tmp_path):
    for depth in (300, 2000):   # what orjson parses, and past it (the document then streams)
        elements = b",".join([alpaca(0), nested(depth), alpaca(1)])
        for name, doc in (("a.json", b"[" + elements + b"]"),
                          ("w.json", b'{"data": [' + elements + b"]}")):
            (tmp_path / name).write_bytes(doc)
            got = outcome(read(tmp_path / name))
            assert got == [(1, orjson.loads(alpaca(0))), (2, "too_deep"),
                           (3, orjson.loads(alpaca(1)))], (name, depth)


def test_a_value_too_deep_for_orjson_still_makes_a_dead_letter():
    value = orjson.loads(b'{"instruction": ' + nested(1000) + b"}")
    raw = truncate_raw(value)   # was RecursionError: no dead letter, the run failed
    assert raw.startswith('{"instruction":[[[[') and "…" in raw and len(raw) <= 2049
    line = dead_letter("wrong_type", "normalize", "instruction is a list", "f.jsonl", 3, value)
    assert orjson.loads(orjson.dumps(line))["raw"] == raw


def test_batching_sizes_and_detection_ignore_what_cannot_be_written():
    deep = orjson.loads(nested(MAX_DEPTH + 10))
    assert encoded_size(deep) is None and encoded_size({"a": "b"}) == 9
    head, sizes = read_head(iter([RawItem(1, deep), RawItem(2, {"a": "b"})]))
    assert len(head) == 2 and sizes == [9]


def test_detection_head_stops_at_about_head_bytes():
    big = "x" * (HEAD_BYTES // 3)
    items = iter([RawItem(i, {"text": big}) for i in range(1, 30)])
    head, sizes = read_head(items)
    assert len(head) == 3 and sum(sizes) >= HEAD_BYTES
    assert next(items).line == 4   # nothing read past the head is lost


# --- JSON documents over the size limit: streamed ----------------------------------------------

LIMIT = 2000   # small, so small files take the streamed path


def record_like(rng: random.Random, index: int):
    """A record, big (over LIMIT) or too deep now and then; what the reader must give for it."""
    kind = rng.random()
    if kind < 0.1:
        return b'{"text": "' + b"y\\\"[" * (LIMIT * 2) + b'"}', "record_too_large"
    if kind < 0.2:
        return b'{"t": ' + nested(MAX_DEPTH + rng.randint(1, 50), b'"],"') + b"}", "too_deep"
    if kind < 0.25:
        return orjson.dumps(["a" * (LIMIT * 3), 1]), "record_too_large"
    value = {"text": f"record {index} " + "".join(
        rng.choice(['"', "\\", "[", "]", "{", "}", ",", ":", "é", "x"]) for _ in range(40)),
        "n": [index, {"k": [None, True, 1.5]}]}
    return orjson.dumps(value), value


@pytest.mark.parametrize("layout", ["array", "wrapper", "pretty"])
def test_streamed_document_gives_each_element_and_skips_bad_ones(tmp_path, layout):
    rng = random.Random(layout)
    pairs = [record_like(rng, i) for i in range(300)]
    body = (b",\n  " if layout == "pretty" else b",").join(text for text, _ in pairs)
    doc = b'{"data": [' + body + b"]}" if layout == "wrapper" else b"[\n  " + body + b"\n]"
    items = read(members(tmp_path / "d.json.gz", [(doc, 1)]), max_record_bytes=LIMIT)
    assert outcome(items) == [(i + 1, expected) for i, (_, expected) in enumerate(pairs)]
    assert {i.error.stage for i in items if i.error} == {"read"}


def test_streamed_caption_map_and_one_record_too_large(tmp_path):
    captions = {f"{i}.jpg": f"caption {i}" for i in range(500)}
    path = tmp_path / "c.json"
    path.write_bytes(orjson.dumps(captions))
    assert outcome(read(path, max_record_bytes=LIMIT)) == [
        (i + 1, {"image": k, "caption": v}) for i, (k, v) in enumerate(captions.items())]
    # {"messages": [...]} over the limit is one conversation: one record, too large
    path.write_bytes(orjson.dumps({"messages": [{"role": "user", "content": "hi"}] * 500}))
    assert outcome(read(path, max_record_bytes=LIMIT)) == [(1, "record_too_large")]
    # a list that is a field of a record, not a wrapper of records
    path.write_bytes(orjson.dumps({"data": [1] * 10, "note": "x" * (LIMIT * 2)}))
    assert outcome(read(path, max_record_bytes=LIMIT)) == [(1, "record_too_large")]


def test_streamed_document_invalid_partway_gives_the_elements_before(tmp_path):
    good = [orjson.dumps({"text": "x" * 50, "i": i}) for i in range(100)]
    path = tmp_path / "d.json"
    path.write_bytes(b"[" + b",".join(good) + b',{"text": "cut')
    got = outcome(read(path, max_record_bytes=LIMIT))
    assert got[:-1] == [(i + 1, orjson.loads(g)) for i, g in enumerate(good)]
    assert got[-1] == (101, "truncated_file")
    path.write_bytes(b"[" + b",".join(good) + b',{"text": "\xff"}]')
    items = read(path, max_record_bytes=LIMIT)
    assert outcome(items)[-1] == (101, "invalid_utf8") and len(items) == 101
    assert items[-1].error.message.startswith("invalid UTF-8: ")
    assert "\n" not in items[-1].error.message


# --- every reader holds about --max-record-bytes, whatever the decompressed size ----------------

READ_ALL = """
import json, resource, sys
from tuneprep.transforms.io.readers import ReadOptions, read_items
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
out = {}
for path in sys.argv[2:]:
    counts = {}
    for item in read_items(path, ReadOptions(max_record_bytes=int(sys.argv[1]))):
        key = item.error.reason if item.error else "value"
        counts[key] = counts.get(key, 0) + 1
    out[path.rsplit("/", 1)[1]] = counts
grew = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(json.dumps({"grew_kb": grew, "items": out}))
"""


@pytest.mark.slow
def test_readers_hold_about_one_record_whatever_the_decompressed_size(tmp_path):
    size = 128   # MiB of each bomb once decompressed
    x, zero = b"x" * MiB, b"\0" * MiB
    rec = b",".join(alpaca(i) for i in range(20000))
    files = [
        members(tmp_path / "noline.csv.gz", [(b"a,b\n", 1), (x, size), (b"\n1,2\n", 1)]),
        members(tmp_path / "field.csv.gz", [(b'a,b\n"', 1), (b"x" * 1023 + b"\n", size * 1024),
                                            (b'",1\n2,3\n', 1)]),
        members(tmp_path / "zeros.jsonl.gz", [(zero, size), (b"\n" + alpaca(1) + b"\n", 1)]),
        members(tmp_path / "noline.txt.gz", [(x, size)]),
        members(tmp_path / "zeros.json.gz", [(zero, size)]),
        members(tmp_path / "array.json.gz", [(b"[" + rec, 1), (b"," + rec, size * MiB // len(rec)),
                                             (b"]", 1)]),
        members(tmp_path / "huge.json.gz", [(b'[{"instruction": "', 1), (x, size),
                                            (b'"}, {"instruction": "q"}]', 1)]),
    ]
    done = subprocess.run([sys.executable, "-c", READ_ALL, str(MiB), *files], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    result = orjson.loads(done.stdout)
    items = result["items"]
    assert items["noline.csv.gz"] == {"record_too_large": 1, "value": 1}
    assert items["field.csv.gz"]["record_too_large"] == 1
    assert items["zeros.jsonl.gz"] == {"record_too_large": 1, "value": 1}
    assert items["noline.txt.gz"] == {"record_too_large": 1}
    assert items["zeros.json.gz"] == {"invalid_json": 1}
    assert items["array.json.gz"] == {"value": 20000 * (1 + size * MiB // len(rec))}
    assert items["huge.json.gz"] == {"record_too_large": 1, "value": 1}
    assert result["grew_kb"] * 1024 < 64 * MiB, result   # was 4 GiB and more for the CSV


# --- whole runs ----------------------------------------------------------------------------------

def run_inprocess(capsys, out, *args) -> tuple[int, str, str]:
    code = main(["run", "--output", str(out), "--target", "bedrock-text", *map(str, args)])
    stdout, stderr = capsys.readouterr()
    return code, stdout, stderr


@pytest.mark.parametrize("name", ["deep.jsonl", "deep.json"])
@pytest.mark.slow
def test_run_with_records_nested_too_deep_completes(tmp_path, capsys, name):
    """The issue's case: the first records nest 300 and 1000 deep (the run failed with
    "TypeError: Recursion limit reached")."""
    deep = [b'{"instruction": ' + nested(d) + b', "output": "x"}' for d in (300, 1000)]
    good = [alpaca(i) for i in range(5)]
    path = tmp_path / name
    path.write_bytes(b"\n".join(deep + good) + b"\n" if name.endswith(".jsonl")
                     else b"[" + b",".join(deep + good) + b"]")
    out = tmp_path / "out"
    code, stdout, stderr = run_inprocess(capsys, out, "--input", path)
    assert code == 0, stderr
    dead = check_run(out, read_json(out / "report.json"), stdout, 7, 5, {"train": 5},
                     {"too_deep": 2})
    if name.endswith(".jsonl"):
        assert [(d["stage"], d["source"]) for d in dead] == [
            ("read", {"uri": str(path), "line": 1}), ("read", {"uri": str(path), "line": 2})]
    else:   # the array's records 1 and 2 (parsed whole: no byte offset)
        assert [(d["stage"], d["source"]) for d in dead] == [
            ("read", {"uri": str(path), "record": 1}), ("read", {"uri": str(path), "record": 2})]
    assert len(read_jsonl(out / "train/train.jsonl")) == 5


def run_measured(tmp_path, *args) -> tuple[int, str, str, int]:
    """`tuneprep run` in a subprocess: (exit code, stdout, stderr, peak RSS in bytes)."""
    return cli_measured(tmp_path, "run", "--target", "bedrock-text", *args)


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="resource.getrusage")
def test_run_over_a_json_array_bomb_stays_in_memory(tmp_path):
    """A 2 MB .json.gz holding a 300 MB array (was read whole: ~1.1 GB for this one, and over
    4 GiB for an 800 MB one)."""
    records = [orjson.dumps({"instruction": f"Question {i}?", "input": "",
                             "output": f"Answer {i}: " + "words " * 680}) for i in range(250)]
    block = b",".join(records)
    path = members(tmp_path / "bomb.json.gz", [(b"[" + block, 1), (b"," + block, 299), (b"]", 1)])
    out = tmp_path / "out"
    code, stdout, stderr, peak = run_measured(tmp_path, "--input", path, "--output", out)
    assert code == 0, stderr
    check_run(out, read_json(out / "report.json"), stdout, 75_000, 75_000, {"train": 75_000}, {})
    assert peak < MEMORY_BOUND, f"peak RSS {peak / MiB:.0f} MiB"


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="resource.getrusage")
def test_run_over_zero_filled_json_gz_stays_in_memory(tmp_path):
    """A 2 MB .json.gz of 2 GiB of zeros (was read up to 2 GiB: ~2.3 GB RSS) next to a good
    file: one invalid_json dead letter, and the good records written."""
    zeros = members(tmp_path / "zeros.json.gz", [(b"\0" * (64 * MiB), 32)])
    good = tmp_path / "good.jsonl"
    good.write_bytes(b"\n".join(alpaca(i) for i in range(5)) + b"\n")
    out = tmp_path / "out"
    # --keep-going: the launch check would refuse the hopeless file before the job; the memory
    # bound is about the job reading it
    code, stdout, stderr, peak = run_measured(tmp_path, "--input", zeros, "--input", good,
                                              "--output", out, "--keep-going")
    assert code == 0, stderr
    dead = check_run(out, read_json(out / "report.json"), stdout, 6, 5, {"train": 5},
                     {"invalid_json": 1})
    assert (dead[0]["stage"], dead[0]["source"]["line"]) == ("read", 0)
    assert peak < MEMORY_BOUND, f"peak RSS {peak / MiB:.0f} MiB"
