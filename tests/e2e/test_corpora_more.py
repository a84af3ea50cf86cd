"""End-to-end runs of `tuneprep run` for the newer targets (bedrock-conversation,
bedrock-distillation, openai-chat, sagemaker-domain-adaptation, sagemaker-chat) over the
project's shared corpora, with exact counts; then `tuneprep validate` on what was written.

Counts were found by running once, then checked against the data:
- nova_tooluse_train_ft.jsonl: 560 {system, messages} one-exchange records; no Nova reserved
  word appears, so all 560 are accepted for nova-lite (8-20,000 records).
- nova_tooluse_formatted_test_ft.jsonl: 120 records already in the Converse shape (system and
  content as [{"text"}] blocks), all accepted; the written records equal the source records
  but for schemaVersion: the source's "tooluse-dataset-2024" (which the Nova Forge SDK, and so
  `tuneprep validate --model nova-lite`, refuses) becomes "bedrock-conversation-2024".
- v1_sft_demo.jsonl: 500 LLaMA-Factory v1 records, each one user + one assistant turn with
  [{"type": "text", "value"}] parts, all accepted (Llama 3.1 8B: 16,000 tokens is far away).
- mllm_demo.json: 6 LLaMA-Factory conversations with an "images" list. (Before the messages
  adapter read "images" it dropped them, and all 6 were reserved_word for the "<image>"
  placeholder Nova reserves.) Records 1 and 4 list two images: too_many_media (normalize; the
  canonical record carries one image). The other 4 have one local image, and their "<image>" is
  removed as the image block replaces it; with no --image-uri-prefix to upload the images to
  they are bad_image_ref (format): the run fails, nothing accepted. The file is one JSON
  document, so each dead letter names its record number (source.record), never a line. With a
  prefix (on the S3 test server, test_mllm_demo_images_uploaded) the 4 are accepted and their
  2 distinct images uploaded once each.
- dummy_conversation.json: 500 ShareGPT conversations of 2, 4 or 6 alternating turns
  (167/166/167): all accepted by sagemaker-chat, openai-chat and a Nova distillation student;
  a Claude student takes single prompts only, so the 333 of 4 or 6 turns are not_single_turn:
  66.6 % of the records, over status.MANY_DEAD_LETTERS, so the run completes "with many dead
  letters".
- toy_chat_fine_tuning.jsonl (the OpenAI cookbook's toy file, 5 records): record 4 has no user
  message (the cookbook's warning; refused, missing_user_message) and record 5 is the very long
  one (26,026 characters, over --max-tokens 4,096 at 6 chars/token less 10 %: too_long); the 3
  good ones are under the 10 examples OpenAI takes at least, so the run fails.
- glaive_toolcall_en_demo.json: 300 ShareGPT records, 153 with function-call/observation turns
  and 38 more that define tools without calling one (191 define tools; the other 109 have
  "tools": "[]"). The adapter reads the definitions into Record.tools and the turns into
  tool_call / tool parts (tests/transforms/adapters/test_tool_use.py). openai-chat writes all
  300 (211 calls, each answered). Of the Nova models only Nova 2 Lite takes tool blocks: for
  Nova 1 (nova-lite) the 191 that define tools are tool_turn (refused rather than lose their
  tools), the 109 others written, and 191 of 300 is over the share of many dead letters.
  Nova 2 Lite takes toolUse in every record or in none, so the 153 with calls and the 147
  without are two datasets, each chosen with --records-with / --records-without toolUse (the
  others not_selected, a choice: not counted as many dead letters); without either the run
  fails (inconsistent_fields, exit 1, nothing written). Nova 2 Lite needs 200 training records,
  more than either half, so those two runs read the corpus twice (two copies: 306 with calls,
  294 without). sagemaker-chat writes no tool use: the 191 with tools are tool_turn at the
  gate, again over the share of many dead letters.
- rft_train_data.jsonl: 300 one-user-prompt records (+ reference_answer): all accepted as
  distillation prompts for a Llama 3.1 8B student.
- c4_demo.jsonl: 300 documents, 3 over 20,000 characters and chunked in two: 303 lines in one
  train/train.jsonl ({"text"}); with --validation-split 0.1: 272 train + 31 validation lines.
"""
from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import orjson
import pytest

from tuneprep.pipelines.cli import main
from tuneprep.transforms.report import status
from tuneprep.transforms.targets.models import get_model
from tuneprep.transforms.targets import TARGETS
from tuneprep.transforms.core.context import TargetContext

from tests.helpers import (check_run, check_written_lines, layout, read_json, read_jsonl,
                           without_fields_note)

GLAIVE = "sharegpt_glaive_toolcall/glaive_toolcall_en_demo.json"
# the glaive corpus as two copies (two files): Nova 2 Lite's 200-record minimum is over either
# of its halves (153 with calls, 147 without)
GLAIVE_TWICE = (GLAIVE, GLAIVE)

CASES = {
    # id: (input: one corpus file or a tuple of them (each copied, so the same file can be
    #      read twice), target, extra args, exit code, input, accepted, output_records, reasons)
    "nova-train-conversation": ("bedrock_samples/nova_tooluse_train_ft.jsonl",
                                "bedrock-conversation", ["--model", "nova-lite"],
                                0, 560, 560, {"train": 560}, {}),
    "nova-formatted-conversation": ("bedrock_samples/nova_tooluse_formatted_test_ft.jsonl",
                                    "bedrock-conversation", ["--model", "nova-lite"],
                                    0, 120, 120, {"train": 120}, {}),
    "llamafactory-conversation": ("llamafactory_samples/v1_sft_demo.jsonl",
                                  "bedrock-conversation", ["--model", "llama3-2-1b-instruct"],
                                  0, 500, 500, {"train": 500}, {}),
    "llamafactory-conversation-no-model": ("llamafactory_samples/v1_sft_demo.jsonl",
                                           "bedrock-conversation", [],
                                           0, 500, 500, {"train": 500}, {}),
    "mllm-local-images-nova": ("image_caption/llamafactory_mllm_demo/mllm_demo.json",
                               "bedrock-conversation", ["--model", "nova-lite"],
                               1, 6, 0, {}, {"bad_image_ref": 4, "too_many_media": 2}),
    "sharegpt-sagemaker-chat": ("sharegpt_fastchat_dummy/dummy_conversation.json",
                                "sagemaker-chat", ["--model", "llama2-7b-chat"],
                                0, 500, 500, {"train": 500}, {}),
    "sharegpt-openai-chat": ("sharegpt_fastchat_dummy/dummy_conversation.json", "openai-chat",
                             [], 0, 500, 500, {"train": 500}, {}),
    # 3 accepted, under the 10 examples OpenAI takes at least: the run fails, nothing written
    "openai-toy-openai-chat": ("openai_chat_toy/toy_chat_fine_tuning.jsonl", "openai-chat",
                               ["--max-tokens", "4096"], 1, 5, 3, {"train": 3},
                               {"missing_user_message": 1, "too_long": 1}),
    "glaive-openai-chat": (GLAIVE, "openai-chat", [], 0, 300, 300, {"train": 300}, {}),
    # two copies: 2 x 153 with calls written, 2 x 147 without not_selected
    "glaive-nova-calls": (GLAIVE_TWICE, "bedrock-conversation",
                          ["--model", "nova-2-lite", "--records-with", "toolUse"],
                          0, 600, 306, {"train": 306}, {"not_selected": 294}),
    "glaive-nova-no-calls": (GLAIVE_TWICE, "bedrock-conversation",
                             ["--model", "nova-2-lite", "--records-without", "toolUse"],
                             0, 600, 294, {"train": 294}, {"not_selected": 306}),
    "glaive-nova-mixed": (GLAIVE, "bedrock-conversation", ["--model", "nova-2-lite"],
                          1, 300, 300, {"train": 300}, {}),
    # Nova 1 takes no tool blocks: the 191 that define tools refused, the 109 others written
    "glaive-nova1-refuses-tools": (GLAIVE, "bedrock-conversation", ["--model", "nova-lite"],
                                   0, 300, 109, {"train": 109}, {"tool_turn": 191}),
    "glaive-sagemaker-chat": (GLAIVE, "sagemaker-chat", [], 0, 300, 109, {"train": 109},
                              {"tool_turn": 191}),
    "sharegpt-distill-claude": ("sharegpt_fastchat_dummy/dummy_conversation.json",
                                "bedrock-distillation", ["--model", "distill-claude-3-haiku"],
                                0, 500, 167, {"train": 167}, {"not_single_turn": 333}),
    "sharegpt-distill-nova": ("sharegpt_fastchat_dummy/dummy_conversation.json",
                              "bedrock-distillation", ["--model", "distill-nova-lite"],
                              0, 500, 500, {"train": 500}, {}),
    "rft-distill-llama": ("bedrock_samples/rft_train_data.jsonl", "bedrock-distillation",
                          ["--model", "distill-llama3-1-8b-instruct"],
                          0, 300, 300, {"train": 300}, {}),
    "c4-domain-adaptation": ("pretrain_text/c4_demo.jsonl", "sagemaker-domain-adaptation",
                             ["--model", "mistral-7b"], 0, 300, 300, {"train": 303}, {}),
    "c4-domain-adaptation-validation": ("pretrain_text/c4_demo.jsonl",
                                        "sagemaker-domain-adaptation",
                                        ["--model", "llama2-7b", "--validation-split", "0.1"],
                                        0, 300, 300, {"train": 272, "validation": 31}, {}),
}


def _context(extra: list[str]) -> TargetContext:
    """The target context the run used, for checking its lines with validate_line."""
    ctx = TargetContext()
    tokens = None
    if "--model" in extra:
        ctx.model = get_model(extra[extra.index("--model") + 1])
        tokens = ctx.model.max_tokens
    if "--max-tokens" in extra:
        tokens = int(extra[extra.index("--max-tokens") + 1])
    if tokens:
        ctx.max_chars = int(tokens * 6 * (1 - 0.1))
    return ctx


def _inputs(corpora, relative, tmp_path) -> list[str]:
    """--input arguments for one corpus file, or for a tuple of them each copied apart (the
    run reads a file named twice once)."""
    if isinstance(relative, str):
        return ["--input", str(corpora / relative)]
    argv = []
    for n, each in enumerate(relative):
        copy = tmp_path / "in" / str(n) / Path(each).name
        copy.parent.mkdir(parents=True)
        shutil.copyfile(corpora / each, copy)
        argv += ["--input", str(copy)]
    return argv


@pytest.mark.parametrize("case", list(CASES))
def test_corpus(case, corpora, tmp_path, capsys):
    relative, target, extra, code, n_in, n_accepted, written, reasons = CASES[case]
    out = tmp_path / "out"
    argv = ["run", "--target", target, "--output", str(out),
            *_inputs(corpora, relative, tmp_path), *extra]

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
    elif code == 0:   # (other warnings may come: the Llama tokenizer's absence)
        assert "many dead letters" not in err and (out / "_SUCCESS").is_file()
        assert report["status"] == "succeeded"
    else:
        assert report["status"] == "failed" and not (out / "_SUCCESS").exists()

    # every written line passes the target's own check, and the manifest counts them (a failed
    # run keeps no data: its report counts what it accepted as not_written_records)
    check_written_lines(out, target, _context(extra), written if code == 0 else {})

    # and `tuneprep validate` agrees
    if code == 0:
        validate = ["validate", "--target", target, "--token-margin", "0.1"]
        for option in ("--model", "--max-tokens"):
            if option in extra:
                validate += [option, extra[extra.index(option) + 1]]
        assert main(validate + [str(out / split) for split in written]) == 0
        capsys.readouterr()

    CHECKS.get(case, lambda *a: None)(corpora, out, dead)


def test_mllm_demo_images_uploaded(corpora, s3, capsys):
    """mllm_demo.json with --image-uri-prefix on the S3 test server, for Llama 3.2 Vision: the 4
    one-image conversations are written, their local images uploaded once per distinct image
    (2.jpg and 3.jpg), each record's image block first in its first user turn and without the
    "<image>" placeholder; the 2 two-image ones are too_many_media."""
    source = corpora / "image_caption/llamafactory_mllm_demo/mllm_demo.json"
    argv = ["run", "--target", "bedrock-conversation", "--model",
            "llama3-2-11b-vision-instruct", "--input", str(source), "--image-uri-prefix",
            s3.uri("images"), "--output", s3.uri("out"), "--s3-endpoint-url", s3.endpoint]
    assert main(argv) == 0
    capsys.readouterr()
    report = orjson.loads(s3.get("out/report.json"))
    assert (report["accepted_records"], report["dead_letter_reasons"]) == (
        4, {"too_many_media": 2})
    uploads = s3.keys("images/")
    assert len(uploads) == 2
    written = [orjson.loads(line) for line in s3.get("out/train/train.jsonl").splitlines()]
    ctx = TargetContext(model=get_model("llama3-2-11b-vision-instruct"))
    target = TARGETS["bedrock-conversation"]
    for obj in written:
        assert target.validate_line(orjson.dumps(obj), ctx) == []
        first = obj["messages"][0]["content"]
        assert [next(iter(block)) for block in first] == ["image", "text"]
        assert first[0]["image"]["format"] == "jpeg"
        assert first[0]["image"]["source"]["s3Location"]["uri"] in [s3.uri(k) for k in uploads]
        assert "<image>" not in orjson.dumps(obj).decode()


# --- per-corpus checks of what was written ------------------------------------------------------

def _nova_train(corpora, out, dead):
    source = read_jsonl(corpora / "bedrock_samples/nova_tooluse_train_ft.jsonl")
    written = read_jsonl(out / "train/train.jsonl")
    assert written == [{"schemaVersion": "bedrock-conversation-2024",
                        "system": [{"text": r["system"]}],
                        "messages": [{"role": m["role"], "content": [{"text": m["content"]}]}
                                     for m in r["messages"]]} for r in source]


def _nova_formatted(corpora, out, dead):
    source = read_jsonl(corpora / "bedrock_samples/nova_tooluse_formatted_test_ft.jsonl")
    written = read_jsonl(out / "train/train.jsonl")
    assert {r["schemaVersion"] for r in source} == {"tooluse-dataset-2024"}
    assert written == [{**r, "schemaVersion": "bedrock-conversation-2024"} for r in source]
    # the source file itself is refused by its schemaVersion alone, as the Nova Forge SDK
    # refuses it; what run wrote passes
    nova = TargetContext(model=get_model("nova-lite"))
    target = TARGETS["bedrock-conversation"]
    assert all([p for p, _ in target.validate(r, nova)] == ["invalid_record"] for r in source)
    assert all(target.validate(r, nova) == [] for r in written)


def _mllm(corpora, out, dead):
    assert not (out / "train").exists()
    # a JSON document: its dead letters are named by record number, not by line
    assert all("line" not in d["source"] for d in dead)
    assert sorted((d["source"]["record"], d["reason"], d["stage"]) for d in dead) == [
        (1, "too_many_media", "normalize"), (2, "bad_image_ref", "format"),
        (3, "bad_image_ref", "format"), (4, "too_many_media", "normalize"),
        (5, "bad_image_ref", "format"), (6, "bad_image_ref", "format")]
    assert all("pass --image-uri-prefix" in d["message"] for d in dead
               if d["reason"] == "bad_image_ref")


def _sharegpt_chat(corpora, out, dead):
    written = read_jsonl(out / "train/train.jsonl")
    assert Counter(len(obj["dialog"]) for obj in written) == {2: 167, 4: 166, 6: 167}
    assert all(list(obj) == ["dialog"] for obj in written)


def _openai_toy(corpora, out, dead):
    assert [(d["source"]["line"], d["reason"], d["stage"]) for d in dead] == [
        (4, "missing_user_message", "format"), (5, "too_long", "validate")]
    # the 3 good records are under OpenAI's minimum of 10: nothing is written, the run says why
    assert not (out / "train").exists()
    assert read_json(out / "report.json")["errors"] == [
        "train has 3 records; openai-chat needs at least 10"]


def _distill_claude(corpora, out, dead):
    written = read_jsonl(out / "train/train.jsonl")
    assert all([m["role"] for m in obj["messages"]] == ["user", "assistant"] for obj in written)


def _rft(corpora, out, dead):
    written = read_jsonl(out / "train/train.jsonl")
    assert all([m["role"] for m in obj["messages"]] == ["user"] for obj in written)


def _c4(corpora, out, dead):
    assert layout(out / "train") == ["train.jsonl"]
    chunks = [obj["text"] for obj in read_jsonl(out / "train/train.jsonl")]
    assert max(len(chunk) for chunk in chunks) <= 20_000


def _c4_validation(corpora, out, dead):
    assert layout(out / "train") == ["train.jsonl"]
    assert layout(out / "validation") == ["validation.jsonl"]


def _glaive_openai(corpora, out, dead):
    """The 211 calls are written with their ids and answered once each; the tools of the 191
    records that define some are written as OpenAI function tools."""
    written = read_jsonl(out / "train/train.jsonl")
    calls = [c for r in written for m in r["messages"] for c in m.get("tool_calls", ())]
    answers = [m["tool_call_id"] for r in written for m in r["messages"] if m["role"] == "tool"]
    assert len(calls) == 211 and sorted(c["id"] for c in calls) == sorted(answers)
    assert sum(1 for r in written if r.get("tools")) == 191
    assert all(t["type"] == "function" and t["function"]["name"]
               for r in written for t in r.get("tools", ()))


def _glaive_nova_calls(corpora, out, dead):
    """Every written record declares its tools and calls one."""
    written = read_jsonl(out / "train/train.jsonl")
    assert all(r["toolConfig"]["tools"] for r in written)
    assert all(any("toolUse" in b for m in r["messages"] for b in m["content"]) for r in written)


def _glaive_nova_no_calls(corpora, out, dead):
    """No written record holds a toolUse or toolResult block."""
    written = read_jsonl(out / "train/train.jsonl")
    assert not any({"toolUse", "toolResult"} & set(b) for r in written for m in r["messages"]
                   for b in m["content"])


def _glaive_nova1(corpora, out, dead):
    """Nova 1 refuses exactly the records that define tools (their "tools" is no empty list),
    each saying how to drop the tool turns instead; what it writes holds no tool use."""
    source = read_json(corpora / GLAIVE)
    with_tools = {n for n, r in enumerate(source, 1) if orjson.loads(r["tools"])}
    assert {d["source"]["record"] for d in dead} == with_tools
    assert all(d["stage"] == "format" and "--repair drop_tool_turns" in d["message"]
               for d in dead)
    written = read_jsonl(out / "train/train.jsonl")
    assert not any("toolConfig" in r for r in written)
    assert not any({"toolUse", "toolResult"} & set(b) for r in written for m in r["messages"]
                   for b in m["content"])


def _glaive_nova_mixed(corpora, out, dead):
    report = read_json(out / "report.json")
    assert any("toolUse" in error and "153" in error for error in report["errors"])


CHECKS = {"glaive-openai-chat": _glaive_openai, "glaive-nova-mixed": _glaive_nova_mixed,
          "glaive-nova-calls": _glaive_nova_calls, "glaive-nova-no-calls": _glaive_nova_no_calls,
          "glaive-nova1-refuses-tools": _glaive_nova1,
          "nova-train-conversation": _nova_train,
          "nova-formatted-conversation": _nova_formatted,
          "mllm-local-images-nova": _mllm, "sharegpt-sagemaker-chat": _sharegpt_chat,
          "openai-toy-openai-chat": _openai_toy, "sharegpt-distill-claude": _distill_claude,
          "rft-distill-llama": _rft, "c4-domain-adaptation": _c4,
          "c4-domain-adaptation-validation": _c4_validation}
