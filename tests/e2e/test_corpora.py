"""End-to-end runs of the `tuneprep run` command over the project's shared corpora, one per
corpus x target, with exact counts. Real DirectRunner runs, in-process.

Counts were found by running once, then checked against the data:
- alpaca_en_demo.json: 999 records, none with an empty output, so all are accepted.
- dummy_conversation.json: 500 ShareGPT conversations of 2, 4 or 6 alternating turns
  (167/166/167), all accepted.
- toy_chat_fine_tuning.jsonl: 5 records; record 4 is a system prompt then an assistant turn
  (no user turn): starts_with_assistant. The "very long" record 5 passes: no model, no limit.
- c4_demo.jsonl: 300 documents, 3 longer than 20,000 characters (21,763, 37,499, 29,149), each
  chunked in two, so 303 lines; titan-text-express's 4,096 tokens allow 22,118 characters but
  chunks stop at 20,000.
- tinyshakespeare.txt: one plain-text file is one record (--text-unit file); its 1,115,394
  characters give 57 chunks of at most 20,000 characters (at least 56 needed; paragraph
  bounds cost one more).
- nova_tooluse_train_ft.jsonl: 560 {system, messages} records of one user + one assistant turn
  (the tool call is the assistant's text), all accepted.
- uber10K_prompt_completion.jsonl: 200 prompt/completion records (at most 8,870 characters;
  no model, so no limit), all accepted.
- bedrock_titan_dog/captions.jsonl: 4 captions naming local images beside the file; Bedrock
  takes only s3:// image references and no --image-uri-prefix is given to upload them to, so
  all 4 are bad_image_ref and the run fails (nothing accepted: exit 1, no _SUCCESS). The upload
  flow is tested against an S3 server in test_s3.py.
"""
from __future__ import annotations

from collections import Counter

import orjson
import pytest

from tuneprep.pipelines.cli import main
from tuneprep.transforms.targets.models import get_model
from tuneprep.transforms.core.context import TargetContext
from tuneprep.transforms.targets.sagemaker_instruction import parse_template

from tuneprep.transforms.report import status
from tests.helpers import (check_run, check_written_lines, layout, read_json, read_jsonl,
                           without_fields_note)

CASES = {
    # id: (inputs, target, extra args, exit code, input, accepted, output_records, reasons)
    "alpaca-sagemaker": (["alpaca_demo_1k/alpaca_en_demo.json"], "sagemaker-instruction",
                         ["--template", "{corpora}/sagemaker_jumpstart/template.json"],
                         0, 999, 999, {"train": 999}, {}),
    "alpaca-bedrock-text": (["alpaca_demo_1k/alpaca_en_demo.json"], "bedrock-text", [],
                            0, 999, 999, {"train": 999}, {}),
    "sharegpt-multi-turn": (["sharegpt_fastchat_dummy/dummy_conversation.json"],
                            "bedrock-multi-turn", [], 0, 500, 500, {"train": 500}, {}),
    "openai-multi-turn": (["openai_chat_toy/toy_chat_fine_tuning.jsonl"], "bedrock-multi-turn",
                          [], 0, 5, 4, {"train": 4}, {"starts_with_assistant": 1}),
    "c4-pretrain": (["pretrain_text/c4_demo.jsonl"], "bedrock-pretrain",
                    ["--model", "titan-text-express"], 0, 300, 300, {"train": 303}, {}),
    "shakespeare-pretrain": (["pretrain_text/tinyshakespeare.txt"], "bedrock-pretrain",
                             ["--model", "titan-text-express"], 0, 1, 1, {"train": 57}, {}),
    "nova-multi-turn": (["bedrock_samples/nova_tooluse_train_ft.jsonl"], "bedrock-multi-turn",
                        [], 0, 560, 560, {"train": 560}, {}),
    "uber-bedrock-text": (["bedrock_samples/uber10K_prompt_completion.jsonl"], "bedrock-text",
                          [], 0, 200, 200, {"train": 200}, {}),
    "captions-image": (["image_caption/bedrock_titan_dog/captions.jsonl"], "bedrock-image", [],
                       1, 4, 0, {}, {"bad_image_ref": 4}),
}


def _context(corpora, target: str, extra: list[str]) -> TargetContext:
    """The target context the run used, for checking its lines with validate_line."""
    ctx = TargetContext()
    if "--model" in extra:
        model = get_model(extra[extra.index("--model") + 1])
        ctx.model = model
        if model.max_tokens:
            ctx.max_chars = int(model.max_tokens * 6 * (1 - 0.1))
    if "--template" in extra:
        path = extra[extra.index("--template") + 1].format(corpora=corpora)
        with open(path, encoding="utf-8") as f:
            ctx.template = parse_template(f.read())
    return ctx


@pytest.mark.parametrize("case", list(CASES))
def test_corpus(case, corpora, tmp_path, capsys):
    inputs, target, extra, code, n_in, n_accepted, written, reasons = CASES[case]
    out = tmp_path / "out"
    argv = ["run", "--target", target, "--output", str(out)]
    for relative in inputs:
        argv += ["--input", str(corpora / relative)]
    argv += [arg.format(corpora=corpora) for arg in extra]

    assert main(argv) == code
    stdout, err = capsys.readouterr()
    report = read_json(out / "report.json")
    dead = check_run(out, report, stdout, n_in, n_accepted, written, reasons)
    err = without_fields_note(err, report)   # (its fields are the corpus's ids and such)

    if code == 0 and status.refused_share(report) > status.MANY_DEAD_LETTERS:
        # complete, but said honestly: one warning line per top reason
        assert (out / "_SUCCESS").is_file() and report["status"] == status.MANY
        assert err and all(line.startswith("warning: many dead letters: ")
                           for line in err.splitlines()), err
    elif code == 0:
        assert err == "" and (out / "_SUCCESS").is_file()
        assert report["status"] == "succeeded"
    else:
        assert report["status"] == "failed" and not (out / "_SUCCESS").exists()
        assert "no _SUCCESS" in err

    # every written line passes the target's own check, and the manifest counts them
    check_written_lines(out, target, _context(corpora, target, extra), written)

    CHECKS.get(case, lambda *a: None)(corpora, out, dead)


# --- per-corpus checks of what was written ------------------------------------------------------

def _alpaca_sagemaker(corpora, out, dead):
    assert layout(out) == ["_SUCCESS", "dead_letter/dead_letter.jsonl", "manifest.json",
                           "report.html", "report.json", "train/part-00000-of-00001.jsonl",
                           "train/template.json", "training-request.json"]
    template = (corpora / "sagemaker_jumpstart/template.json").read_bytes()
    assert orjson.loads((out / "train/template.json").read_bytes()) == orjson.loads(template)
    source = orjson.loads((corpora / "alpaca_demo_1k/alpaca_en_demo.json").read_bytes())
    written = read_jsonl(out / "train/part-00000-of-00001.jsonl")
    assert written == [{"instruction": r["instruction"], "context": r["input"],
                        "response": r["output"]} for r in source]
    assert sum(1 for obj in written if obj["context"]) == 412


def _sharegpt(corpora, out, dead):
    written = read_jsonl(out / "train/train.jsonl")
    assert Counter(len(obj["messages"]) for obj in written) == {2: 167, 4: 166, 6: 167}
    assert all("system" not in obj for obj in written)


def _openai(corpora, out, dead):
    assert [(d["source"]["line"], d["stage"]) for d in dead] == [(4, "format")]


def _shakespeare(corpora, out, dead):
    chunks = [obj["input"] for obj in read_jsonl(out / "train/train.jsonl")]
    assert all(0 < len(chunk) <= 20_000 for chunk in chunks)
    source = (corpora / "pretrain_text/tinyshakespeare.txt").read_text(encoding="utf-8")
    assert "".join("".join(chunks).split()) == "".join(source.split())


def _c4(corpora, out, dead):
    chunks = [obj["input"] for obj in read_jsonl(out / "train/train.jsonl")]
    assert max(len(chunk) for chunk in chunks) <= 20_000


def _nova(corpora, out, dead):
    written = read_jsonl(out / "train/train.jsonl")
    assert all(obj["system"] and [m["role"] for m in obj["messages"]] == ["user", "assistant"]
               for obj in written)


def _captions(corpora, out, dead):
    assert not (out / "train").exists()
    folder = corpora / "image_caption/bedrock_titan_dog"
    images = sorted(d["message"].split("'")[1] for d in dead)
    assert images == sorted(str(folder / name) for name in
                            ("ron_10.jpg", "ron_11.jpg", "ron_13.jpg", "smila_03.jpg"))
    assert {d["stage"] for d in dead} == {"format"}


CHECKS = {"alpaca-sagemaker": _alpaca_sagemaker, "sharegpt-multi-turn": _sharegpt,
          "openai-multi-turn": _openai, "shakespeare-pretrain": _shakespeare,
          "c4-pretrain": _c4, "nova-multi-turn": _nova, "captions-image": _captions}
