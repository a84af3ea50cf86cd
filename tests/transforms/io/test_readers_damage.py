"""Property: whatever damage a JSON Lines file or a JSON array takes (cut short anywhere, a byte
changed anywhere), every good record before the damage is read, with its own line or index,
and every item the reader gives is a record or a dead letter (issue 28: nothing lost)."""
from __future__ import annotations

import orjson
from hypothesis import HealthCheck, example, given, settings, strategies as st

from tuneprep.transforms.io.readers import ReadOptions, read_items

RECORDS = [{"instruction": f"question {i} \"[{{\"", "input": "", "output": f"answer {i}",
            "tags": [i, {"n": [i]}]} for i in range(40)]
LINES = [orjson.dumps(r) + b"\n" for r in RECORDS]
JSONL = b"".join(LINES)
ARRAY = b"[\n" + b",\n".join(orjson.dumps(r) for r in RECORDS) + b"\n]\n"

damage = st.one_of(
    st.tuples(st.just("cut"), st.floats(0, 1), st.just(0)),
    st.tuples(st.just("byte"), st.floats(0, 0.999), st.integers(0, 255)))


def damaged(data: bytes, how) -> tuple[bytes, int]:
    """The damaged bytes and the offset of the first byte damaged."""
    kind, where, byte = how
    at = int(where * len(data))
    if kind == "cut":
        return data[:at], at
    return data[:at] + bytes([byte]) + data[at + 1:], at


def read(tmp_path, name: str, data: bytes, limit: int) -> list:
    path = tmp_path / name
    path.write_bytes(data)
    return list(read_items(str(path), ReadOptions(max_record_bytes=limit)))


def ends(pieces: list[bytes], start: int) -> list[int]:
    """The offset just past each piece, laid end to end from `start`."""
    out, at = [], start
    for piece in pieces:
        at += len(piece)
        out.append(at)
    return out


def check(items, intact: dict[int, dict]) -> None:
    """The intact records ({line: record}) are read as they were, at their lines; every item is
    a record or a dead letter with a reason and a one-line message."""
    got = {i.line: i.value for i in items if i.error is None}
    for line, record in intact.items():
        assert got.get(line) == record, (line, [(i.line, i.error) for i in items][:line + 2])
    for item in items:
        assert item.error is None or item.value is None
        if item.error is not None:
            assert item.error.reason and "\n" not in item.error.message


def intact_lines(how, at: int) -> dict[int, dict]:
    """The JSON Lines records a damage at `at` leaves whole, by their line in the damaged file:
    those before it, and after it when one byte changed (a new line end numbers the lines after
    it one further; a line end lost joins two lines)."""
    intact, start = {}, 0
    shift = 0 if how[0] != "byte" or (how[2] == 10) == (JSONL[at] == 10) else \
        1 if how[2] == 10 else -1
    for index, (line, end) in enumerate(zip(LINES, ends(LINES, 0))):
        if end <= at:
            intact[index + 1] = RECORDS[index]
        elif how[0] == "byte" and start > at and not (JSONL[at] == 10 and start == at + 1):
            intact[index + 1 + shift] = RECORDS[index]
        start = end
    return intact


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(how=damage)
@example(how=("byte", (len(LINES[0]) - 1.5) / len(JSONL), ord("[")))   # line 1 ends "]}[": as
@example(how=("byte", (len(LINES[0]) - 1.5) / len(JSONL), ord("{")))   # if it opened a document
def test_a_damaged_jsonl_keeps_every_record_the_damage_does_not_touch(tmp_path, how):
    data, at = damaged(JSONL, how)
    check(read(tmp_path, "d.jsonl", data, 16 << 20), intact_lines(how, at))


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(how=damage, streamed=st.booleans())
def test_a_damaged_json_array_keeps_every_element_before_the_damage(tmp_path, how, streamed):
    data, at = damaged(ARRAY, how)
    pieces = [orjson.dumps(r) for r in RECORDS]
    # an element is intact when the damage starts after the "," (or "]") that ends it
    intact = {i + 1: RECORDS[i] for i, end in enumerate(ends([p + b",\n" for p in pieces], 2))
              if end - 1 <= at}
    check(read(tmp_path, "d.json", data, 1024 if streamed else 16 << 20), intact)
