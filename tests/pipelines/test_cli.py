"""End-to-end tests of the `tuneprep` command line: real runs on Beam's DirectRunner, no mocks.

`tuneprep.pipelines.cli.main` is called in-process (fast); one test runs `python -m tuneprep.pipelines.cli` as a
subprocess to prove the entry point works. Only the bundled samples/ and files made in tmp_path
are used (the shared corpora are in test_corpora_e2e.py)."""
from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from tuneprep.pipelines.cli import main
from tuneprep.transforms.core.records import REASONS
from tuneprep.transforms.targets import TARGETS
from tuneprep.transforms.core.context import TargetContext
from tuneprep.transforms.targets.sagemaker_instruction import parse_template, placeholders

from tests.helpers import (
    REPO, SAMPLES, check_counts, check_manifest, layout, read_json, read_jsonl, stable_files,
    write_jsonl)

ALPACA = SAMPLES / "alpaca_sample.jsonl"
SINGLE = ["train/train.jsonl", "dead_letter/dead_letter.jsonl", "manifest.json", "report.json",
          "training-request.json",
          "report.html",
          "_SUCCESS"]


# --- helpers ------------------------------------------------------------------------------------

def cli(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def run(capsys, out: Path, *args) -> tuple[int, str, str]:
    return cli(capsys, "run", "--output", out, *args)


def ok_run(capsys, out: Path, *args) -> dict:
    """A run that must succeed; returns its report after the checks every good run passes."""
    code, stdout, err = run(capsys, out, *args)
    assert code == 0, err
    report = read_json(out / "report.json")
    refused = report["dead_letter_records"] - report["dead_letter_reasons"].get("not_selected", 0)
    many = refused > 0.10 * report["input_records"]   # complete, but said so (and why)
    assert report["status"] == ("completed with many dead letters" if many else "succeeded")
    assert report["errors"] == []
    assert err == "".join(
        f"warning: many dead letters: {a['reason']} {a['records']:,} ({a['share']:.1%}): "
        f"{a['fix'] or a['meaning'] + ' (see the examples in report.html)'}\n"
        for a in report.get("dead_letter_advice", []))
    assert (out / "_SUCCESS").is_file() and (out / "_SUCCESS").read_bytes() == b""
    check_counts(report)
    check_manifest(out)
    assert stdout.splitlines()[0] == summary_line(report)
    assert stdout.splitlines()[1].startswith(f"dataset: {out} ")
    return report


def summary_line(report: dict) -> str:
    splits = ", ".join(f"{k} {v:,}" for k, v in sorted(report["output_records"].items()))
    reasons = ", ".join(f"{k} {v:,}" for k, v in sorted(report["dead_letter_reasons"].items()))
    return (f"records in: {report['input_records']:,}; accepted: {report['accepted_records']:,}; "
            f"written: {splits or 'none'}; dead letters: {report['dead_letter_records']:,}"
            + (f" ({reasons})" if reasons else "")
            + (f"; sampled out: {report['sampled_out_records']:,} (--sample-to-quota)"
               if report["sampled_out_records"] else "")
            + (f"; completed with many dead letters "
               f"({report['dead_letter_records'] / report['input_records']:.1%} of the records, "
               "over 10%: see report.html)"
               if report["status"] == "completed with many dead letters" else ""))


def data_files(out: Path) -> list[Path]:
    return [p for p in sorted(out.rglob("*.jsonl")) if p.parent.name in ("train", "validation")]


def assert_valid(out: Path, target: str, ctx: TargetContext | None = None) -> int:
    """Every written train/validation line passes the target's own line check; returns lines."""
    ctx = ctx or TargetContext()
    lines = 0
    for path in data_files(out):
        for number, line in enumerate(path.read_bytes().splitlines(), 1):
            assert TARGETS[target].validate_line(line, ctx) == [], f"{path}:{number}"
            lines += 1
    return lines


def dead_letters(out: Path) -> list[dict]:
    return read_jsonl(out / "dead_letter" / "dead_letter.jsonl")


def messages(*turns) -> dict:
    return {"messages": [{"role": role, "content": content} for role, content in turns]}


def single_turn_corpus(path: Path, n: int) -> Path:
    return write_jsonl(path, (messages(("user", f"q{i}"), ("assistant", f"a{i}"))
                              for i in range(n)))


# --- the sample run -------------------------------------------------------------------------------

@pytest.mark.slow
def test_sample_run(tmp_path, capsys):
    out = tmp_path / "out"
    report = ok_run(capsys, out, "--input", ALPACA, "--target", "bedrock-text",
                    "--validation-split", "0.1")
    assert layout(out) == sorted(SINGLE + ["validation/validation.jsonl"])
    assert report["input_records"] == 94
    assert report["accepted_records"] == 91
    assert report["dead_letter_records"] == 3
    assert report["output_records"] == {"train": 83, "validation": 8}
    assert report["dead_letter_reasons"] == {"empty_field": 1, "invalid_json": 1, "wrong_type": 1}
    assert report["dead_letter_stages"] == {"normalize": 2, "read": 1}
    assert report["files"] == {str(ALPACA): {"input_records": 94, "accepted_records": 91,
                                             "dead_letter_records": 3, "adapter": "alpaca"}}

    dead = dead_letters(out)
    assert [(d["reason"], d["stage"], d["source"]) for d in dead] == [
        ("empty_field", "normalize", {"uri": str(ALPACA), "line": 92}),
        ("invalid_json", "read", {"uri": str(ALPACA), "line": 93}),
        ("wrong_type", "normalize", {"uri": str(ALPACA), "line": 94})]
    source_lines = ALPACA.read_text().splitlines()
    for d in dead:
        assert set(d) == {"reason", "stage", "message", "source", "raw"}
        line = source_lines[d["source"]["line"] - 1]
        if d["reason"] == "invalid_json":   # the line as it was
            assert d["raw"] == line
        else:                               # the parsed record, serialized again
            assert orjson.loads(d["raw"]) == orjson.loads(line)
        assert d["message"] and "\n" not in d["message"]

    assert assert_valid(out, "bedrock-text") == 91
    train, validation = read_jsonl(out / "train/train.jsonl"), read_jsonl(
        out / "validation/validation.jsonl")
    assert len(train) == 83 and len(validation) == 8
    assert all(set(obj) == {"prompt", "completion"} for obj in train + validation)
    manifest = check_manifest(out)
    assert manifest["options"]["target"] == "bedrock-text"
    assert manifest["options"]["validation_split"] == 0.1
    assert manifest["inputs"] == [str(ALPACA)]


@pytest.mark.slow
def test_same_inputs_give_byte_identical_files(tmp_path, capsys):
    args = ("--input", ALPACA, "--target", "bedrock-text", "--validation-split", "0.1")
    ok_run(capsys, tmp_path / "a", *args)
    ok_run(capsys, tmp_path / "b", *args)
    files = ["train/train.jsonl", "validation/validation.jsonl", "dead_letter/dead_letter.jsonl"]
    for name in files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    manifests = [{f["path"]: f["sha256"] for f in stable_files(
        read_json(tmp_path / d / "manifest.json")["files"])} for d in ("a", "b")]
    assert manifests[0] == manifests[1]


def test_non_empty_output_needs_overwrite(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    code, stdout, err = run(capsys, out, "--input", ALPACA, "--target", "bedrock-text")
    assert code == 2 and stdout == ""
    assert err.count("\n") == 1 and err.startswith("error: ") and "--overwrite" in err
    assert layout(out) == ["keep.txt"] and (out / "keep.txt").read_text() == "mine"

    # --overwrite replaces a dataset, never the user's own files
    code, stdout, err = run(capsys, out, "--input", ALPACA, "--target", "bedrock-text",
                            "--overwrite")
    assert code == 2 and err.count("\n") == 1 and "keep.txt" in err
    assert layout(out) == ["keep.txt"] and (out / "keep.txt").read_text() == "mine"


@pytest.mark.slow
def test_overwrite_replaces_a_previous_dataset(tmp_path, capsys):
    out = tmp_path / "out"
    ok_run(capsys, out, "--input", ALPACA, "--target", "bedrock-text", "--validation-split", "0.1")
    ok_run(capsys, out, "--input", ALPACA, "--target", "bedrock-text", "--overwrite")
    assert layout(out) == sorted(SINGLE)   # the old validation/ is gone


# --- usage errors -------------------------------------------------------------------------------

def _template(tmp_path: Path, obj) -> Path:
    path = tmp_path / "template.json"
    path.write_bytes(orjson.dumps(obj))
    return path


USAGE_ERRORS = {
    "unknown target": (["--input", ALPACA, "--target", "nope"], "--target nope: unknown; see `tuneprep targets`"),
    "unknown model": (["--input", ALPACA, "--target", "bedrock-text", "--model", "gpt-9"],
                      "--model gpt-9: unknown; see `tuneprep targets bedrock-text`"),
    "model does not take the target": (
        ["--input", ALPACA, "--target", "bedrock-text", "--model", "claude-3-haiku"],
        "--model claude-3-haiku does not take --target bedrock-text; "
        "it takes: bedrock-multi-turn, bedrock-single-turn"),
    "validation with bedrock-image": (
        ["--input", SAMPLES / "captions.jsonl", "--target", "bedrock-image",
         "--validation-split", "0.1"], "bedrock-image takes no validation set"),
    "validation with a model that takes none": (   # the target takes one, Nova 2 Lite none
        ["--input", SAMPLES / "chat_sample.jsonl", "--target", "bedrock-conversation",
         "--model", "nova-2-lite", "--validation-split", "0.1"],
        "nova-2-lite takes no validation set"),
    "an image model on a text target": (   # no customization table lists it as text-to-text
        ["--input", SAMPLES / "captions.jsonl", "--target", "bedrock-text",
         "--model", "titan-image-generator"],
        "--model titan-image-generator does not take --target bedrock-text; it takes: "
        "bedrock-image"),
    "split of 1": (["--input", ALPACA, "--target", "bedrock-text", "--validation-split", "1"],
                   "--validation-split must be at least 0 and below 1"),
    "shards for a one-file target": (
        ["--input", ALPACA, "--target", "bedrock-text", "--num-shards", "3"],
        "--num-shards: bedrock-text writes exactly one file per split"),
    "zero shards": (["--input", ALPACA, "--target", "sagemaker-instruction", "--num-shards", "0"],
                    "--num-shards must be at least 1"),
    "template placeholder with a dot": (
        ["--input", ALPACA, "--target", "sagemaker-instruction", "--template",
         {"prompt": "{a.b}", "completion": "{response}"}], "has the placeholder {a.b}"),
    "template with an extra key": (
        ["--input", ALPACA, "--target", "sagemaker-instruction", "--template",
         {"prompt": "{instruction}", "completion": "{response}", "extra": "x"}],
        "must have exactly the keys prompt and completion, not completion, extra, prompt"),
    "template for another target": (
        ["--input", ALPACA, "--target", "bedrock-text", "--template", SAMPLES / "template.json"],
        "--template is for --target sagemaker-instruction"),
    "image prefix for a text target": (
        ["--input", ALPACA, "--target", "bedrock-text", "--image-uri-prefix", "s3://my-bucket/images"],
        "--image-uri-prefix is for targets that take images (bedrock-image, "
        "bedrock-conversation), not --target bedrock-text"),
    "image prefix for a text-only Converse model": (
        ["--input", ALPACA, "--target", "bedrock-conversation", "--model", "nova-micro",
         "--image-uri-prefix", "s3://my-bucket/images"], "--image-uri-prefix: --model nova-micro takes "
                                                 "no images"),
    "missing template": (["--input", ALPACA, "--target", "sagemaker-instruction", "--template",
                          "no/such/template.json"], "No such file or directory"),
    "missing input": (["--input", SAMPLES / "nope.jsonl", "--target", "bedrock-text"],
                      f"--input {SAMPLES / 'nope.jsonl'}: no such file or folder"),
    "glob matching nothing": (["--input", SAMPLES / "*.nothing", "--target", "bedrock-text"],
                              "matches no file"),
    "unknown repair": (["--input", ALPACA, "--target", "bedrock-multi-turn", "--repair", "fix_all"],
                       "--repair fix_all: unknown"),
    "bad field map": (["--input", ALPACA, "--target", "bedrock-text", "--field-map", "instruction"],
                      "--field-map: 'instruction' is not NAME=VALUE"),
    "multi_threading (one token)": (
        ["--input", ALPACA, "--target", "bedrock-text", "--direct_running_mode=multi_threading"],
        "--direct_running_mode=multi_threading lost records"),
    "multi_threading (two tokens)": (
        ["--input", ALPACA, "--target", "bedrock-text", "--direct_running_mode", "multi_threading"],
        "--direct_running_mode=multi_threading lost records"),
}


@pytest.mark.parametrize("case", list(USAGE_ERRORS))
def test_usage_errors(case, tmp_path, capsys):
    argv, expected = USAGE_ERRORS[case]
    argv = [_template(tmp_path, a) if isinstance(a, dict) else a for a in argv]
    out = tmp_path / "out"
    code, stdout, err = run(capsys, out, *argv)
    assert code == 2
    assert stdout == ""
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert expected in err
    assert not out.exists()   # nothing was touched


@pytest.mark.parametrize("extra", [["--validaton-split", "0.1"],
                                   ["--image-uri-prefx", "s3://bucket/images/"]])
def test_unknown_options_are_usage_errors(extra, tmp_path, capsys):
    out = tmp_path / "out"
    code, _, err = run(capsys, out, "--input", SAMPLES / "captions.jsonl",
                       "--target", "bedrock-image", *extra)
    assert code == 2 and err.startswith("error: ") and extra[0] in err
    assert not out.exists()


def test_usage_errors_of_the_other_commands(capsys):
    code, stdout, err = cli(capsys, "targets", "--runner", "DataflowRunner")
    # (DataflowRunner is taken for the TARGET `targets` takes)
    assert code == 2 and err == ("error: option --runner: unknown; see `tuneprep targets "
                                 "--help`\n")
    code, stdout, err = cli(capsys, "validate", "--target", "nope", ALPACA)
    assert code == 2 and "--target nope: unknown" in err   # as for run
    assert err.startswith("error: ") and err.count("\n") == 1
    code, stdout, err = cli(capsys, "validate", "--target", "bedrock-text", SAMPLES / "nope.jsonl")
    assert code == 2 and err.count("\n") == 1 and "no such file or folder" in err


# --- targets --------------------------------------------------------------------------------------

@pytest.mark.slow
def test_sagemaker_shards_and_template(tmp_path, capsys):
    out = tmp_path / "out"
    template = SAMPLES / "template.json"
    report = ok_run(capsys, out, "--input", ALPACA, "--target", "sagemaker-instruction",
                    "--num-shards", "3", "--template", template)
    shards = [f"train/part-{i:05d}-of-00003.jsonl" for i in range(3)]
    assert layout(out) == sorted(shards + ["train/template.json", "dead_letter/dead_letter.jsonl",
                                           "manifest.json", "report.json", "report.html",
                                           "training-request.json", "_SUCCESS"])
    expected_template = parse_template(template.read_text())
    assert orjson.loads((out / "train/template.json").read_bytes()) == expected_template
    sizes = [len(read_jsonl(out / shard)) for shard in shards]
    assert sum(sizes) == report["output_records"]["train"] == 91
    assert max(sizes) - min(sizes) <= 1
    names = set(placeholders(expected_template))
    assert names == {"instruction", "context", "response"}
    for shard in shards:
        assert all(set(obj) == names for obj in read_jsonl(out / shard))
    assert assert_valid(out, "sagemaker-instruction", TargetContext(template=expected_template)) == 91
    # shards in order hold the records in input order
    first = read_jsonl(out / shards[0])[0]
    assert first["instruction"] == orjson.loads(ALPACA.read_text().splitlines()[0])["instruction"]


@pytest.mark.slow
def test_sagemaker_shards_with_validation(tmp_path, capsys):
    out = tmp_path / "out"
    ok_run(capsys, out, "--input", ALPACA, "--target", "sagemaker-instruction",
           "--num-shards", "2", "--validation-split", "0.1")
    assert [p for p in layout(out) if p.startswith("validation/")] == [
        "validation/part-00000-of-00002.jsonl", "validation/part-00001-of-00002.jsonl",
        "validation/template.json"]
    assert assert_valid(out, "sagemaker-instruction") == 91


@pytest.mark.parametrize("placeholder", ["question", "ask"])
@pytest.mark.slow
def test_sagemaker_placeholder_map(placeholder, tmp_path, capsys):
    template = {"prompt": f"Q: {{{placeholder}}}\nA:", "completion": " {response}"}
    path = _template(tmp_path, template)
    out = tmp_path / "out"
    report = ok_run(capsys, out, "--input", ALPACA, "--target", "sagemaker-instruction",
                    "--template", path, "--placeholder-map", f"{placeholder}=instruction")
    assert report["accepted_records"] == 91
    source = [orjson.loads(line) for line in ALPACA.read_text().splitlines()[:91]]
    written = read_jsonl(out / "train/part-00000-of-00001.jsonl")
    assert written == [{placeholder: s["instruction"], "response": s["output"]} for s in source]
    assert orjson.loads((out / "train/template.json").read_bytes()) == template
    assert read_json(out / "manifest.json")["options"]["placeholder_map"] == {
        placeholder: "instruction"}


def test_sagemaker_unmapped_placeholder_is_a_dead_letter(tmp_path, capsys):
    path = _template(tmp_path, {"prompt": "Q: {ask}", "completion": " {response}"})
    out = tmp_path / "out"
    code, _, err = run(capsys, out, "--input", ALPACA, "--target", "sagemaker-instruction",
                       "--template", path)
    assert code == 1
    report = read_json(out / "report.json")
    assert report["dead_letter_reasons"] == {"template_field": 91, "empty_field": 1,
                                             "invalid_json": 1, "wrong_type": 1}
    assert "no record was accepted" in err


@pytest.mark.slow
def test_pretrain_chunks(tmp_path, capsys):
    out = tmp_path / "out"
    source = (SAMPLES / "shakespeare.txt").read_text()
    report = ok_run(capsys, out, "--input", SAMPLES / "shakespeare.txt", "--target",
                    "bedrock-pretrain", "--chunk-chars", "2000")
    assert report["input_records"] == report["accepted_records"] == 1   # one record per file
    chunks = [obj["input"] for obj in read_jsonl(out / "train/train.jsonl")]
    assert report["output_records"]["train"] == len(chunks) > 1
    assert len(chunks) >= len(source) // 2000
    assert all(0 < len(chunk) <= 2000 for chunk in chunks)
    # chunking cuts at bounds and loses no text but the whitespace at a cut
    assert "".join("".join(chunks).split()) == "".join(source.split())
    assert assert_valid(out, "bedrock-pretrain") == len(chunks)


def test_pretrain_line_units(tmp_path, capsys):
    out = tmp_path / "out"
    report = ok_run(capsys, out, "--input", SAMPLES / "c4_sample.jsonl", "--input",
                    SAMPLES / "shakespeare.txt", "--target", "bedrock-pretrain",
                    "--model", "titan-text-express")
    assert report["input_records"] == 31 and report["dead_letter_records"] == 0
    assert report["output_records"]["train"] >= 31
    assert assert_valid(out, "bedrock-pretrain") == report["output_records"]["train"]


@pytest.mark.slow
def test_multi_turn_samples(tmp_path, capsys):
    report = ok_run(capsys, tmp_path / "chat", "--input", SAMPLES / "chat_sample.jsonl",
                    "--target", "bedrock-multi-turn")
    assert (report["input_records"], report["accepted_records"]) == (60, 60)
    assert assert_valid(tmp_path / "chat", "bedrock-multi-turn") == 60
    first = read_jsonl(tmp_path / "chat/train/train.jsonl")[0]
    assert first["system"] == "You are a bot that can handle different requests with tools."
    assert [m["role"] for m in first["messages"]] == ["user", "assistant"]

    report = ok_run(capsys, tmp_path / "toy", "--input", SAMPLES / "openai_toy_chat.jsonl",
                    "--target", "bedrock-multi-turn")
    # record 4 is a system prompt then an assistant turn, with no user turn
    assert report["input_records"] == 12 and report["accepted_records"] == 11
    assert report["dead_letter_reasons"] == {"starts_with_assistant": 1}
    assert dead_letters(tmp_path / "toy")[0]["source"]["line"] == 4
    assert assert_valid(tmp_path / "toy", "bedrock-multi-turn") == 11


ROLE_PROBLEMS = [
    ("system_not_first", messages(("user", "u1"), ("assistant", "a1"), ("system", "be brief"),
                                  ("user", "u2"), ("assistant", "a2"))),
    ("consecutive_roles", messages(("user", "u1"), ("user", "u2"), ("assistant", "a1"))),
    ("starts_with_assistant", messages(("assistant", "a0"), ("user", "u1"), ("assistant", "a1"))),
    ("ends_with_user", messages(("user", "u1"), ("assistant", "a1"), ("user", "u2"))),
    ("tool_turn", {"messages": [
        {"role": "user", "content": "what is 6 x 7?"},
        {"role": "assistant", "content": "calling mul",
         "tool_calls": [{"id": "c1", "type": "function",
                         "function": {"name": "mul", "arguments": "{\"a\": 6, \"b\": 7}"}}]},
        {"role": "tool", "content": "42", "tool_call_id": "c1"},
        {"role": "assistant", "content": "42"}]}),
    (None, messages(("user", "fine"), ("assistant", "good"))),
]


def test_multi_turn_role_problems(tmp_path, capsys):
    path = write_jsonl(tmp_path / "roles.jsonl", [obj for _, obj in ROLE_PROBLEMS])
    out = tmp_path / "out"
    report = ok_run(capsys, out, "--input", path, "--target", "bedrock-multi-turn")
    problems = [reason for reason, _ in ROLE_PROBLEMS if reason]
    assert report["dead_letter_reasons"] == {reason: 1 for reason in problems}
    assert [(d["reason"], d["stage"], d["source"]["line"]) for d in dead_letters(out)] == [
        (reason, "format", line) for line, reason in enumerate(problems, 1)]
    assert read_jsonl(out / "train/train.jsonl") == [ROLE_PROBLEMS[-1][1]]


def test_multi_turn_repairs(tmp_path, capsys):
    path = write_jsonl(tmp_path / "roles.jsonl", [obj for _, obj in ROLE_PROBLEMS])
    out = tmp_path / "out"
    report = ok_run(capsys, out, "--input", path, "--target", "bedrock-multi-turn",
                    "--repair", "merge_consecutive,drop_trailing_user")
    assert report["dead_letter_reasons"] == {"system_not_first": 1, "starts_with_assistant": 1,
                                             "tool_turn": 1}
    assert read_jsonl(out / "train/train.jsonl") == [
        messages(("user", "u1\n\nu2"), ("assistant", "a1")),
        messages(("user", "u1"), ("assistant", "a1")),
        messages(("user", "fine"), ("assistant", "good"))]
    assert read_json(out / "manifest.json")["options"]["repair"] == [
        "merge_consecutive", "drop_trailing_user"]
    assert assert_valid(out, "bedrock-multi-turn") == 3


# --- model limits and quotas --------------------------------------------------------------------

@pytest.mark.slow
def test_too_few_records_for_the_model_fails(tmp_path, capsys):
    path = single_turn_corpus(tmp_path / "five.jsonl", 5)
    out = tmp_path / "out"
    code, stdout, err = run(capsys, out, "--input", path, "--target", "bedrock-single-turn",
                            "--model", "claude-3-haiku")
    assert code == 1
    report = read_json(out / "report.json")
    assert report["status"] == "failed"
    assert report["errors"] == ["train has 5 records; claude-3-haiku needs at least 32"]
    assert "error: train has 5 records; claude-3-haiku needs at least 32\n" in err
    assert "no _SUCCESS" in err.splitlines()[-1]
    assert stdout.startswith("records in: 5; accepted: 5;")
    assert not (out / "_SUCCESS").exists() and not (out / "train").exists()
    assert layout(out) == ["dead_letter/dead_letter.jsonl", "manifest.json", "report.html",
                           "report.json"]
    check_counts(report)
    check_manifest(out)


@pytest.mark.slow
def test_enough_records_for_the_model(tmp_path, capsys):
    path = single_turn_corpus(tmp_path / "forty.jsonl", 40)
    out = tmp_path / "out"
    report = ok_run(capsys, out, "--input", path, "--target", "bedrock-single-turn",
                    "--model", "claude-3-haiku", "--sample-to-quota")
    assert report["output_records"] == {"train": 40} and report["dead_letter_records"] == 0
    assert assert_valid(out, "bedrock-single-turn") == 40


def test_max_tokens_makes_long_records_dead_letters(tmp_path, capsys):
    out = tmp_path / "out"
    report = ok_run(capsys, out, "--input", ALPACA, "--target", "bedrock-text",
                    "--max-tokens", "10")
    limit = int(10 * 6 * (1 - 0.1))   # tokens x chars/token x (1 - margin) = 54 characters
    train = read_jsonl(out / "train/train.jsonl")
    too_long = [d for d in dead_letters(out) if d["reason"] == "too_long"]
    assert report["dead_letter_reasons"]["too_long"] == len(too_long) > 0
    assert len(train) + len(too_long) == 91
    assert all(len(obj["prompt"]) + len(obj["completion"]) <= limit for obj in train)
    assert all(d["stage"] == "validate" and f"the limit is {limit} characters" in d["message"]
               for d in too_long)
    assert read_json(out / "manifest.json")["options"]["max_chars"] == limit
    assert assert_valid(out, "bedrock-text", TargetContext(max_chars=limit)) == len(train)


@pytest.mark.slow
def test_sample_to_quota_down_samples(tmp_path, capsys):
    n = 10_050
    path = single_turn_corpus(tmp_path / "many.jsonl", n)
    args = ("--input", path, "--target", "bedrock-single-turn", "--model", "claude-3-haiku")

    code, _, err = run(capsys, tmp_path / "refused", *args)
    assert code == 1 and "use --sample-to-quota" in err
    hint = " (use --sample-to-quota to down-sample deterministically)"
    assert read_json(tmp_path / "refused/report.json")["errors"] == [   # over both quotas
        "train has 10,050 records; claude-3-haiku takes at most 10,000" + hint,
        "train and validation hold 10,050 records together; claude-3-haiku takes at most 10,000"
        + hint]
    assert not (tmp_path / "refused/train").exists()

    out = tmp_path / "out"
    code, stdout, err = run(capsys, out, *args, "--sample-to-quota")
    assert code == 0, err
    assert stdout.startswith("records in: 10,050; accepted: 10,000; written: train 10,000; dead "
                             "letters: 0; sampled out: 50 (--sample-to-quota)\n")
    assert "sampled_out/" in stdout
    report = read_json(out / "report.json")
    train = read_jsonl(out / "train/train.jsonl")
    assert len(train) == report["output_records"]["train"] == 10_000
    assert report["accepted_records"] == 10_000 and report["sampled_out_records"] == 50
    assert report["dead_letter_reasons"] == {} and report["dead_letter_stages"] == {}
    assert report["input_records"] == n == report["accepted_records"] + report["sampled_out_records"]
    assert dead_letters(out) == []   # a down-sample is no refusal: nothing in dead_letter/
    left_out = read_jsonl(out / "sampled_out/sampled_out.jsonl")
    assert len(left_out) == 50 and all(set(d) == {"source"} for d in left_out)
    # the kept and the left-out records are the whole input, each once (line n holds q{n-1})
    kept = {obj["messages"][0]["content"] for obj in train}
    left = {f"q{d['source']['line'] - 1}" for d in left_out}
    assert len(kept) == 10_000 and not kept & left and kept | left == {f"q{i}" for i in range(n)}
    # kept records stay in input order
    order = [int(obj["messages"][0]["content"][1:]) for obj in train]
    assert order == sorted(order)


@pytest.mark.slow
def test_sample_to_quota_per_file_counts(tmp_path, capsys):
    path = single_turn_corpus(tmp_path / "many.jsonl", 10_050)
    out = tmp_path / "out"
    report = ok_run(capsys, out, "--input", path, "--target", "bedrock-single-turn",
                    "--model", "claude-3-haiku", "--sample-to-quota")
    per_file = report["files"][str(path)]
    assert per_file["accepted_records"] == report["accepted_records"] == 10_000
    assert per_file["sampled_out_records"] == report["sampled_out_records"] == 50
    assert per_file["dead_letter_records"] == report["dead_letter_records"] == 0


@pytest.mark.slow
def test_sample_to_quota_with_validation_meets_the_total(tmp_path, capsys):
    path = single_turn_corpus(tmp_path / "many.jsonl", 11_200)
    out = tmp_path / "out"
    report = ok_run(capsys, out, "--input", path, "--target", "bedrock-single-turn",
                    "--model", "claude-3-haiku", "--sample-to-quota", "--validation-split", "0.1")
    written = report["output_records"]
    assert written["train"] + written["validation"] <= 10_000
    assert written["validation"] <= 1_000


def test_all_records_bad_fails(tmp_path, capsys):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"instruction": "x"\n[1, 2]\n{"instruction": "", "output": ""}\n')
    out = tmp_path / "out"
    code, stdout, err = run(capsys, out, "--input", path, "--target", "bedrock-text",
                            "--keep-going")   # (else refused at the launch: none can be read)
    assert code == 1
    assert "error: no record was accepted into train" in err
    assert stdout.startswith("records in: 3; accepted: 0; written: nothing (the run failed); "
                             "dead letters: 3")
    report = read_json(out / "report.json")
    assert report["status"] == "failed" and report["accepted_records"] == 0
    assert report["input_records"] == report["dead_letter_records"] == 3
    check_counts(report)
    assert not (out / "_SUCCESS").exists()
    assert layout(out) == ["dead_letter/dead_letter.jsonl", "manifest.json", "report.html",
                           "report.json"]
    assert [d["source"]["line"] for d in dead_letters(out)] == [1, 2, 3]
    check_manifest(out)


# --- inputs ---------------------------------------------------------------------------------------

def test_field_map(tmp_path, capsys):
    rows = [{"question": f"What is {i} + {i}?", "answer": str(2 * i)} for i in range(12)]
    path = write_jsonl(tmp_path / "qa.jsonl", rows)
    out = tmp_path / "out"
    report = ok_run(capsys, out, "--input", path, "--target", "bedrock-text",
                    "--field-map", "instruction=question,response=answer")
    assert report["accepted_records"] == 12 and report["dead_letter_records"] == 0
    assert read_jsonl(out / "train/train.jsonl") == [
        {"prompt": row["question"], "completion": row["answer"]} for row in rows]
    assert read_json(out / "manifest.json")["options"]["field_map"] == {
        "instruction": "question", "response": "answer"}


def _mixed_folder(root: Path) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    data = root / "data"
    (data / "nested").mkdir(parents=True)
    with gzip.open(data / "a.jsonl.gz", "wb") as f:
        f.write(b"".join(orjson.dumps({"instruction": f"gz {i}", "input": "", "output": f"g{i}"})
                         + b"\n" for i in range(3)))
    (data / "b.csv").write_text('instruction,input,output\n'
                                '"two\nlines",,"an answer, with a comma"\n'
                                'plain,ctx,out\n', encoding="utf-8")
    pq.write_table(pa.table({"instruction": ["pq 0", "pq 1"], "input": ["", ""],
                             "output": ["p0", "p1"]}), data / "nested" / "c.parquet")
    (data / "README.md").write_text("# not data\n\nThis file describes the folder.\n")
    (data / "_hidden.jsonl").write_text('{"instruction": "hidden", "output": "no"}\n')
    return data


def test_folder_of_mixed_formats(tmp_path, capsys):
    data = _mixed_folder(tmp_path)
    out = tmp_path / "out"
    code, _, err = run(capsys, out, "--input", data, "--target", "bedrock-text")
    skipped = (f"--input {data}: skipped 1 file without a data extension: README.md (a folder "
               "reads .jsonl .ndjson .jsonlines .json .csv .tsv .parquet .pq .txt .text files; "
               "name a file to read it)")
    hidden = (f"--input {data}: skipped 1 hidden name: _hidden.jsonl (names starting with . or "
              "_ are not read; name one to read it)")
    assert code == 0 and err == f"warning: {skipped}\nwarning: {hidden}\n"   # named, and kept
    report = read_json(out / "report.json")
    assert report["warnings"] == [skipped, hidden]
    assert report["skipped_inputs"] == [
        {"path": str(data / "_hidden.jsonl"), "reason": "hidden name"},
        {"path": str(data / "README.md"), "reason": "no data extension"}]
    assert report["input_records"] == report["accepted_records"] == 7
    assert sorted(report["files"]) == sorted(str(data / name) for name in (
        "a.jsonl.gz", "b.csv", "nested/c.parquet"))
    prompts = [obj["prompt"] for obj in read_jsonl(out / "train/train.jsonl")]
    # files in sorted order, records in file order; the CSV's quoted newline survives
    assert prompts[:3] == ["gz 0", "gz 1", "gz 2"]
    assert prompts[3] == "two\nlines"
    assert prompts[4].startswith("plain") and "ctx" in prompts[4]
    assert prompts[5:] == ["pq 0", "pq 1"]
    assert read_jsonl(out / "train/train.jsonl")[3]["completion"] == "an answer, with a comma"
    assert read_json(out / "manifest.json")["inputs"] == sorted(report["files"])


def test_glob_input(tmp_path, capsys):
    for name in ("part-1.jsonl", "part-2.jsonl", "other.jsonl"):
        write_jsonl(tmp_path / name, [{"instruction": name, "input": "", "output": "x"}])
    out = tmp_path / "out"
    report = ok_run(capsys, out, "--input", tmp_path / "part-*.jsonl", "--target", "bedrock-text")
    assert sorted(report["files"]) == [str(tmp_path / "part-1.jsonl"), str(tmp_path / "part-2.jsonl")]
    assert [obj["prompt"] for obj in read_jsonl(out / "train/train.jsonl")] == [
        "part-1.jsonl", "part-2.jsonl"]


def test_validation_input(tmp_path, capsys):
    val = write_jsonl(tmp_path / "val.jsonl", [{"instruction": "v", "input": "", "output": "w"}])
    out = tmp_path / "out"
    report = ok_run(capsys, out, "--input", ALPACA, "--validation-input", val,
                    "--target", "bedrock-text")
    assert report["output_records"] == {"train": 91, "validation": 1}
    assert read_jsonl(out / "validation/validation.jsonl") == [{"prompt": "v", "completion": "w"}]


# --- validate and targets ------------------------------------------------------------------------

def test_validate_a_good_output(tmp_path, capsys):
    out = tmp_path / "out"
    ok_run(capsys, out, "--input", ALPACA, "--target", "bedrock-text", "--validation-split", "0.1")
    code, stdout, err = cli(capsys, "validate", "--target", "bedrock-text",
                            out / "train/train.jsonl")
    assert (code, stdout, err) == (0, "", "checked 83 records in 1 file: no problems\n")
    # a folder: every .jsonl but the dead letters (which are not target records)
    code, stdout, err = cli(capsys, "validate", "--target", "bedrock-text", out)
    assert (code, stdout, err) == (0, "", "checked 91 records in 2 files: no problems\n")


def test_validate_a_bad_file(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b'{"prompt": "p", "completion": "c"}\n'
                    b'{"prompt": "p"}\n'
                    b'not json\n'
                    b'\n'
                    b'[1, 2]\n'
                    b'\xef\xbb\xbf{"prompt": "p", "completion": "c"}\n')
    code, stdout, err = cli(capsys, "validate", "--all", "--target", "bedrock-text", bad)
    assert code == 1
    lines = stdout.splitlines()
    found = {line.split(": ")[0]: line.split(": ")[1] for line in lines}
    # (grouped by reason; a line run's reader cannot parse is invalid_json, a JSON value that
    # is no object wrong_type, as in run's dead letters)
    assert found == {f"{bad}:{n}": reason for n, reason in (
        (2, "invalid_record"), (3, "invalid_json"), (4, "invalid_record"), (5, "wrong_type"),
        (6, "invalid_json"))}
    for line in lines:
        location, reason, message = line.split(": ", 2)
        assert reason in REASONS and message
    reasons = {}
    for line in lines:
        reasons[line.split(": ")[1]] = reasons.get(line.split(": ")[1], 0) + 1
    assert err == (f"checked 6 records in 1 file: {len(lines)} problems in 5 records ("
                   + ", ".join(f"{r} {n}" for r, n in reasons.items()) + ")\n")

    # a folder holding it is checked too
    code, stdout, _ = cli(capsys, "validate", "--all", "--target", "bedrock-text", tmp_path)
    assert code == 1 and stdout.splitlines() == lines


def test_validate_checks_the_model_quota(tmp_path, capsys):
    path = single_turn_corpus(tmp_path / "train.jsonl", 5)
    code, stdout, err = cli(capsys, "validate", "--target", "bedrock-single-turn",
                            "--model", "claude-3-haiku", path)
    assert code == 1
    assert stdout == f"{path}: records: train has 5 records; claude-3-haiku needs at least 32\n"


def test_targets_lists_every_target_and_model(capsys):
    from tuneprep.transforms.targets.models import MODELS
    code, stdout, err = cli(capsys, "targets")
    assert code == 0 and err == ""
    words = set(stdout.replace(",", " ").split())
    assert set(TARGETS) <= words
    assert set(MODELS) <= words


# --- the entry point ------------------------------------------------------------------------------

@pytest.mark.slow
def test_entry_point_subprocess(tmp_path):
    pyproject = (REPO / "pyproject.toml").read_text()
    assert 'tuneprep = "tuneprep.pipelines.cli:main"' in pyproject
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "tuneprep.pipelines.cli", "run", "--input", str(ALPACA),
                           "--target", "bedrock-text", "--output", str(out)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == ("records in: 94; accepted: 91; written: train 91; "
                                           "dead letters: 3 (empty_field 1, invalid_json 1, "
                                           "wrong_type 1)")
    assert layout(out) == sorted(SINGLE)
    done = subprocess.run([sys.executable, "-m", "tuneprep.pipelines.cli", "run", "--input", str(ALPACA),
                           "--target", "bedrock-text", "--output", str(out)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "--overwrite" in done.stderr


@pytest.mark.parametrize("args, message", [
    (["--target", "bedrock-text", "--records-with", "toolUse"],
     "--records-with is for targets with optional fields (bedrock-conversation), not --target "
     "bedrock-text"),
    (["--target", "bedrock-conversation", "--records-without", "tools"],
     "--records-without tools: not an optional field; known: system, image, video, reasoning, "
     "toolUse, toolResult"),
])
def test_records_with_names_the_target_and_fields_it_takes(tmp_path, capsys, args, message):
    code, _, err = run(capsys, tmp_path / "out", "--input", ALPACA, *args)
    assert (code, err.strip()) == (2, f"error: {message}")
    assert not (tmp_path / "out").exists()
