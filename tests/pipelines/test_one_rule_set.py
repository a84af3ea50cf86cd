"""One rule set (issue 22, item 2): `run`, `run --dry-run`, `inspect` and `validate` give the same
reason code for the same record, and `validate` applies the dataset rules `run` applies.

Each corpus below is hand-made in the target's own format, which `run` also reads as input, so
all four commands are given the very same file: `run`'s dead letters (by line), `inspect`'s
`dead letter:` lines (by line), `--dry-run`'s counts by reason and `validate --format json`'s
problems (by line) must name the same reasons, and a record one of them writes or passes the
others pass too. The CLI is called in-process (tuneprep.pipelines.cli.main)."""
from __future__ import annotations

import re
from collections import Counter

import orjson
import pytest

from tests.helpers import read_jsonl
from tuneprep.pipelines.cli import main
from tuneprep.transforms.core.records import REASONS


def _chat(*turns, **extra) -> dict:
    roles = ("user", "assistant")
    return {"messages": [{"role": roles[i % 2], "content": t} for i, t in enumerate(turns)],
            **extra}


def _call(call_id="c1", name="get_weather", arguments='{"city": "Paris"}') -> dict:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


WEATHER = [{"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}}}}]


def _tool_chat(call=None, result_id="c1", tools=WEATHER, **message) -> dict:
    """A tool exchange; `message`: the calling message's keys (no content key by default)."""
    return {"messages": [
        {"role": "user", "content": "weather in Paris?"},
        {"role": "assistant", "tool_calls": [call or _call()], **message},
        {"role": "tool", "tool_call_id": result_id, "content": "sunny"},
        {"role": "assistant", "content": "It is sunny."}], "tools": tools}


# (line, expected reason or None for written): the first element of each row is the record, as
# a dict or the raw bytes of the line
OPENAI = [
    (_chat("hi", "hello"), None),
    (_tool_chat(), None),                                     # a call without content: written
    (_tool_chat(content=None), None),
    (b'{"messages": [{"role": "user", "content": "hi"},', "invalid_json"),
    (b"[1, 2]", "wrong_type"),
    (b'\xef\xbb\xbf{"messages": []}', "invalid_json"),       # a BOM but at the file's start
    (_chat("hi", "   "), "empty_field"),
    (_chat("hi", 42), "wrong_type"),
    ({"messages": [{"role": "user", "content": "x"}, {"role": "robot", "content": "x"},
                   {"role": "assistant", "content": "y"}]}, "unknown_role"),
    (_chat("hi", "hello", "and?"), None),       # OpenAI takes a conversation ending with user
    ({"messages": [{"role": "user", "content": "hi"}]}, "missing_assistant_message"),
    ({"messages": [{"role": "user", "content": "hi"},
                   {"role": "assistant", "content": "a", "weight": 2}]}, "bad_weight"),
    (_tool_chat(call=_call(name="get_time")), "undefined_tool"),
    (_tool_chat(call=_call(arguments="not json")), "bad_tool_call"),
    (_tool_chat(result_id="c9"), "unmatched_tool_id"),
    (_chat("hi", "x" * 1000), "too_long"),
]


def _write(path, rows) -> list:
    path.write_bytes(b"".join((r if isinstance(r, bytes) else orjson.dumps(r)) + b"\n"
                              for r, _ in rows))
    return [reason for _, reason in rows]


def cli(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def run_reasons(capsys, tmp_path, corpus, options) -> dict[int, str]:
    out = tmp_path / "out"
    code, stdout, err = cli(capsys, "run", "--input", corpus, "--output", out, "--keep-going",
                            "--overwrite", *options)
    assert code in (0, 1), err
    letters = out / "dead_letter" / "dead_letter.jsonl"
    return {d["source"]["line"]: d["reason"] for d in read_jsonl(letters)} \
        if letters.exists() else {}


def dry_run_reasons(capsys, tmp_path, corpus, options) -> Counter:
    code, stdout, err = cli(capsys, "run", "--input", corpus, "--output", tmp_path / "dry",
                            "--dry-run", "--keep-going", *options)
    assert code == 0, err
    sample = next(line for line in stdout.splitlines() if line.startswith("sample:"))
    found = re.search(r"dead letters \((.*)\)$", sample)
    return Counter({reason: int(n.replace(",", "")) for reason, n in
                    (part.rsplit(" ", 1) for part in found.group(1).split(", "))}
                   if found else {})


def inspect_reasons(capsys, corpus, options, n) -> dict[int, str]:
    code, stdout, err = cli(capsys, "inspect", corpus, "--records", n, *options)
    assert code == 0, err
    reasons, line = {}, None
    for text in stdout.splitlines():
        if text.startswith("-- line "):
            line = int(text.split()[-1])
        elif text.strip().startswith("dead letter:"):
            reasons[line] = text.split(": ", 1)[1].split(" ", 1)[0]
    return reasons


def validate_reasons(capsys, corpus, options) -> tuple[dict[int, set], list]:
    code, stdout, err = cli(capsys, "validate", corpus, "--format", "json", *options)
    document = orjson.loads(stdout)
    by_line: dict[int, set] = {}
    for problem in document["problems"]:
        if problem["line"] is not None:
            by_line.setdefault(problem["line"], set()).add(problem["reason"])
    return by_line, [p for p in document["problems"] if p["line"] is None]


def four_commands(capsys, tmp_path, rows, target: list, run_only: list = ()) -> dict:
    """Each command's reasons by line (dry run: counted by reason); `run_only`: options of run
    (and its dry run) alone."""
    corpus = tmp_path / "train.jsonl"
    expected = {i: reason for i, reason in enumerate(_write(corpus, rows), 1)}
    return {"expected": {i: r for i, r in expected.items() if r},
            "run": run_reasons(capsys, tmp_path, corpus, target + list(run_only)),
            "dry_run": dry_run_reasons(capsys, tmp_path, corpus, target + list(run_only)),
            "inspect": inspect_reasons(capsys, corpus, target, len(rows)),
            "validate": validate_reasons(capsys, corpus, target)[0]}


def check_one_rule_set(found: dict) -> None:
    expected = found["expected"]
    assert set(expected.values()) <= set(REASONS)
    assert found["run"] == expected
    assert found["inspect"] == expected
    assert found["dry_run"] == Counter(expected.values())
    assert found["validate"] == {line: {reason} for line, reason in expected.items()}


def test_openai_chat_records_get_one_reason_from_every_command(tmp_path, capsys):
    found = four_commands(capsys, tmp_path, OPENAI, ["--target", "openai-chat",
                                                     "--max-tokens", "100"])
    check_one_rule_set(found)


# Claude 3 Haiku on Bedrock's messaging format: plain records and the rules a plain record can
# still break (reserved words, lengths)
HAIKU = [
    ({"system": "Be brief.", **_chat("hi", "hello")}, None),
    (_chat("hi", "hello", "and?", "more"), None),
    (_chat("hi\nHuman: again", "hello"), "reserved_word"),
    ({"system": "Be\nAssistant: brief.", **_chat("hi", "hello")}, "reserved_word"),
    (_chat("hi", "hello", "and?"), "ends_with_user"),
    ({"messages": [{"role": "assistant", "content": "a"}, {"role": "user", "content": "q"},
                   {"role": "assistant", "content": "b"}]}, "starts_with_assistant"),
    ({"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"},
                   {"role": "assistant", "content": "c"}]}, "consecutive_roles"),
    (_chat("hi", ""), "empty_field"),
    (_chat("hi", "x" * 100_000), "too_long"),
    (b"{broken", "invalid_json"),
    (b'"a string"', "wrong_type"),
]


def test_haiku_chat_records_get_one_reason_from_every_command(tmp_path, capsys):
    found = four_commands(capsys, tmp_path, HAIKU, ["--target", "bedrock-multi-turn",
                                                    "--model", "claude-3-haiku"])
    check_one_rule_set(found)


# Bedrock's Converse format (Nova, Llama), which run reads too (the messages adapter reads its
# blocks)
def _converse(*texts, media=None, **extra) -> dict:
    messages = [{"role": ("user", "assistant")[i % 2], "content": [{"text": t}]}
                for i, t in enumerate(texts)]
    if media is not None:
        messages[0]["content"].insert(0, media)
    return {"schemaVersion": "bedrock-conversation-2024", **extra, "messages": messages}


def _video(fmt: str, uri: str) -> dict:
    return {"video": {"format": fmt, "source": {"s3Location": {
        "uri": uri, "bucketOwner": "123456789012"}}}}


NOVA = [
    (_converse("hi", "hello"), None),
    (_converse("hi", "hello", system=[{"text": "Be brief."}]), None),
    (_converse("what is shown?", "a cat", media=_video("avi", "s3://my-bucket/clip.avi")),
     "unsupported_video_type"),
    (_converse("hi", "hello", "and?"), "ends_with_user"),
    (_converse("User: hi", "hello"), "reserved_word"),
    (_converse("hi", "   "), "empty_field"),
]


def test_nova_records_get_one_reason_from_every_command(tmp_path, capsys):
    found = four_commands(capsys, tmp_path, NOVA, ["--target", "bedrock-conversation", "--model",
                                                   "nova-lite"],
                          run_only=["--media-bucket-owner", "123456789012"])
    check_one_rule_set(found)


def test_llama_refuses_an_empty_system_list_run_never_writes(tmp_path, capsys):
    """`"system": []`: Llama's system array holds one element (AWS's Llama validator); run
    writes no system key for it, so what run writes passes validate."""
    corpus = tmp_path / "train.jsonl"
    _write(corpus, [(_converse("hi", "hello", system=[]), None)])
    options = ["--target", "bedrock-conversation", "--model", "llama3-2-1b-instruct"]
    by_line, _ = validate_reasons(capsys, corpus, options)
    assert by_line == {1: {"invalid_record"}}
    assert run_reasons(capsys, tmp_path, corpus, options) == {}
    by_line, _ = validate_reasons(capsys, tmp_path / "out" / "train", options)
    assert by_line == {}


# ---------------------------------------------------------------- the dataset rules

def _dataset(tmp_path, train: int, validation: int):
    folder = tmp_path / "given"
    folder.mkdir()
    for name, n in (("train", train), ("validation", validation)):
        _write(folder / f"{name}.jsonl", [(_chat(f"question {i} of {name}", f"answer {i}"), None)
                                          for i in range(n)])
    return folder


def run_errors(capsys, tmp_path, folder, options) -> list[str]:
    out = tmp_path / "out"
    code, _, err = cli(capsys, "run", "--input", folder / "train.jsonl", "--validation-input",
                       folder / "validation.jsonl", "--output", out, *options)
    assert code == 1, err
    return orjson.loads((out / "report.json").read_bytes())["errors"]


def test_haiku_validation_minimum_is_one_rule_in_run_and_validate(tmp_path, capsys):
    options = ["--target", "bedrock-multi-turn", "--model", "claude-3-haiku"]
    folder = _dataset(tmp_path, 40, 10)
    message = "validation has 10 records; claude-3-haiku needs at least 32 when a validation " \
              "set is given"
    assert run_errors(capsys, tmp_path, folder, options) == [message]
    by_line, dataset = validate_reasons(capsys, folder, options)
    assert by_line == {}
    assert [(p["reason"], p["message"]) for p in dataset] == [("records", message)]


def test_total_records_and_file_sizes_are_one_rule_in_run_and_validate(tmp_path, capsys,
                                                                       monkeypatch):
    """Haiku's 10,000 records together and its file sizes, scaled down (the same rules with
    smaller limits), checked by run on what it writes and by validate on the same files."""
    import dataclasses
    from tuneprep.transforms.targets import models
    spec = models.MODELS["claude-3-haiku"]
    monkeypatch.setitem(models.MODELS, "claude-3-haiku", dataclasses.replace(
        spec, min_records=1, min_validation_records=1, max_total_records=50,
        max_train_bytes=2_000))
    options = ["--target", "bedrock-multi-turn", "--model", "claude-3-haiku"]
    folder = _dataset(tmp_path, 45, 10)
    errors = run_errors(capsys, tmp_path, folder, options)
    assert errors[0].startswith("train and validation hold 55 records together")
    assert len(errors) == 1   # (the file sizes are checked on the data a run writes: none)
    by_line, dataset = validate_reasons(capsys, folder, options)
    size = (folder / "train.jsonl").stat().st_size
    assert by_line == {}
    assert [(p["reason"], p["message"]) for p in dataset] == [
        ("records", errors[0]),
        ("file_size", f"train data is {size:,} bytes; claude-3-haiku takes at most 2,000")]
    monkeypatch.setitem(models.MODELS, "claude-3-haiku", dataclasses.replace(
        spec, min_records=1, min_validation_records=1, max_train_bytes=2_000))
    assert run_errors(capsys, tmp_path, folder, options + ["--overwrite"]) == [
        f"train data is {size:,} bytes; claude-3-haiku takes at most 2,000"]



def test_inspect_checks_a_local_image_as_the_dry_run_does(tmp_path, capsys):
    """A local image is checked where it is, as the run checks it before its upload (the dry
    run and inspect upload nothing): a missing one is image_missing in both."""
    corpus = tmp_path / "pics.jsonl"
    _write(corpus, [({"image": str(tmp_path / "missing.png"), "caption": "a cat"}, None)])
    options = ["--target", "bedrock-image", "--model", "titan-image-generator-v2"]
    assert inspect_reasons(capsys, corpus, options, 1) == {1: "image_missing"}
    assert dry_run_reasons(capsys, tmp_path, corpus, options) == Counter({"image_missing": 1})


# ---------------------------------------------------------------- the sweep: no drift

def _message(role, content) -> dict:
    return {"role": role, "content": content}


# Converse shapes `run` reads (the messages adapter) and `validate` checks (converse_check.py)
CONVERSE_SHAPES = [
    (_converse("hi", "hello"), None),
    ({**_converse(), "messages": "hi"}, "wrong_type"),
    ({**_converse(), "messages": ["hi", _message("assistant", [{"text": "x"}])]}, "wrong_type"),
    ({**_converse(), "messages": [{"content": [{"text": "hi"}]},
                                  _message("assistant", [{"text": "x"}])]}, "missing_field"),
    ({**_converse(), "messages": [_message("user", []),
                                  _message("assistant", [{"text": "x"}])]}, "empty_field"),
    ({**_converse(), "messages": [_message("user", [{"text": 5}]),
                                  _message("assistant", [{"text": "x"}])]}, "wrong_type"),
    ({**_converse(), "messages": [_message("user", [{"text": "q"}]),
                                  _message("assistant", [{"text": "x"}, {"foo": 1}])]},
     "wrong_type"),
]


def _assistant(*blocks) -> dict:
    return _message("assistant", list(blocks))


_TOOL_CONFIG = {"tools": [{"toolSpec": {"name": "w", "description": "the weather",
                                        "inputSchema": {"json": {"type": "object"}}}}]}
# Converse records run and validate refused with different codes (issue 22): the rule each
# breaks first, checked in the same order by both (a block's side before its content, its shape
# before the model's taking it; the message count only when no turn rule says more)
CONVERSE_RULE_ORDER = [
    ({**_converse(), "messages": [_message("user", [{"text": "hi"}])]}, "ends_with_user"),
    ({**_converse(), "messages": [_message("user", [{}]), _assistant({"text": "x"})]},
     "empty_field"),
    ({**_converse(), "messages": [_message(5, [{"text": "hi"}]), _assistant({"text": "x"})]},
     "wrong_type"),
    ({**_converse(), "messages": [_message("user", [{"text": "q"}]), _assistant(
        {"reasoningContent": {"reasoningText": {"text": ""}}}, {"text": "a"})]}, "empty_field"),
    ({**_converse(), "toolConfig": _TOOL_CONFIG, "messages": [
        _message("user", [{"text": "weather?"}]),
        _assistant({"toolUse": {"toolUseId": "t1", "name": "w", "input": {}}}),
        _message("user", [{"toolResult": {"toolUseId": "t1", "content": [{"text": "sun"}]}}]),
        _assistant({"text": "sunny"})]}, "tool_turn"),
    ({**_converse(), "messages": [_message("user", [{"text": "q"}]), _assistant(
        {"image": {"format": "png", "source": {"s3Location": {"uri": "s3://b/a.png"}}}},
        {"text": "a"})]}, "media_in_assistant_turn"),
    # an unknown key beside a block's text: refused by both, never dropped by run
    ({**_converse(), "messages": [_message("user", [{"text": "q"}]),
                                  _assistant({"text": "a", "foo": 1})]}, "invalid_record"),
    ({"schemaVersion": "bedrock-conversation-2024", "system": [{"text": "Be brief."}]},
     "missing_field"),
]


def _probe_rows(probes: dict) -> list:
    from tests.oracles.test_probes import CONVERTED_BY_RUN
    return [(record, None if name in CONVERTED_BY_RUN else reason)
            for name, (record, _, reason) in probes.items()]


def _sweep_corpora() -> dict:
    from tests.oracles.test_probes import CONVERSE_PROBES, OPENAI_PROBES
    nova = ["--target", "bedrock-conversation", "--model", "nova-lite"]
    return {"converse_probes": (_probe_rows(CONVERSE_PROBES), nova, []),
            "openai_probes": (_probe_rows(OPENAI_PROBES), ["--target", "openai-chat"], []),
            "openai": (OPENAI, ["--target", "openai-chat", "--max-tokens", "100"], []),
            "haiku": (HAIKU, ["--target", "bedrock-multi-turn", "--model", "claude-3-haiku"], []),
            "nova": (NOVA, nova, ["--media-bucket-owner", "123456789012"]),
            "converse_shapes": (CONVERSE_SHAPES, nova, []),
            "converse_rule_order": (CONVERSE_RULE_ORDER, nova, [])}


@pytest.mark.slow
@pytest.mark.parametrize("corpus", sorted(_sweep_corpora()))
def test_a_record_run_and_validate_both_refuse_gets_one_reason_from_both(corpus, tmp_path,
                                                                        capsys):
    """Every record of the oracle probes (tests/oracles/test_probes.py, without the oracles)
    and of the corpora above that `run` and `validate` both refuse: the same one reason."""
    rows, target, run_only = _sweep_corpora()[corpus]
    path = tmp_path / "train.jsonl"
    _write(path, rows)
    validate, _ = validate_reasons(capsys, path, target)
    run = run_reasons(capsys, tmp_path, path, target + run_only)
    drift = {line: (sorted(validate[line]), run[line]) for line in set(validate) & set(run)
             if validate[line] != {run[line]}}
    assert drift == {}, "line: (validate's reasons, run's reason)"
    assert set(run) == {i for i, (_, reason) in enumerate(rows, 1) if reason}


# Bedrock RFT prompts (bedrock-rft), which run reads with the prompt-answer adapter (a prompt
# ending with an answer is left out: detection would then read the whole file as messages)
def _rft(*messages, **extra) -> dict:
    return {"messages": [{"role": r, "content": c} for r, c in messages] or
            [{"role": "user", "content": "What is 2 + 2?"}], "reference_answer": "4", **extra}


TOOL = {"type": "function", "function": {"name": "add", "description": "Adds.", "parameters": {
    "type": "object", "properties": {"a": {"type": "number"}}}}}
RFT = [
    (_rft(ground_truth="4"), None),
    (_rft(("system", "Answer with a number."), ("user", "2 + 2?"), ("user", "Quick!"),
          reference_answer={"value": 4}), None),
    (_rft(reference_answer="  "), "empty_reference_answer"),
    (_rft(reference_answer={}), "empty_reference_answer"),
    (_rft(reference_answer=5), "wrong_type"),
    (_rft(("user", "2 + 2?"), ("system", "Be brief."), ("user", "Now.")), "system_not_first"),
    (_rft(("user", "   ")), "empty_field"),
    (_rft(("robot", "2 + 2?"), ("user", "2 + 2?")), "unknown_role"),
    (_rft(tools=[TOOL, TOOL]), "bad_tool_definition"),
    (b'{"messages": [', "invalid_json"),
]


@pytest.mark.slow
def test_rft_prompts_get_one_reason_from_every_command(tmp_path, capsys):
    found = four_commands(capsys, tmp_path, RFT, ["--target", "bedrock-rft"])
    check_one_rule_set(found)
    # 100 prompts at least (Target.min_train_records), a dataset rule of both run and validate
    report = orjson.loads((tmp_path / "out" / "report.json").read_bytes())
    assert report["errors"] == ["train has 2 records; bedrock-rft needs at least 100"]
    _, dataset = validate_reasons(capsys, tmp_path / "train.jsonl", ["--target", "bedrock-rft"])
    assert "records" in {p["reason"] for p in dataset}
