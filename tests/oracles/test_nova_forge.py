"""AWS's own Nova dataset validator (the Nova Forge SDK, `amzn-nova-forge`) as the oracle for
what tuneprep writes for Nova: every bedrock-conversation record tuneprep writes must pass it,
and tuneprep refuses the records it refuses, but for the differences listed here with reasons.

The SDK runs in its own venv: the `forge` fixture (tests/oracles/conftest.py).
"""
from __future__ import annotations

import io
from pathlib import Path

import orjson
import pytest

from tuneprep.pipelines.cli import main

from tests.helpers import read_jsonl, write_jsonl

pytestmark = pytest.mark.slow

def _written(out: Path) -> list[Path]:
    return sorted(p for split in ("train", "validation") for p in (out / split).glob("*.jsonl"))


def _run(capsys, *argv) -> int:
    code = main(["run", "--target", "bedrock-conversation", *map(str, argv)])
    printed = capsys.readouterr()
    if code not in (0, 1):
        pytest.fail(f"tuneprep run exited {code}: {printed.err}")
    return code


# --- one record per rule: both refuse the same ones ------------------------------------------

SYSTEM = [{"text": "You are a careful assistant."}]


def _converse(messages, system=SYSTEM) -> dict:
    return {"schemaVersion": "bedrock-conversation-2024", "system": system, "messages": messages}


def _user(text):
    return {"role": "user", "content": [{"text": text}]}


def _assistant(text):
    return {"role": "assistant", "content": [{"text": text}]}


# Every record carries the same optional fields (a system prompt), so the file is one the SDK
# can take as a dataset, and the only refusals are the per-record ones.
CASES = {
    "plain": _converse([_user("What is 2+2?"), _assistant("4")]),
    "multi_turn": _converse([_user("Hi"), _assistant("Hello."), _user("A colour?"),
                             _assistant("Blue.")]),
    "upper_user_marker": _converse([_user("USER: what is 2+2?"), _assistant("4")]),
    "thought_in_assistant": _converse([_user("Think first."), _assistant("Thought: easy. 4")]),
    "unk_in_system": _converse([_user("Hi"), _assistant("Hello")],
                               system=[{"text": "Replace gaps with <unk>."}]),
    "assistant_marker_in_answer": _converse([_user("2+2?"), _assistant("Assistant: 4")]),
    "eos_in_user": _converse([_user("Stop at [EOS] please"), _assistant("OK")]),
    "image_tag_in_user": _converse([_user("Describe <image>"), _assistant("No image.")]),
    "bot_marker": _converse([_user("Bot: are you there?"), _assistant("Yes.")]),
    "lowercase_user_colon": _converse([_user("user: lowercase is not reserved"),
                                       _assistant("Right.")]),
    "human_marker_mid_text": _converse([_user("Quote:\nHuman: hi"), _assistant("Quoted.")]),
    "starts_with_assistant": _converse([_assistant("Hello"), _user("Hi")]),
    "two_user_turns": _converse([_user("Hi"), _user("Again"), _assistant("Hello")]),
    "ends_with_user": _converse([_user("Hi"), _assistant("Hello"), _user("Bye")]),
    "empty_user_text": _converse([_user(""), _assistant("Hello")]),
    "blank_assistant_text": _converse([_user("Hi"), _assistant("   ")]),
    "two_system_blocks": _converse([_user("Hi"), _assistant("Hello")],
                                   system=[{"text": "One."}, {"text": "Two."}]),
    "system_role_in_messages": _converse([{"role": "system", "content": [{"text": "Be brief."}]},
                                          _user("Hi"), _assistant("Hello")]),
    "two_text_blocks": _converse([{"role": "user", "content": [{"text": "Part one."},
                                                               {"text": "Part two."}]},
                                  _assistant("Both read.")]),
    "unicode_text": _converse([_user("Ça va? 你好 🙂"), _assistant("Très bien.")]),
}

# Where tuneprep and the SDK part ways on the source records, and why. Neither list may hold a
# record tuneprep writes and the SDK refuses: that is checked on the written file.
TUNEPREP_ONLY = {
    # a blank answer teaches nothing: tuneprep's empty_field counts whitespace as empty, the
    # SDK only the empty string
    "blank_assistant_text",
}
SDK_ONLY = {
    # the SDK takes only user/assistant roles in messages; tuneprep reads a system turn into
    # the record's system prompt (the canonical record), so what it writes passes
    "system_role_in_messages",
}


@pytest.mark.parametrize("model", ["nova-micro", "nova-lite", "nova-pro"])
def test_rule_cases_refused_alike(forge, model, tmp_path, capsys):
    source = write_jsonl(tmp_path / "cases.jsonl", CASES.values())
    names = list(CASES)
    assert _run(capsys, "--model", model, "--input", source, "--output", tmp_path / "out") == 0
    dead = read_jsonl(tmp_path / "out/dead_letter/dead_letter.jsonl")
    refused_by_tuneprep = {names[d["source"]["line"] - 1] for d in dead}
    source_verdict = forge(model, [source])
    refused_by_sdk = {names[r["line"] - 1] for r in source_verdict["refused"]}
    assert refused_by_tuneprep - refused_by_sdk == TUNEPREP_ONLY
    assert refused_by_sdk - refused_by_tuneprep == SDK_ONLY
    written = forge(model, _written(tmp_path / "out"))
    assert written["records"] == len(CASES) - len(dead)
    assert (written["refused"], written["dataset_error"]) == ([], None)


def test_mixed_optional_fields_refused_alike(forge, tmp_path, capsys):
    """A dataset where some records have a system prompt and others not: the SDK fails it as a
    whole; tuneprep fails the run (inconsistent_fields) and writes no data."""
    records = [_converse([_user(f"Question {i}?"), _assistant(f"Answer {i}.")],
                         system=SYSTEM if i % 2 else None) for i in range(10)]
    for record in records:
        if record["system"] is None:
            del record["system"]
    source = write_jsonl(tmp_path / "mixed.jsonl", records)
    verdict = forge("nova-lite", [source])
    assert verdict["refused"] == [] and "system" in verdict["dataset_error"]
    assert _run(capsys, "--model", "nova-lite", "--input", source,
                "--output", tmp_path / "out") == 1
    assert _written(tmp_path / "out") == []


# --- the samples: what tuneprep writes, the SDK takes ------------------------------------------

SAMPLE_INPUTS = ["alpaca_sample.jsonl", "chat_sample.jsonl"]


def _written_pass(forge, model, out: Path) -> int:
    files = _written(out)
    assert files, f"nothing written under {out}"
    verdict = forge(model, files)
    assert verdict["refused"] == [], verdict["refused"][:3]
    assert verdict["dataset_error"] is None
    return verdict["records"]


@pytest.mark.parametrize("model", ["nova-micro", "nova-lite"])
@pytest.mark.parametrize("name", SAMPLE_INPUTS)
def test_samples_written_pass(forge, samples, model, name, tmp_path, capsys):
    out = tmp_path / "out"
    assert _run(capsys, "--model", model, "--input", samples / name,
                "--validation-split", "0.1", "--output", out) == 0
    written = orjson.loads((out / "report.json").read_bytes())["output_records"]
    assert _written_pass(forge, model, out) == sum(written.values())


# (the shared corpora through every Nova rule set: test_oracle_corpora.py)


# --- media on a real S3 server: the SDK checks the objects too ---------------------------------

def _png(width: int, height: int) -> bytes:
    from PIL import Image
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 40)).save(buffer, "PNG")
    return buffer.getvalue()


def test_images_on_s3_refused_alike(forge, s3, tmp_path, capsys):
    """Images on the S3 test server, referenced by s3:// URI: tuneprep writes the ones the SDK
    takes (with s3Location.bucketOwner from --media-bucket-owner, which the SDK requires) and
    refuses the 20x20 one and the key with spaces, as the SDK does."""
    ok = s3.put("media/cat.png", _png(64, 48))
    tiny = s3.put("media/tiny.png", _png(20, 20))
    spaced = s3.put("media/my images/cat 1.png", _png(64, 48))
    owner = "123456789012"

    def converse_record(uri, question):   # as the SDK reads it
        block = {"image": {"format": "png", "source": {"s3Location": {
            "uri": uri, "bucketOwner": owner}}}}
        return _converse([{"role": "user", "content": [block, {"text": question}]},
                          _assistant("A red square.")])

    def messages_record(uri, question):   # the same in LLaMA-Factory's shape, as tuneprep reads
        return {"system": SYSTEM[0]["text"], "images": [uri], "messages": [
            {"role": "user", "content": f"<image>{question}"},
            {"role": "assistant", "content": "A red square."}]}
    images = [ok] * 8 + [tiny, spaced]
    questions = [f"What is shown? ({i})" for i in range(len(images))]
    verdict = forge("nova-lite", [write_jsonl(tmp_path / "converse.jsonl", map(
        converse_record, images, questions))], endpoint=s3.endpoint)
    assert sorted(r["line"] for r in verdict["refused"]) == [9, 10]
    source = write_jsonl(tmp_path / "images.jsonl", map(messages_record, images, questions))

    out = s3.uri("ds")
    code = main(["run", "--target", "bedrock-conversation", "--model", "nova-lite",
                 "--input", str(source), "--output", out, "--s3-endpoint-url", s3.endpoint,
                 "--media-bucket-owner", owner])
    assert code == 0, capsys.readouterr()
    dead = [orjson.loads(line) for line in s3.get("ds/dead_letter/dead_letter.jsonl").splitlines()]
    assert sorted(d["source"]["line"] for d in dead) == [9, 10]
    local = tmp_path / "train.jsonl"
    local.write_bytes(s3.get("ds/train/train.jsonl"))
    written = forge("nova-lite", [local], endpoint=s3.endpoint)
    assert (written["records"], written["refused"], written["dataset_error"]) == (8, [], None)


def test_videos_on_s3_refused_alike(forge, s3, tmp_path, capsys):
    """Videos on the S3 test server: the SDK (with pymediainfo, as in .venv-oracle) and tuneprep
    both take a 5 s mp4 and refuse a 95 s one (Nova: at most 90 s)."""
    from tests.video_files import video_bytes
    short = s3.put("media/short.mp4", video_bytes(tmp_path, 5))
    long = s3.put("media/long.mp4", video_bytes(tmp_path, 95))
    owner = "123456789012"
    videos = [short] * 8 + [long]

    def converse_record(uri, i):
        block = {"video": {"format": "mp4", "source": {"s3Location": {
            "uri": uri, "bucketOwner": owner}}}}
        return _converse([{"role": "user", "content": [block, {"text": f"What happens? {i}"}]},
                          _assistant("Nothing: the screen is black.")])
    source = write_jsonl(tmp_path / "videos.jsonl", map(converse_record, videos, range(9)))
    verdict = forge("nova-lite", [source], endpoint=s3.endpoint)
    assert [r["line"] for r in verdict["refused"]] == [9]
    code = main(["run", "--target", "bedrock-conversation", "--model", "nova-lite",
                 "--input", str(source), "--output", s3.uri("ds"), "--s3-endpoint-url",
                 s3.endpoint, "--media-bucket-owner", owner])
    assert code == 0, capsys.readouterr()
    dead = [orjson.loads(line) for line in s3.get("ds/dead_letter/dead_letter.jsonl").splitlines()]
    assert [(d["source"]["line"], d["reason"]) for d in dead] == [(9, "video_too_long")]
    local = tmp_path / "train.jsonl"
    local.write_bytes(s3.get("ds/train/train.jsonl"))
    written = forge("nova-lite", [local], endpoint=s3.endpoint)
    assert (written["records"], written["refused"], written["dataset_error"]) == (8, [], None)
