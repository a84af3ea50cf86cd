"""bedrock-conversation and bedrock-distillation: the Converse schema, the shared conversation
rules, and the model rules read from ModelSpec fields (media, reserved words, bucket, students)."""
import pytest

from transforms.models import get_model
from transforms.records import Record, Source
from transforms.targets import get_target
from transforms.targets.context import TargetContext

from tests.target_helpers import CTX, formatted, reason, reasons

CONV, DISTILL = "bedrock-conversation", "bedrock-distillation"


def rec(turns=(), **kwargs):
    return Record(Source("mem://t.jsonl", 1), turns=list(turns), **kwargs)


def ctx_for(model, **kwargs):
    return TargetContext(model=get_model(model), **kwargs)


def text(t):
    return [{"text": t}]


def msg(role, *blocks):
    return {"role": role, "content": list(blocks)}


def image(uri="s3://data-bkt/img/cat.png", fmt="png"):
    return {"image": {"format": fmt, "source": {"s3Location": {"uri": uri}}}}


def video(uri="s3://data-bkt/v/clip.mp4", fmt="mp4"):
    return {"video": {"format": fmt, "source": {"s3Location": {"uri": uri}}}}


def converse(*messages, system=None):
    obj = {"schemaVersion": "bedrock-conversation-2024"}
    if system is not None:
        obj["system"] = system
    obj["messages"] = list(messages)
    return obj


EXCHANGE = (msg("user", {"text": "Hi"}), msg("assistant", {"text": "Hello"}))
CHAT = rec([("system", "Be brief."), ("user", "Hi"), ("assistant", "Hello")])


# --- formatting ---------------------------------------------------------------------------

def test_conversation_format():
    assert formatted(CONV, CHAT) == [converse(*EXCHANGE, system=text("Be brief."))]
    assert "system" not in formatted(CONV, rec([("user", "Hi"), ("assistant", "Hello")]))[0]


def test_instruction_fields_become_an_exchange():
    record = rec(fields={"instruction": "Add", "context": "1 and 2", "response": "3"})
    assert formatted(CONV, record)[0]["messages"] == [msg("user", {"text": "Add\n\n1 and 2"}),
                                                      msg("assistant", {"text": "3"})]


@pytest.mark.parametrize("uri, block", [
    ("s3://data-bkt/img/cat.JPG", image("s3://data-bkt/img/cat.JPG", "jpeg")),
    ("s3://data-bkt/img/cat.webp", image("s3://data-bkt/img/cat.webp", "webp")),
    ("s3://data-bkt/v/clip.mov", video("s3://data-bkt/v/clip.mov", "mov")),
])
def test_media_goes_first_in_the_first_user_turn(uri, block):
    record = rec([("user", "What is it?"), ("assistant", "A cat."), ("user", "Sure?"),
                  ("assistant", "Yes.")], image=uri)
    messages = formatted(CONV, record)[0]["messages"]
    assert messages[0]["content"] == [block, {"text": "What is it?"}]
    assert all(len(m["content"]) == 1 for m in messages[1:])


@pytest.mark.parametrize("uri, expected", [
    ("/local/cat.png", "bad_image_ref"),
    ("https://x.s3.amazonaws.com/cat.png", "bad_image_ref"),
    ("s3://Bad_Bucket/cat.png", "bad_image_ref"),
    ("s3://data-bkt/", "bad_image_ref"),
    ("s3://data-bkt/cat.tiff", "unsupported_image_type"),
    (7, "bad_image_ref"),
])
def test_media_refusals(uri, expected):
    assert reason(CONV, rec([("user", "a"), ("assistant", "b")], image=uri)) == expected


@pytest.mark.parametrize("record, expected", [
    (rec([("user", "a"), ("user", "b"), ("assistant", "c")]), "consecutive_roles"),
    (rec([("assistant", "x"), ("user", "a"), ("assistant", "b")]), "starts_with_assistant"),
    (rec([("user", "a"), ("assistant", "b"), ("user", "c")]), "ends_with_user"),
    (rec([("user", "a"), ("system", "s"), ("assistant", "b")]), "system_not_first"),
    (rec([("user", "a"), ("tool", "t"), ("assistant", "b")]), "tool_turn"),
    (rec(text="a document"), "not_a_conversation"),
])
def test_conversation_rules_are_the_shared_ones(record, expected):
    assert reason(CONV, record) == expected
    assert reason("bedrock-multi-turn", record) == expected


def test_repairs_apply():
    record = rec([("user", "a"), ("user", "b"), ("assistant", "c")])
    ctx = TargetContext(repair=frozenset({"merge_consecutive"}))
    assert formatted(CONV, record, ctx)[0]["messages"][0]["content"] == [{"text": "a\n\nb"}]


# --- schema checks ------------------------------------------------------------------------

@pytest.mark.parametrize("obj, expected", [
    (converse(*EXCHANGE) | {"id": 1}, ["invalid_record"]),
    ({"messages": list(EXCHANGE)}, ["invalid_record"]),
    ({"schemaVersion": "bedrock-conversion-2024", "messages": list(EXCHANGE)}, ["invalid_record"]),
    (converse(*EXCHANGE, system="Be brief."), ["invalid_record"]),
    (converse(*EXCHANGE, system=[{"text": ""}]), ["empty_field"]),
    (converse({"role": "user", "content": "Hi"}, EXCHANGE[1]), ["invalid_record"]),
    (converse(msg("user"), EXCHANGE[1]), ["empty_field"]),
    (converse(msg("user", {"text": "a", "x": 1}), EXCHANGE[1]), ["invalid_record"]),
    (converse(msg("system", {"text": "s"}), *EXCHANGE), ["system_not_first"]),
    (converse(msg("bot", {"text": "s"}), EXCHANGE[1]), ["unknown_role"]),
    (converse(EXCHANGE[1], *EXCHANGE), ["starts_with_assistant"]),
    (converse(*EXCHANGE, EXCHANGE[0]), ["ends_with_user"]),
    (converse(EXCHANGE[0], *EXCHANGE), ["consecutive_roles"]),
    (converse(EXCHANGE[0]), ["invalid_record", "ends_with_user"]),
    (converse(msg("user", image(), {"text": "a"}), msg("assistant", image(), {"text": "b"})),
     ["media_in_assistant_turn"]),
    (converse(msg("user", image(), video(), {"text": "a"}), EXCHANGE[1]), ["mixed_media"]),
    (converse(msg("user", {"image": {"format": "png"}}, {"text": "a"}), EXCHANGE[1]),
     ["invalid_record"]),
    (converse(msg("user", image("/tmp/cat.png"), {"text": "a"}), EXCHANGE[1]),
     ["bad_image_ref"]),
    (converse(msg("user", image(fmt="bmp"), {"text": "a"}), EXCHANGE[1]),
     ["unsupported_image_type"]),
    (converse(msg("user", video(fmt="avi"), {"text": "a"}), EXCHANGE[1]),
     ["unsupported_video_type"]),
])
def test_conversation_validate(obj, expected):
    assert reasons(CONV, obj) == expected


def test_measure_counts_text_only():
    obj = converse(msg("user", image(), {"text": "abc"}), msg("assistant", {"text": "de"}),
                   system=text("s"))
    assert get_target(CONV).measure(obj) == 6


# --- model rules (ModelSpec fields) -------------------------------------------------------

@pytest.mark.parametrize("word", ["User:", "Bot:", "Assistant:", "System:", "<image>", "<video>",
                                  "[EOS]"])
def test_nova_reserved_words(word):
    nova = ctx_for("nova-lite")
    in_user = converse(msg("user", {"text": f"say {word} now"}), EXCHANGE[1])
    in_system = converse(*EXCHANGE, system=text(f"{word} be kind"))
    assert reasons(CONV, in_user, nova) == ["reserved_word"]
    assert reasons(CONV, in_system, nova) == ["reserved_word"]
    assert reasons(CONV, in_user) == []                                   # no model: no rule
    assert reasons(CONV, in_user, ctx_for("llama3-1-8b-instruct")) == []  # not Llama's rule
    record = rec([("user", f"x {word}"), ("assistant", "y")])
    obj = get_target(CONV).format(record, nova)[0]
    assert reasons(CONV, obj, nova) == ["reserved_word"]


def test_reserved_words_only_in_prompts():
    answer = converse(EXCHANGE[0], msg("assistant", {"text": "User: fine"}))
    assert reasons(CONV, answer, ctx_for("nova-pro")) == []


def test_media_kinds_per_model():
    with_image = converse(msg("user", image(), {"text": "a"}), EXCHANGE[1])
    with_video = converse(msg("user", video(), {"text": "a"}), EXCHANGE[1])
    assert reasons(CONV, with_image, ctx_for("nova-lite")) == []
    assert reasons(CONV, with_video, ctx_for("nova-lite")) == []
    assert reasons(CONV, with_image, ctx_for("nova-micro")) == ["not_taken_by_model"]
    assert reasons(CONV, with_image, ctx_for("llama3-2-11b-vision-instruct")) == []
    assert reasons(CONV, with_video, ctx_for("llama3-2-11b-vision-instruct")) == [
        "not_taken_by_model"]
    assert reasons(CONV, with_image, ctx_for("llama3-1-8b-instruct")) == ["not_taken_by_model"]
    webp = converse(msg("user", image(fmt="webp"), {"text": "a"}), EXCHANGE[1])
    assert reasons(CONV, webp, ctx_for("llama3-2-90b-vision-instruct")) == []
    assert reasons(CONV, webp, ctx_for("nova-lite")) == ["unsupported_image_type"]


def test_media_counts():
    nova = ctx_for("nova-lite")
    eleven = converse(msg("user", *[image()] * 11, {"text": "a"}), EXCHANGE[1])
    ten = converse(msg("user", *[image()] * 10, {"text": "a"}), EXCHANGE[1])
    assert reasons(CONV, eleven, nova) == ["too_many_media"]
    assert reasons(CONV, ten, nova) == []
    two_videos = converse(msg("user", video(), {"text": "a"}), EXCHANGE[1],
                          msg("user", video(), {"text": "b"}), EXCHANGE[1])
    assert reasons(CONV, two_videos, nova) == ["too_many_media"]
    assert reasons(CONV, two_videos) == []


def test_media_in_the_dataset_bucket():
    obj = converse(msg("user", image("s3://other-bkt/cat.png"), {"text": "a"}), EXCHANGE[1])
    assert reasons(CONV, obj, ctx_for("nova-lite", dataset_uri="s3://data-bkt/out")) == [
        "media_outside_dataset_bucket"]
    assert reasons(CONV, obj, ctx_for("nova-lite", dataset_uri="s3://other-bkt/out")) == []
    assert reasons(CONV, obj, ctx_for("nova-lite", dataset_uri="/local/out")) == []
    assert reasons(CONV, obj, ctx_for("llama3-2-11b-vision-instruct",
                                      dataset_uri="s3://data-bkt/out")) == []


def test_llama_system_blocks_and_token_limit():
    llama = ctx_for("llama3-2-90b-vision-instruct", max_chars=100)
    two = converse(*EXCHANGE, system=text("a") + text("b"))
    assert reasons(CONV, two, llama) == ["invalid_record"]
    long = converse(msg("user", {"text": "x" * 200}), EXCHANGE[1])
    assert reasons(CONV, long, llama) == ["too_long"]


def test_reasoning_content_only_for_nova_2():
    obj = converse(EXCHANGE[0], msg("assistant", {"reasoningContent": {
        "reasoningText": {"text": "think"}}}, {"text": "b"}))
    assert reasons(CONV, obj, ctx_for("nova-2-lite")) == []
    assert reasons(CONV, obj, ctx_for("nova-lite")) == ["not_taken_by_model"]


def test_dataset_facets_hook():
    target = get_target(CONV)
    kinds = target.dataset_facets(converse(msg("user", image(), {"text": "a"}), EXCHANGE[1]))
    kinds |= target.dataset_facets(converse(*EXCHANGE))
    assert kinds == {"image"} and target.dataset_problems(kinds, CTX) == []
    kinds |= target.dataset_facets(converse(msg("user", video(), {"text": "a"}), EXCHANGE[1]))
    assert [r for r, _ in target.dataset_problems(kinds, CTX)] == ["mixed_media"]


# --- bedrock-distillation -----------------------------------------------------------------

def test_distillation_prompts():
    prompt = rec([("user", "What is 2+2?")])
    assert formatted(DISTILL, prompt) == [converse(msg("user", {"text": "What is 2+2?"}))]
    assert formatted(DISTILL, CHAT)[0] == converse(*EXCHANGE, system=text("Be brief."))
    multi = rec([("user", "a"), ("assistant", "b"), ("user", "c")])
    assert len(formatted(DISTILL, multi)[0]["messages"]) == 3
    assert len(formatted(DISTILL, multi, ctx_for("distill-nova-lite"))[0]["messages"]) == 3


@pytest.mark.parametrize("student", ["distill-claude-3-haiku", "distill-llama3-1-8b-instruct",
                                     "distill-llama3-2-3b-instruct"])
def test_claude_and_llama_students_take_one_prompt(student):
    ctx = ctx_for(student)
    target = get_target(DISTILL)
    assert formatted(DISTILL, rec([("user", "a")]), ctx)
    assert formatted(DISTILL, rec([("user", "a"), ("assistant", "b")]), ctx)
    multi = target.format(rec([("user", "a"), ("assistant", "b"), ("user", "c")]), ctx)[0]
    assert reasons(DISTILL, multi, ctx) == ["not_single_turn"]


def test_distillation_refusals():
    assert reason(DISTILL, rec([("assistant", "a"), ("user", "b")])) == "starts_with_assistant"
    assert reason(DISTILL, rec([("user", "a")], image="s3://b-1/x.png")) == "not_taken_by_model"
    with_media = converse(msg("user", image(), {"text": "a"}))
    assert reasons(DISTILL, with_media) == ["not_taken_by_model"]
    assert reasons(DISTILL, {"schemaVersion": "bedrock-conversion-2024",
                             "messages": [msg("user", {"text": "a"})]}) == ["invalid_record"]
    assert reasons(DISTILL, converse()) == ["invalid_record"]


def test_student_models():
    assert get_model("distill-claude-3-haiku").single_turn_prompts
    assert not get_model("distill-nova-pro").single_turn_prompts
    assert get_model("distill-nova-micro").kinds == ("distillation",)


def test_nova_takes_any_schema_version():
    obj = {"schemaVersion": "tooluse-dataset-2024", "messages": list(EXCHANGE)}
    assert reasons(CONV, obj, ctx_for("nova-lite")) == []
    assert reasons(CONV, obj, ctx_for("llama3-1-8b-instruct")) == ["invalid_record"]
    assert reasons(CONV, obj) == ["invalid_record"]
    assert reasons(CONV, {"schemaVersion": "", "messages": list(EXCHANGE)},
                   ctx_for("nova-lite")) == ["invalid_record"]
    assert reasons(DISTILL, {"schemaVersion": "x", "messages": [EXCHANGE[0]]},
                   ctx_for("distill-nova-lite")) == ["invalid_record"]


def test_media_uris_hook():
    obj = converse(msg("user", image(), {"text": "a"}), EXCHANGE[1],
                   msg("user", video(), {"text": "b"}), EXCHANGE[1])
    assert get_target(CONV).media_uris(obj) == ["s3://data-bkt/img/cat.png",
                                                "s3://data-bkt/v/clip.mp4"]
    assert get_target(CONV).media_uris(converse(*EXCHANGE)) == []
