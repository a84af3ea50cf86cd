"""Rules AWS's own dataset validators enforce beyond the prose docs (issue 14), each checked
where tuneprep writes or validates the record (docs/sources/formats-2026.md gives the source of
each).

AWS's Haiku, Llama and distillation validators are scripts in aws-samples repositories, not
registry packages: they cannot be installed and run here as the Nova Forge SDK and the
SageMaker schemas are (tests/oracles), so their rules stand here as conformance cases. Where a
validator is wrong, the case names the source that overrules it
(test_where_a_validator_is_overruled)."""
from __future__ import annotations

import orjson
import pytest

from tuneprep.pipelines.cli import main
from tuneprep.transforms.core.context import TargetContext
from tuneprep.transforms.targets.models import get_model
from tests.helpers import SAMPLES, read_json, reasons, write_jsonl

HAIKU = TargetContext(model=get_model("claude-3-haiku"))


def chat(user: str, answer: str, system: str | None = None) -> dict:
    obj = {"system": system} if system else {}
    obj["messages"] = [{"role": "user", "content": user},
                       {"role": "assistant", "content": answer}]
    return obj


def test_haiku_refuses_old_turn_markers_inside_any_content():
    for obj in (chat("Hi\nHuman: more", "ok"), chat("Hi", "sure\nAssistant: again"),
                chat("Hi", "ok", system="Be brief.\nHuman: x")):
        assert reasons("bedrock-multi-turn", obj, HAIKU) == ["reserved_word"], obj
        assert reasons("bedrock-multi-turn", obj) == []   # no model: not the rule
    # the words themselves, not after a line break, are fine
    assert reasons("bedrock-multi-turn", chat("Human: who wrote it?", "ok"), HAIKU) == []


@pytest.mark.slow
def test_a_haiku_validation_set_holds_at_least_32_records(tmp_path, capsys):
    rows = [{"messages": [{"role": "user", "content": f"question {i}"},
                          {"role": "assistant", "content": f"answer {i}"}]} for i in range(60)]
    train = write_jsonl(tmp_path / "train.jsonl", rows[:40])
    held_out = write_jsonl(tmp_path / "held_out.jsonl", rows[40:])   # 20: too few
    out = tmp_path / "out"
    code = main(["run", "--input", str(train), "--validation-input", str(held_out),
                 "--target", "bedrock-multi-turn", "--model", "claude-3-haiku",
                 "--output", str(out)])
    _, err = capsys.readouterr()
    assert code == 1
    assert "validation has 20 records; claude-3-haiku needs at least 32" in err
    assert read_json(out / "report.json")["status"] == "failed"
    assert not (out / "_SUCCESS").exists()
    code = main(["run", "--input", str(train), "--target", "bedrock-multi-turn",
                 "--model", "claude-3-haiku", "--output", str(tmp_path / "no_validation")])
    assert code == 0, capsys.readouterr().err   # without a validation set, no minimum


def test_nova_takes_at_most_20000_records_train_and_validation_together():
    from tuneprep.transforms.core.config import RunConfig
    from tuneprep.transforms.sink.assembly_checks import quota_problems
    for name in ("nova-lite", "nova-micro", "nova-pro", "nova-2-lite"):
        assert get_model(name).max_total_records == 20_000, name
    cfg = RunConfig(target="bedrock-conversation", output="unused", model="nova-lite")
    problems = quota_problems(cfg, {"train": 18_000, "validation": 2_500}, {})
    assert problems == ["train and validation hold 20,500 records together; nova-lite takes at "
                        "most 20,000 (use --sample-to-quota to down-sample deterministically)"]
    assert quota_problems(cfg, {"train": 18_000, "validation": 2_000}, {}) == []
    assert get_model("nova-2-lite").min_records == 200


@pytest.mark.slow
def test_llama_3_1_takes_prompt_completion_on_bedrock(tmp_path, capsys):
    for name in ("llama3-1-8b-instruct", "llama3-1-70b-instruct"):
        out = tmp_path / name
        code = main(["run", "--input", str(SAMPLES / "alpaca_sample.jsonl"), "--target",
                     "bedrock-text", "--model", name, "--output", str(out)])
        assert code == 0, capsys.readouterr().err
        first = read_json(out / "manifest.json")["options"]
        assert first["model"] == name and (out / "train/train.jsonl").read_bytes().startswith(
            b'{"prompt":')
    capsys.readouterr()
    # Llama 3.2 is listed with the Converse format only
    code = main(["run", "--input", str(SAMPLES / "alpaca_sample.jsonl"), "--target",
                 "bedrock-text", "--model", "llama3-2-1b-instruct", "--output",
                 str(tmp_path / "l32")])
    assert code == 2 and "does not take --target bedrock-text" in capsys.readouterr().err


def test_nova_image_limits_as_the_validators_check_them():
    import pytest
    from tuneprep.transforms.io.images import ImageInfo, check_limits
    from tuneprep.transforms.core.records import RecordError
    lite = get_model("nova-lite")
    assert lite.image_max_bytes == 10_000_000 and lite.image_min_px == 25
    check_limits(ImageInfo("PNG", 25, 400, 1_000), lite, "ok.png")   # at the limits: taken
    for info, reason in ((ImageInfo("PNG", 20, 20, 500), "image_dimensions"),
                         (ImageInfo("PNG", 800, 600, 12_000_000), "image_too_large")):
        with pytest.raises(RecordError) as refused:
            check_limits(info, lite, "x.png")
        assert refused.value.reason == reason
    assert "webp" in lite.image_formats and "webp" not in get_model("nova-2-lite").image_formats
    assert not get_model("nova-micro").image_formats   # Micro takes no media


def test_distillation_prompts_as_the_distillation_validator_checks_them():
    from tuneprep.transforms.targets.converse import SCHEMA_VERSION
    student = TargetContext(model=get_model("distill-nova-lite"))
    two_blocks = {"schemaVersion": SCHEMA_VERSION, "messages": [
        {"role": "user", "content": [{"text": "a"}, {"text": "b"}]}]}
    assert reasons("bedrock-distillation", two_blocks, student) == ["invalid_record"]
    assert reasons("bedrock-distillation", two_blocks) == ["invalid_record"]   # any student
    one_block = {"schemaVersion": SCHEMA_VERSION, "system": [{"text": "s"}, {"text": "t"}],
                 "messages": [{"role": "user", "content": [{"text": "a"}]}]}
    assert reasons("bedrock-distillation", one_block, student) == ["invalid_record"]   # 2 system
    one_block["system"] = [{"text": "s"}]
    assert reasons("bedrock-distillation", one_block, student) == []
    wrong = {**one_block, "schemaVersion": "bedrock-conversation-2025"}
    assert reasons("bedrock-distillation", wrong, student) != []   # the exact version only
    for name in ("distill-nova-lite", "distill-claude-3-haiku", "distill-llama3-1-8b-instruct"):
        assert get_model(name).min_records == 100, name


@pytest.mark.slow
def test_a_nova_run_with_a_system_prompt_in_some_records_fails_with_counts(tmp_path, capsys):
    rows = [{"messages": ([{"role": "system", "content": "Be brief."}] if i < 3 else []) + [
        {"role": "user", "content": f"question {i}"},
        {"role": "assistant", "content": f"answer {i}"}]} for i in range(10)]
    corpus = write_jsonl(tmp_path / "chat.jsonl", rows)
    out = tmp_path / "out"
    code = main(["run", "--input", str(corpus), "--target", "bedrock-conversation",
                 "--model", "nova-lite", "--output", str(out)])
    _, err = capsys.readouterr()
    assert code == 1
    assert "inconsistent_fields: 3 of 10 records hold a system prompt" in err
    report = read_json(out / "report.json")
    assert report["status"] == "failed" and not (out / "_SUCCESS").exists()
    assert not (out / "train").exists()   # no dataset the validator would refuse
    # the same records through validate, as a file someone else made
    ok = main(["run", "--input", str(corpus), "--target", "bedrock-conversation",
               "--output", str(tmp_path / "no_model")])
    assert ok == 0
    code = main(["validate", "--target", "bedrock-conversation", "--model", "nova-lite",
                 str(tmp_path / "no_model" / "train" / "train.jsonl")])
    out_text, err = capsys.readouterr()
    assert code == 1 and "inconsistent_fields: 3 of 10 records hold a system prompt" in out_text


def test_media_bucket_owner_is_written_and_checked():
    from tuneprep.transforms.core.records import Record, Source
    from tuneprep.transforms.targets import get_target
    target = get_target("bedrock-conversation")
    ctx = TargetContext(model=get_model("nova-lite"), dataset_uri="s3://data-bkt/ds",
                        media_bucket_owner="123456789012")
    record = Record(source=Source("x.jsonl", 1), image="s3://data-bkt/img/cat.png",
                    turns=[("user", "What is it?"), ("assistant", "A cat.")])
    obj = target.format(record, ctx)[0]
    location = obj["messages"][0]["content"][0]["image"]["source"]["s3Location"]
    assert location == {"uri": "s3://data-bkt/img/cat.png", "bucketOwner": "123456789012"}
    assert target.validate(obj, ctx) == []
    location["bucketOwner"] = "me"
    assert [r for r, _ in target.validate(obj, ctx)] == ["invalid_record"]


def test_media_bucket_owner_option_is_checked(tmp_path, capsys):
    base = ["run", "--input", str(SAMPLES / "chat_sample.jsonl"), "--output", str(tmp_path / "o")]
    assert main([*base, "--target", "bedrock-conversation", "--media-bucket-owner", "12"]) == 2
    assert "not a 12-digit AWS account id" in capsys.readouterr().err
    assert main([*base, "--target", "bedrock-text", "--media-bucket-owner", "123456789012"]) == 2
    assert "is for --target bedrock-conversation" in capsys.readouterr().err


def test_haiku_length_is_estimated_at_3_characters_a_token(tmp_path, capsys):
    """AWS's Haiku validator counts len(text) / 3 against 32,000 tokens: a record of 100,027
    characters passes 6 characters a token and is refused there."""
    path = write_jsonl(tmp_path / "train.jsonl", [chat("q" * 100_000, "a" * 27)])
    args = ["validate", "--target", "bedrock-single-turn", "--model", "claude-3-haiku", str(path)]
    assert main(args) == 1
    out, _ = capsys.readouterr()
    assert ":1: too_long:" in out and "at 3 characters a token" in out
    main([*args, "--chars-per-token", "6"])   # the option still rules
    assert "too_long" not in capsys.readouterr()[0]
    assert get_model("claude-3-haiku").chars_per_token == 3.0
    assert get_model("titan-text-express").chars_per_token is None   # AWS's 6


def test_llama_3_1_through_the_converse_schema_is_refused_at_the_launch(tmp_path, capsys):
    for name in ("llama3-1-8b-instruct", "llama3-1-70b-instruct"):
        code = main(["run", "--input", str(SAMPLES / "chat_sample.jsonl"), "--target",
                     "bedrock-conversation", "--model", name, "--output", str(tmp_path / name)])
        _, err = capsys.readouterr()
        assert code == 2
        assert err.splitlines() == [f"error: --model {name} does not take --target "
                                    "bedrock-conversation; it takes: bedrock-text (rerun with "
                                    "--target bedrock-text)"]
        assert not (tmp_path / name).exists()


def test_only_nova_2_takes_tool_blocks():
    tool_record = {"schemaVersion": "bedrock-conversation-2024", "toolConfig": {"tools": [
        {"toolSpec": {"name": "clock", "description": "the time",
                      "inputSchema": {"json": {"type": "object"}}}}]}, "messages": [
        {"role": "user", "content": [{"text": "Time?"}]},
        {"role": "assistant", "content": [{"toolUse": {"toolUseId": "t1", "name": "clock",
                                                       "input": {}}}]},
        {"role": "user", "content": [{"toolResult": {"toolUseId": "t1",
                                                     "content": [{"text": "12:00"}]}}]},
        {"role": "assistant", "content": [{"text": "Noon."}]}]}
    for name in ("nova-micro", "nova-lite", "nova-pro"):
        assert not get_model(name).tool_use, name
        ctx = TargetContext(model=get_model(name))
        assert reasons("bedrock-conversation", tool_record, ctx) == ["tool_turn"], name
    assert get_model("nova-2-lite").tool_use
    assert reasons("bedrock-conversation", tool_record,
                   TargetContext(model=get_model("nova-2-lite"))) == []



def test_where_a_validator_is_overruled():
    """Three validator rules tuneprep does not follow, each with the source that overrules it."""
    from tuneprep.transforms.sink.dataset_rules import RECORDS, record_count_problems
    # 1. The distillation validator caps a prompt at two messages; Bedrock's distillation page
    # (distillation-data-prep-option-1, formats-2026.md "Other Bedrock rules": "the validator's
    # 2-message cap is stale") has Nova students take multi-turn prompts; Anthropic and Meta
    # students single-turn ones (service-formats.md §1.6)
    three = {"schemaVersion": "bedrock-conversation-2024", "messages": [
        {"role": role, "content": [{"text": text}]}
        for role, text in (("user", "a"), ("assistant", "b"), ("user", "c"))]}
    assert reasons("bedrock-distillation", three,
                   TargetContext(model=get_model("distill-nova-lite"))) == []
    assert reasons("bedrock-distillation", three, TargetContext(
        model=get_model("distill-claude-3-haiku"))) == ["not_single_turn"]
    # 2. The Haiku validator checks a validation file against the training bounds (up to
    # 10,000 records); the Haiku row of service-formats.md §2.2 and formats-2026.md ("validation
    # set 32-1,000 records") hold a validation set to 1,000
    haiku = get_model("claude-3-haiku")
    assert (haiku.max_validation_records, haiku.max_train_records) == (1000, 10_000)
    assert [rule for rule, _ in record_count_problems(
        haiku, {"train": 2000, "validation": 1001})] == [RECORDS]
    assert record_count_problems(haiku, {"train": 2000, "validation": 1000}) == []
    # 3. The OpenAI cookbook's format check predates tools (roles system/user/assistant/function,
    # string content); OpenAI's fine-tuning chat input reference takes assistant tool_calls
    # with null content and tool messages (formats-2026.md "OpenAI chat with tools";
    # openai/openai-cookbook#1549, service-formats.md §4)
    tool_use = {"messages": [
        {"role": "user", "content": "Time?"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "now", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "12:00"},
        {"role": "assistant", "content": "Noon."}],
        "tools": [{"type": "function", "function": {
            "name": "now", "description": "the time",
            "parameters": {"type": "object", "properties": {}}}}]}
    assert reasons("openai-chat", tool_use) == []
