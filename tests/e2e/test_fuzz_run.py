"""Random bytes and random JSON shapes through the whole run (the CLI on Beam's DirectRunner):
whatever the input, the run completes (exit 0, or 1 when no record was accepted), writes its
report, and accounts for every record: each one is in a split or a dead letter with a reason,
stage, source file and place: a line in a line-based file, a record number (and maybe the
byte offset it starts at) in a JSON document."""
from __future__ import annotations

import pytest

import gzip
import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tuneprep.pipelines.cli import main
from tests.helpers import read_json, read_jsonl
from tuneprep.transforms.core.records import REASONS

pytestmark = pytest.mark.slow   # (`pytest -m "not slow"` is the quick loop)

# keys the adapters look for, so random records reach every adapter's rules, not only
# unknown_format
KEYS = ["instruction", "input", "output", "context", "response", "prompt", "completion",
        "messages", "conversations", "role", "content", "from", "value", "system", "history",
        "text", "image", "caption", "tools", "category", "data", "weight", "x"]
TARGETS = ["bedrock-text", "bedrock-multi-turn", "bedrock-conversation", "sagemaker-instruction",
           "openai-chat", "bedrock-pretrain", "sagemaker-chat"]

scalars = st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False) \
    | st.text(max_size=40) | st.sampled_from(["user", "assistant", "system", "human", "gpt", ""])
shapes = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.sampled_from(KEYS) | st.text(max_size=8), inner, max_size=5), max_leaves=20)


def _dumps(value) -> bytes:
    # the standard library's encoder: it writes what orjson refuses (integers past 64 bits,
    # lone surrogates as \\ud800 escapes), which inputs hold too
    return json.dumps(value).encode()


def _jsonl(values) -> bytes:
    return b"".join(_dumps(v) + b"\n" for v in values)


files = st.one_of(
    st.tuples(st.just(".jsonl"), st.lists(shapes, min_size=1, max_size=12).map(_jsonl)),
    st.tuples(st.just(".json"), st.lists(shapes, max_size=12).map(_dumps)),
    st.tuples(st.sampled_from([".jsonl", ".json", ".csv", ".txt"]), st.binary(max_size=300)),
    st.tuples(st.just(".jsonl.gz"), st.lists(shapes, min_size=1, max_size=8).map(
        lambda v: gzip.compress(_jsonl(v), mtime=0))),
    st.tuples(st.just(".jsonl.gz"), st.binary(max_size=200)),   # not gzip at all
    st.tuples(st.sampled_from([".jsonl", ".json"]), st.integers(250, 1100).map(   # deep nesting
        lambda depth: b'{"instruction": ' + b"[" * depth + b"]" * depth
        + b', "output": "x"}\n{"instruction": "q", "output": "a"}\n')),
    st.tuples(st.just(".csv"), st.lists(st.lists(st.text(max_size=10), min_size=2, max_size=2),
                                        max_size=6).map(lambda rows: "\n".join(
        ["instruction,output"] + [",".join(r) for r in rows]).encode(errors="surrogatepass"))),
)


# Each example is a whole run (~2-5 s here), so the count bounds the time: 10 by default
# (~40 s), TUNEPREP_FUZZ_EXAMPLES=200 for a long hunt. Hypothesis keeps the failures it finds in
# .hypothesis/ and replays them first.
EXAMPLES = int(os.environ.get("TUNEPREP_FUZZ_EXAMPLES", "10"))


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(inputs=st.lists(files, min_size=1, max_size=4), target=st.sampled_from(TARGETS))
def test_any_input_completes_and_every_record_is_accounted_for(inputs, target, tmp_path_factory,
                                                               capsys):
    root = tmp_path_factory.mktemp("fuzz")
    paths = []
    for i, (ext, data) in enumerate(inputs):
        path = root / f"in{i}{ext}"
        path.write_bytes(data)
        paths.append(path)
    out = root / "out"
    # --keep-going: a hopeless input would stop at the launch (exit 2, tested apart); the fuzz is
    # about what the job does with it
    argv = ["run", "--target", target, "--output", str(out), "--quiet", "--keep-going"]
    for path in paths:
        argv += ["--input", str(path)]
    code = main(argv)
    _, err = capsys.readouterr()
    assert code in (0, 1), err
    assert "Traceback" not in err
    report = read_json(out / "report.json")
    if code == 1:
        assert report["status"] == "failed" and report["errors"], err
    assert report["input_records"] == report["accepted_records"] + report["dead_letter_records"]
    assert set(report["files"]) == {str(p) for p in paths}
    for name, f in report["files"].items():
        assert f["input_records"] == f["accepted_records"] + f["dead_letter_records"], name
    dead = read_jsonl(out / "dead_letter" / "dead_letter.jsonl")
    assert len(dead) == report["dead_letter_records"]
    for d in dead:
        assert d["reason"] in REASONS and d["stage"] and d["message"]
        source = d["source"]
        assert source["uri"] in report["files"]
        # exactly one place: {uri, line} or {uri, record (+ offset)} (records.source_entry)
        if "record" in source:
            assert set(source) <= {"uri", "record", "offset"}, source
            assert isinstance(source["record"], int) and source["record"] >= 1
            assert isinstance(source.get("offset", 0), int) and source.get("offset", 0) >= 0
        else:
            assert set(source) == {"uri", "line"} and isinstance(source["line"], int), source
    written = sum(report["output_records"].values())
    if code == 0:
        lines = sum(len(read_jsonl(p)) for p in out.glob("*/*.jsonl")
                    if p.parent.name != "dead_letter")
        assert lines == written
        assert (out / "_SUCCESS").exists()
    else:
        assert not (out / "_SUCCESS").exists()
