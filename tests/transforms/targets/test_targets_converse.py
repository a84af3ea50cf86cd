"""bedrock-conversation and bedrock-distillation: the Converse schema, the shared conversation
rules, and the model rules read from ModelSpec fields (media, reserved words, bucket, students)."""
from pathlib import Path

import pytest

from tuneprep.transforms.adapters import normalize
from tuneprep.transforms.core.records import Source
from tuneprep.transforms.targets.models import get_model
from tuneprep.transforms.core.records import RecordError
from tuneprep.transforms.targets import get_target
from tuneprep.transforms.core.context import TargetContext

from tests.helpers import CTX, ROLE_ORDER_CASES, formatted, reason, reasons, rec

CONV, DISTILL = "bedrock-conversation", "bedrock-distillation"


def ctx_for(model, **kwargs):
    return TargetContext(model=get_model(model), **kwargs)


def text(t):
    return [{"text": t}]


def msg(role, *blocks):
    return {"role": role, "content": list(blocks)}


OWNER = "123456789012"   # s3Location.bucketOwner, which Nova's media need (bucket_owner.py)


def location(uri, owner):
    return {"uri": uri, **({"bucketOwner": owner} if owner else {})}


def image(uri="s3://data-bkt/img/cat.png", fmt="png", owner=None):
    return {"image": {"format": fmt, "source": {"s3Location": location(uri, owner)}}}


def video(uri="s3://data-bkt/v/clip.mp4", fmt="mp4", owner=None):
    return {"video": {"format": fmt, "source": {"s3Location": location(uri, owner)}}}


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


def test_an_instruction_record_is_its_exchange():
    record = normalize({"instruction": "Add", "input": "1 and 2", "output": "3"}, "alpaca",
                       Source("mem://t.jsonl", 1))
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


@pytest.mark.parametrize("record, expected", ROLE_ORDER_CASES)
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
    (converse(EXCHANGE[0]), ["ends_with_user"]),   # (the count adds nothing, as in run)
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

@pytest.mark.parametrize("word", ["System:", "SYSTEM:", "User:", "USER:", "Bot:", "BOT:",
                                  "Assistant:", "ASSISTANT:", "Thought:", "[EOS]", "<image>",
                                  "<video>", "<unk>"])
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


def test_reserved_words_in_every_text_block():
    """AWS's Nova validator checks assistant text (and reasoning) too, not only prompts."""
    nova = ctx_for("nova-pro")
    answer = converse(EXCHANGE[0], msg("assistant", {"text": "Assistant: 4"}))
    assert reasons(CONV, answer, nova) == ["reserved_word"]
    assert reasons(CONV, answer, ctx_for("llama3-1-8b-instruct")) == []   # not Llama's rule
    plain = converse(EXCHANGE[0], msg("assistant", {"text": "The user said fine."}))
    assert reasons(CONV, plain, nova) == []   # the words, with their colon, only


def test_nova_media_keys_take_word_characters_only():
    """All three Nova validators refuse `s3://b/my images/cat 1.jpg`; Llama takes it."""
    spaced = converse(msg("user", image("s3://data-bkt/my images/cat 1.png", owner=OWNER),
                          {"text": "a"}), EXCHANGE[1])
    assert reasons(CONV, spaced, ctx_for("nova-lite")) == ["bad_image_ref"]
    assert reasons(CONV, spaced, ctx_for("llama3-2-11b-vision-instruct")) == []
    plain = converse(msg("user", image("s3://data-bkt/my_images/cat-1.v2.png", owner=OWNER),
                         {"text": "a"}), EXCHANGE[1])
    assert reasons(CONV, plain, ctx_for("nova-lite")) == []


def test_media_kinds_per_model():
    with_image = converse(msg("user", image(owner=OWNER), {"text": "a"}), EXCHANGE[1])
    with_video = converse(msg("user", video(owner=OWNER), {"text": "a"}), EXCHANGE[1])
    assert reasons(CONV, with_image, ctx_for("nova-lite")) == []
    assert reasons(CONV, with_video, ctx_for("nova-lite")) == []
    assert reasons(CONV, with_image, ctx_for("nova-micro")) == ["not_taken_by_model"]
    assert reasons(CONV, with_image, ctx_for("llama3-2-11b-vision-instruct")) == []
    assert reasons(CONV, with_video, ctx_for("llama3-2-11b-vision-instruct")) == [
        "not_taken_by_model"]
    assert reasons(CONV, with_image, ctx_for("llama3-1-8b-instruct")) == ["not_taken_by_model"]
    webp = converse(msg("user", image(fmt="webp", owner=OWNER), {"text": "a"}), EXCHANGE[1])
    assert reasons(CONV, webp, ctx_for("llama3-2-90b-vision-instruct")) == []
    assert reasons(CONV, webp, ctx_for("nova-lite")) == []          # Nova 1 takes webp...
    assert reasons(CONV, webp, ctx_for("nova-2-lite")) == ["unsupported_image_type"]   # 2 not


def test_media_counts():
    nova = ctx_for("nova-lite")
    eleven = converse(msg("user", *[image(owner=OWNER)] * 11, {"text": "a"}), EXCHANGE[1])
    ten = converse(msg("user", *[image(owner=OWNER)] * 10, {"text": "a"}), EXCHANGE[1])
    assert reasons(CONV, eleven, nova) == ["too_many_media"]
    assert reasons(CONV, ten, nova) == []
    two_videos = converse(msg("user", video(owner=OWNER), {"text": "a"}), EXCHANGE[1],
                          msg("user", video(owner=OWNER), {"text": "b"}), EXCHANGE[1])
    assert reasons(CONV, two_videos, nova) == ["too_many_media"]
    assert reasons(CONV, two_videos) == []


def test_media_in_the_dataset_bucket():
    obj = converse(msg("user", image("s3://other-bkt/cat.png", owner=OWNER), {"text": "a"}),
                   EXCHANGE[1])
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
    assert reasons(CONV, obj, ctx_for("nova-lite")) == ["reasoning_not_taken"]
    thought = converse(EXCHANGE[0], msg("assistant", {"reasoningContent": {
        "reasoningText": {"text": "Thought: it is 4"}}}, {"text": "b"}))
    assert reasons(CONV, thought, ctx_for("nova-2-lite")) == ["reserved_word"]


def test_dataset_facets_hook():
    target = get_target(CONV)
    kinds = target.dataset_facets(converse(msg("user", image(), {"text": "a"}), EXCHANGE[1]))
    kinds |= target.dataset_facets(converse(*EXCHANGE))
    assert kinds == {"image"} and target.dataset_problems({"image": 1}, CTX, 2) == []
    kinds |= target.dataset_facets(converse(msg("user", video(), {"text": "a"}), EXCHANGE[1]))
    assert [r for r, _ in target.dataset_problems(dict.fromkeys(kinds, 1), CTX, 3)] == [
        "mixed_media"]
    assert target.dataset_facets(converse(*EXCHANGE, system=text("s"))) == {"system"}


def test_nova_takes_each_optional_field_in_every_record_or_in_none():
    """The Nova Forge validator fails a dataset whose optional fields appear in some records and
    not others; Llama's does not check it."""
    target, nova = get_target(CONV), ctx_for("nova-lite")
    assert target.dataset_problems({"system": 12}, nova, 500) == [(
        "inconsistent_fields", "12 of 500 records hold a system prompt; Amazon Nova Lite takes a "
        "dataset only when each optional field is in every record or in none")]
    assert target.dataset_problems({"system": 500, "image": 500}, nova, 500) == []
    assert target.dataset_problems({}, nova, 500) == []
    assert target.dataset_problems({"system": 12}, ctx_for("llama3-1-8b-instruct"), 500) == []
    assert [r for r, _ in target.dataset_problems({"image": 3}, nova, 4)] == [
        "inconsistent_fields"]


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
    with_media = converse(msg("user", image(), {"text": "a"}))   # (also two content blocks)
    assert reasons(DISTILL, with_media) == ["not_taken_by_model", "invalid_record"]
    assert reasons(DISTILL, {"schemaVersion": "bedrock-conversion-2024",
                             "messages": [msg("user", {"text": "a"})]}) == ["invalid_record"]
    assert reasons(DISTILL, converse()) == ["empty_field"]   # as `run` refuses no messages


def test_student_models():
    assert get_model("distill-claude-3-haiku").single_turn_prompts
    assert not get_model("distill-nova-pro").single_turn_prompts
    assert get_model("distill-nova-micro").kinds == ("distillation",)


def test_every_model_takes_exactly_bedrock_conversation_2024():
    """The Nova page says any string; the Nova Forge SDK refuses all but this one."""
    obj = {"schemaVersion": "tooluse-dataset-2024", "messages": list(EXCHANGE)}
    for model in ("nova-lite", "nova-micro", "nova-pro", "nova-2-lite",
                  "llama3-1-8b-instruct"):
        assert reasons(CONV, obj, ctx_for(model)) == ["invalid_record"], model
    assert reasons(CONV, {"messages": list(EXCHANGE)}, ctx_for("nova-lite")) == [
        "invalid_record"]
    assert reasons(CONV, converse(*EXCHANGE), ctx_for("nova-lite")) == []
    assert reasons(CONV, obj) == ["invalid_record"]
    assert reasons(CONV, {"schemaVersion": "", "messages": list(EXCHANGE)},
                   ctx_for("nova-lite")) == ["invalid_record"]
    assert reasons(DISTILL, {"schemaVersion": "x", "messages": [EXCHANGE[0]]},
                   ctx_for("distill-nova-lite")) == ["invalid_record"]


def test_media_uris_hook():
    obj = converse(msg("user", image(), {"text": "a"}), EXCHANGE[1],
                   msg("user", video(), {"text": "b"}), EXCHANGE[1])
    assert get_target(CONV).media.media_uris(obj) == ["s3://data-bkt/img/cat.png",
                                                "s3://data-bkt/v/clip.mp4"]
    assert get_target(CONV).media.media_uris(converse(*EXCHANGE)) == []


# --- images: checked by content and uploaded (the media staging step, as bedrock-image's) ---



def picture(path, size=(64, 48), fmt="JPEG"):
    from PIL import Image
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (30, 60, 90)).save(path, format=fmt)
    return str(path)


def prepared(record, ctx):
    """Media staged then format, as the pipeline does; the objects pass the target's rules."""
    record = get_target(CONV).media.stage(record, ctx, upload=True)
    return record, formatted(CONV, record, ctx)


def media_reason(record, ctx):
    with pytest.raises(RecordError) as error:
        get_target(CONV).media.stage(record, ctx, upload=True)
    assert error.value.stage == "format"
    return error.value.reason, error.value.message


def test_uploads_images_only_where_the_model_takes_them():
    from tuneprep.transforms.targets.media_staging import uploads_images
    target = get_target(CONV)
    assert uploads_images(target, None)
    assert uploads_images(target, get_model("nova-lite"))
    assert uploads_images(target, get_model("llama3-2-11b-vision-instruct"))
    assert not uploads_images(target, get_model("nova-micro"))
    assert not uploads_images(target, get_model("llama3-1-8b-instruct"))
    assert not uploads_images(get_target(DISTILL), None)
    assert uploads_images(get_target("bedrock-image"), None)


def test_local_image_uploaded_by_content(store, tmp_path):
    s3 = store
    ctx = ctx_for("nova-lite", image_uri_prefix=s3.uri("images"), media_bucket_owner=OWNER)
    first = picture(tmp_path / "a/cat.jpg")
    same = tmp_path / "b/cat_copy.png"             # the same bytes under another name
    same.parent.mkdir()
    same.write_bytes((tmp_path / "a/cat.jpg").read_bytes())
    turns = [("user", "What is it?"), ("assistant", "A cat.")]
    record, objs = prepared(rec(turns, image=first), ctx)
    keys = s3.keys("images/")
    assert len(keys) == 1 and keys[0].endswith(".jpg") and len(keys[0]) == len("images/") + 36
    assert record.image == s3.uri(keys[0])
    assert objs[0]["messages"][0]["content"] == [image(s3.uri(keys[0]), "jpeg", OWNER),
                                                 {"text": "What is it?"}]
    again, _ = prepared(rec(turns, image=str(same)), ctx)
    assert again.image == record.image and s3.keys("images/") == keys   # uploaded once
    gif, objs = prepared(rec(turns, image=picture(tmp_path / "anim.gif", fmt="GIF")), ctx)
    assert gif.image.endswith(".gif") and objs[0]["messages"][0]["content"][0]["image"][
        "format"] == "gif"                                              # Nova takes GIF
    assert len(s3.keys("images/")) == 2


@pytest.mark.parametrize("model, fmt, size, expected", [
    ("nova-lite", "WEBP", (64, 48), None),       # Nova 1 takes WebP (its validators do)
    ("nova-2-lite", "WEBP", (64, 48), ("unsupported_image_type", "is WEBP, not PNG, JPEG or GIF")),
    ("llama3-2-11b-vision-instruct", "WEBP", (64, 48), None),          # Llama takes WebP
    ("llama3-2-11b-vision-instruct", "BMP", (64, 48),
     ("unsupported_image_type", "is BMP, not GIF, JPEG, PNG or WEBP")),
    ("llama3-2-11b-vision-instruct", "PNG", (8193, 1),
     ("image_dimensions", "Meta Llama 3.2 11B Vision Instruct takes 1-8192 pixels a side")),
    ("nova-lite", "PNG", (8193, 25), None),      # no upper pixel limit for Nova...
    ("nova-lite", "PNG", (20, 20),                # ...but at least 25 a side (its validators)
     ("image_dimensions", "Amazon Nova Lite takes at least 25 pixels a side")),
    (None, "WEBP", (64, 48), None),              # no model: every Converse image format
])
def test_local_image_checked_against_the_model(store, tmp_path, model, fmt, size, expected):
    s3 = store
    path = picture(tmp_path / f"img.{fmt.lower()}", size, fmt)
    ctx = TargetContext(model=get_model(model) if model else None,
                        image_uri_prefix=s3.uri("images"), media_bucket_owner=OWNER)
    record = rec([("user", "q"), ("assistant", "a")], image=path)
    if expected is None:
        assert prepared(record, ctx)[0].image.startswith(s3.uri("images/"))
    else:
        reason_, message = media_reason(record, ctx)
        assert reason_ == expected[0] and expected[1] in message
        assert s3.keys("images/") == []


def test_large_local_image_refused_before_upload(store, tmp_path):
    s3 = store
    import dataclasses
    small = dataclasses.replace(get_model("llama3-2-11b-vision-instruct"), image_max_bytes=100)
    record = rec([("user", "q"), ("assistant", "a")], image=picture(tmp_path / "x.png",
                                                                    fmt="PNG"))
    assert media_reason(record, TargetContext(model=small, image_uri_prefix=s3.uri("i")))[0] \
        == "image_too_large"
    assert s3.keys("i/") == []


def test_local_image_needs_a_prefix(tmp_path):
    record = rec([("user", "q"), ("assistant", "a")], image=picture(tmp_path / "x.jpg"))
    reason_, message = media_reason(record, ctx_for("nova-lite"))
    assert reason_ == "bad_image_ref" and "pass --image-uri-prefix s3://" in message
    missing = rec([("user", "q"), ("assistant", "a")], image=str(tmp_path / "gone.jpg"))
    assert media_reason(missing, ctx_for("nova-lite", image_uri_prefix="s3://my-bucket/i"))[0] \
        == "image_missing"
    web = rec([("user", "q"), ("assistant", "a")], image="https://example.com/cat.jpg")
    assert media_reason(web, ctx_for("nova-lite"))[0] == "bad_image_ref"


def test_left_to_the_converse_rules(tmp_path):
    """A local video, a text-only model's image or video, a video format the model does not
    take, and an s3:// name the rules refuse are not touched (nothing is read or uploaded: the
    prefix's bucket does not exist). An s3:// video is checked: tests/transforms/io/test_videos.py."""
    target = get_target(CONV)
    local = picture(tmp_path / "x.jpg")
    for model, ref in (("nova-lite", str(tmp_path / "clip.mp4")),
                       ("nova-micro", "s3://data-bkt/v/clip.mov"),
                       ("nova-2-lite", "s3://data-bkt/v/clip.webm"),
                       ("nova-micro", local), ("llama3-1-8b-instruct", local),
                       ("nova-lite", "s3://data-bkt/img/cat.tiff"),
                       ("nova-lite", "s3://Bad_Bucket/cat.png")):
        record = rec([("user", "q"), ("assistant", "a")], image=ref)
        ctx = ctx_for(model, image_uri_prefix="s3://tp-no-such-bucket/i")
        assert target.media.stage(record, ctx, upload=True).image == ref
    assert reason(CONV, rec([("user", "q"), ("assistant", "a")], image=local),
                  ctx_for("nova-micro")) == "bad_image_ref"
    assert target.media.stage(rec([("user", "q"), ("assistant", "a")]), CTX, True).image is None


def test_s3_image_checked_where_it_is(store, tmp_path):
    s3 = store
    ctx = ctx_for("llama3-2-11b-vision-instruct", image_uri_prefix=s3.uri("uploads"))
    jpeg = s3.put("img/cat.jpg", Path(picture(tmp_path / "x.jpg")).read_bytes())
    record, objs = prepared(rec([("user", "q"), ("assistant", "a")], image=jpeg), ctx)
    assert record.image == jpeg and s3.keys("uploads/") == []          # not copied
    assert objs[0]["messages"][0]["content"][0] == image(jpeg, "jpeg")
    gone = rec([("user", "q"), ("assistant", "a")], image=s3.uri("img/gone.png"))
    assert media_reason(gone, ctx)[0] == "image_missing"
    # the block's format comes from the name: a PNG under a .jpg name is refused
    misnamed = s3.put("img/really_png.jpg", Path(picture(tmp_path / "p.png", fmt="PNG"))
                      .read_bytes())
    reason_, message = media_reason(rec([("user", "q"), ("assistant", "a")], image=misnamed),
                                    ctx)
    assert reason_ == "unsupported_image_type" and "is PNG but its name says jpeg" in message
