"""`tuneprep inspect` and `tuneprep run --dry-run`: what a long run would do, from the first
records, with nothing written. In-process calls of tuneprep.pipelines.cli.main, as in test_cli.py."""
from __future__ import annotations

import orjson

from tuneprep.pipelines.cli import main

from tests.helpers import REPO, SAMPLES, write_jsonl

ALPACA = SAMPLES / "alpaca_sample.jsonl"


def cli(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def _field(out: str, prefix: str) -> list[str]:
    return [line.split(": ", 1)[1] for line in out.splitlines()
            if line.strip().startswith(prefix)]


# ---------------------------------------------------------------- inspect

def test_inspect_shows_format_adapter_and_records_as_canonical_and_target(capsys):
    code, out, err = cli(capsys, "inspect", ALPACA, "--target", "bedrock-text", "--records", 2)
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == f"== {ALPACA}"
    assert lines[1] == "   container: jsonl"
    assert lines[2].startswith("   adapter:   alpaca  [detected from the first 20 records")
    assert lines[3] == "   field map: none"
    source = [orjson.loads(x) for x in ALPACA.read_bytes().splitlines()[:2]]
    canon = [orjson.loads(x) for x in _field(out, "canonical:")]
    target = [orjson.loads(x) for x in _field(out, "bedrock-text:")]
    assert len(canon) == len(target) == 2
    for raw, c, t in zip(source, canon, target):
        assert c["turns"][0] == ["user", raw["instruction"]]
        assert c["turns"][-1] == ["assistant", raw["output"]]
        assert t == {"prompt": raw["instruction"], "completion": raw["output"]}


def test_inspect_without_target_shows_canonical_only_and_dead_letters(tmp_path, capsys):
    path = write_jsonl(tmp_path / "qa.jsonl", [{"question": "q1", "answer": "a1"},
                                              {"question": "", "answer": "a2"}])
    with open(path, "ab") as f:
        f.write(b"{not json\n")
    code, out, _ = cli(capsys, "inspect", path, "--input-format", "alpaca",
                       "--field-map", "instruction=question,output=answer", "--records", 5)
    assert code == 0
    assert "[forced with --input-format]" in out
    assert "   field map: instruction=question, output=answer" in out
    assert len(_field(out, "canonical:")) == 1
    assert "bedrock" not in out
    dead = _field(out, "dead letter:")
    assert dead[0].startswith("empty_field (normalize)")
    assert dead[1].startswith("invalid_json (read)")


def test_inspect_shows_the_target_refusal_and_cuts_long_text(tmp_path, capsys):
    path = write_jsonl(tmp_path / "chat.jsonl", [
        {"messages": [{"role": "user", "content": "x" * 1000}]}])
    code, out, _ = cli(capsys, "inspect", path, "--target", "bedrock-multi-turn")
    assert code == 0
    assert _field(out, "dead letter:")[0].startswith("ends_with_user (format)")
    assert "… (1,000 chars)" in _field(out, "canonical:")[0]
    code, out, _ = cli(capsys, "inspect", path, "--full")
    assert "x" * 1000 in out


def test_inspect_usage_errors(tmp_path, capsys):
    code, _, err = cli(capsys, "inspect", tmp_path / "missing.jsonl")
    assert code == 2 and "no such file" in err
    code, _, err = cli(capsys, "inspect", ALPACA, "--target", "bedrock-pretrain",
                       "--model", "claude-3-haiku")
    assert code == 2 and err.startswith("error: --model claude-3-haiku does not take")


# ---------------------------------------------------------------- run --dry-run

def test_dry_run_prints_the_plan_and_writes_nothing(tmp_path, capsys):
    out_dir = tmp_path / "out"
    code, out, err = cli(capsys, "run", "--input", ALPACA, "--input", SAMPLES / "shakespeare.txt",
                         "--target", "bedrock-text", "--model", "titan-text-express",
                         "--validation-split", "0.1", "--output", out_dir, "--dry-run")
    assert code == 0 and err == ""
    assert not out_dir.exists()
    lines = out.splitlines()
    assert lines[0] == "dry run: nothing is written"
    assert "      jsonl, adapter alpaca: 94 read, 91 accepted, 3 dead letters (empty_field 1, " \
           "invalid_json 1, wrong_type 1)" in lines
    assert "      text, adapter text: 1 read, 0 accepted, 1 dead letters " \
           "(not_a_conversation 1)" in lines
    assert "target: bedrock-text (text-to-text)" in lines
    assert "model: titan-text-express" in lines
    assert any("4,096 tokens a record: records over 22,118 characters" in x for x in lines)
    for name in ("train/train.jsonl", "validation/validation.jsonl",
                 "dead_letter/dead_letter.jsonl", "report.html", "_SUCCESS"):
        assert f"  {name}" in lines
    assert ("sample: 95 records: 91 accepted (written: train 83, validation 8), 4 dead letters "
            "(empty_field 1, invalid_json 1, not_a_conversation 1, wrong_type 1)") in lines


def test_dry_run_samples_only_the_first_records(tmp_path, capsys):
    path = write_jsonl(tmp_path / "big.jsonl", ({"prompt": f"p{i}", "completion": f"c{i}"}
                                                for i in range(1000)))
    code, out, _ = cli(capsys, "run", "--input", path, "--target", "sagemaker-instruction",
                       "--output", tmp_path / "out", "--num-shards", "3", "--dry-run")
    assert code == 0 and not (tmp_path / "out").exists()
    assert "100 read, 100 accepted" in out
    assert "  train/part-00000-of-00003.jsonl … part-00002-of-00003.jsonl" in out.splitlines()
    assert "  train/template.json" in out.splitlines()


def test_dry_run_notes_unchecked_images_only_when_the_sample_has_some(tmp_path, capsys):
    note = "note: images are neither checked nor uploaded in a dry run"
    chat = [{"messages": [{"role": "user", "content": "<image>What?"},
                          {"role": "assistant", "content": "A cat."}]}]
    text_only = write_jsonl(tmp_path / "text.jsonl", chat)
    # (an s3:// image: a dry run reads no store; a local one it checks, as below)
    with_image = write_jsonl(tmp_path / "img.jsonl",
                             [{**chat[0], "images": ["s3://tp-bucket/cat.jpg"]}])
    code, out, _ = cli(capsys, "run", "--input", text_only, "--target", "bedrock-conversation",
                       "--output", tmp_path / "o1", "--dry-run")
    assert code == 0 and note not in out
    code, out, _ = cli(capsys, "run", "--input", with_image, "--target", "bedrock-conversation",
                       "--output", tmp_path / "o2", "--dry-run")
    assert code == 0 and note in out.splitlines()


def test_dry_run_and_inspect_check_local_images_of_every_image_target(tmp_path, capsys):
    """bedrock-conversation's local images go through the run's staging step with uploads off,
    as bedrock-image's: checked as the run checks them, named where the run would upload them,
    nothing written (they were not read before, and the record named a local path)."""
    from PIL import Image
    Image.new("RGB", (64, 48), (30, 60, 90)).save(tmp_path / "cat.jpg", format="JPEG")
    (tmp_path / "tiny.jpg").write_bytes((tmp_path / "cat.jpg").read_bytes()[:40])
    chat = {"messages": [{"role": "user", "content": "<image>What?"},
                         {"role": "assistant", "content": "A cat."}]}
    path = write_jsonl(tmp_path / "img.jsonl", [{**chat, "images": [str(tmp_path / name)]}
                                                for name in ("cat.jpg", "tiny.jpg")])
    code, out, _ = cli(capsys, "run", "--input", path, "--target", "bedrock-conversation",
                       "--output", tmp_path / "out", "--dry-run")
    assert code == 0 and not (tmp_path / "out").exists()
    assert "2 read, 1 accepted, 1 dead letters (image_unreadable 1)" in out
    assert "note: 1 local image(s) checked as the run checks them" in out
    assert "neither checked nor uploaded" not in out
    code, out, _ = cli(capsys, "inspect", path, "--target", "bedrock-conversation")
    written = [orjson.loads(x) for x in _field(out, "bedrock-conversation:")]
    assert code == 0 and len(written) == 1
    uri = written[0]["messages"][0]["content"][0]["image"]["source"]["s3Location"]["uri"]
    assert uri.startswith("s3://image-uri-prefix/images/") and uri.endswith(".jpg")


def test_dry_run_refuses_what_the_run_refuses(tmp_path, capsys):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    (out_dir / "keep.txt").write_text("mine")
    code, out, err = cli(capsys, "run", "--input", ALPACA, "--target", "bedrock-text",
                         "--output", out_dir, "--dry-run")
    assert code == 2 and "--overwrite" in err
    assert sorted(p.name for p in out_dir.iterdir()) == ["keep.txt"]
    code, out, err = cli(capsys, "run", "--input", ALPACA, "--target", "bedrock-text",
                         "--output", out_dir, "--dry-run", "--overwrite")
    assert code == 2 and "keep.txt" in err   # --overwrite replaces a dataset, not a user's file
    assert sorted(p.name for p in out_dir.iterdir()) == ["keep.txt"]   # still nothing written
    (out_dir / "keep.txt").unlink()
    code, _, err = cli(capsys, "run", "--input", ALPACA, "--target", "bedrock-text",
                       "--output", out_dir)   # a dataset tuneprep wrote (its manifest proves it)
    assert code == 0, err
    before = sorted(p.name for p in out_dir.iterdir())
    code, out, err = cli(capsys, "run", "--input", ALPACA, "--target", "bedrock-text",
                         "--output", out_dir, "--dry-run", "--overwrite")
    assert code == 0 and "would replace" in out
    assert sorted(p.name for p in out_dir.iterdir()) == before
    code, _, err = cli(capsys, "run", "--input", ALPACA, "--target", "bedrock-image",
                       "--validation-split", "0.1", "--output", tmp_path / "x", "--dry-run")
    assert code == 2 and "takes no validation set" in err and not (tmp_path / "x").exists()


def test_dry_run_warns_when_the_sample_is_mostly_dead_letters(tmp_path, capsys):
    code, out, _ = cli(capsys, "run", "--input", ALPACA, "--target", "bedrock-pretrain",
                       "--input-format", "messages", "--max-dead-letter-ratio", "0.1",
                       "--output", tmp_path / "out", "--dry-run", "--keep-going")
    assert code == 0   # without --keep-going the launch refuses it (test_hopeless_input.py)
    assert "over --max-dead-letter-ratio 0.1: the run would likely fail" in out
    assert "no sampled record was accepted" in out


def test_inspect_shows_a_tool_use_record_as_the_target_writes_it(capsys):
    """A record with parallel tool calls: the canonical parts, then the Converse record with
    toolConfig, toolUse and the merged toolResults, as bedrock-conversation writes it for Nova 2
    Lite (the Nova that takes tool blocks); the next record as its dead letter. For Nova 1 Lite
    both are tool_turn dead letters."""
    source = REPO / "tests/fixtures/tools/openai_parallel.jsonl"
    code, out, err = cli(capsys, "inspect", source, "--target", "bedrock-conversation",
                         "--model", "nova-lite", "--records", 2)
    assert code == 0, err
    assert [line.split(" (")[0] for line in _field(out, "dead letter:")] == ["tool_turn"] * 2
    code, out, err = cli(capsys, "inspect", source, "--target", "bedrock-conversation",
                         "--model", "nova-2-lite", "--records", 2)
    assert code == 0, err
    canon = orjson.loads(_field(out, "canonical:")[0])
    assert [role for role, _ in canon["turns"]] == ["system", "user", "tool_call", "tool_call",
                                                    "tool", "tool", "assistant"]
    written = orjson.loads(_field(out, "bedrock-conversation:")[0])
    assert written["toolConfig"]["tools"][0]["toolSpec"]["name"] == "get_weather"
    assert [[next(iter(block)) for block in m["content"]] for m in written["messages"]] == [
        ["text"], ["toolUse", "toolUse"], ["toolResult", "toolResult"], ["text"]]
    assert [line.split(" (")[0] for line in _field(out, "dead letter:")] == [
        "bad_tool_definition"]   # the next record's tool has no description
