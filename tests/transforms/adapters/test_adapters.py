"""Adapters: each source shape to the canonical Record, its refusals, field maps and detection."""
from __future__ import annotations


import pytest

from tuneprep.transforms.adapters import ADAPTERS, AdapterOptions, detect, normalize
from tuneprep.transforms.io.readers import ReadOptions, read_items
from tuneprep.transforms.core.records import Record, RecordError, Source
from tuneprep.transforms.core.tools import ToolCall, ToolResult
from tests.helpers import CORPORA

SRC = Source("s3://bucket/data/train.jsonl", 7)


def norm(value, adapter, **opts) -> Record:
    return normalize(value, adapter, SRC, AdapterOptions(**opts))


def refused(value, adapter, **opts) -> tuple[str, str]:
    with pytest.raises(RecordError) as info:
        norm(value, adapter, **opts)
    assert info.value.stage == "normalize"
    return info.value.reason, info.value.message


# --- instruction-shaped ---------------------------------------------------------------------

def test_alpaca_with_input_system_history_and_extras():
    rec = norm({"instruction": "Translate", "input": "chat", "output": "cat", "system": "Be brief",
                "history": [["hi", "hello"]], "lang": "fr", "score": 3, "tags": ["x"]}, "alpaca")
    assert rec.turns == [("user", "hi"), ("assistant", "hello"),
                         ("user", "Translate\n\nchat"), ("assistant", "cat")]
    assert rec.system == "Be brief"
    assert rec.context == "chat"   # a part of the last user turn, not a copy
    assert rec.fields == {"lang": "fr", "score": 3}   # only the other scalars
    assert rec.source == SRC and rec.id == ""


def test_alpaca_empty_or_missing_input_is_the_instruction_alone():
    for value in ({"instruction": "Hi", "input": "  ", "output": "Hello"},
                  {"instruction": "Hi", "output": "Hello"},
                  {"instruction": "Hi", "input": None, "output": "Hello"}):
        rec = norm(value, "alpaca")
        assert rec.turns == [("user", "Hi"), ("assistant", "Hello")]
        assert rec.system is None and "system" not in rec.fields


def test_alpaca_numbers_become_text():
    rec = norm({"instruction": "2+2?", "input": 0, "output": 4}, "alpaca")
    assert rec.turns == [("user", "2+2?\n\n0"), ("assistant", "4")]
    assert rec.context == "0"


@pytest.mark.parametrize("value,reason,message", [
    ({"instruction": "x", "input": ""}, "missing_field", 'field "output" is missing'),
    ({"instruction": " \n", "output": "y"}, "empty_field", 'field "instruction" is empty'),
    ({"instruction": "x", "output": ["y"]}, "wrong_type", 'field "output" is a list, not a string'),
    ({"instruction": "x", "output": None}, "wrong_type", 'field "output" is null, not a string'),
    ({"instruction": "x", "output": True}, "wrong_type",
     'field "output" is a boolean, not a string'),
    ({"instruction": "x", "input": {"a": 1}, "output": "y"}, "wrong_type",
     'field "input" is an object, not a string'),
    ({"instruction": "x", "output": "y", "history": [["q"]]}, "wrong_type",
     "history[0] is not a [question, answer] pair"),
    ({"instruction": "x", "output": "y", "system": 5}, "wrong_type",
     'field "system" is a number, not a string'),
    (["instruction"], "wrong_type", "record is a list, not an object (alpaca records are objects)"),
    ({"foo": 1, "bar": 2}, "unknown_format",
     "record has none of the alpaca fields (instruction, input, output, system, history); "
     "its keys: foo, bar"),
])
def test_alpaca_refusals(value, reason, message):
    assert refused(value, "alpaca") == (reason, message)


def test_dolly():
    rec = norm({"instruction": "Who?", "context": "Ann met Bob.", "response": "Ann",
                "category": "closed_qa"}, "dolly")
    assert rec.turns == [("user", "Who?\n\nAnn met Bob."), ("assistant", "Ann")]
    assert rec.context == "Ann met Bob."
    assert rec.fields == {"category": "closed_qa"}
    assert refused({"instruction": "Who?", "context": ""}, "dolly") == (
        "missing_field", 'field "response" is missing')


def test_prompt_completion():
    rec = norm({"prompt": "Q", "completion": "A", "id": 9}, "prompt-completion")
    assert rec.turns == [("user", "Q"), ("assistant", "A")]
    assert (rec.context, rec.fields) == ("", {"id": 9})
    assert norm({"prompt": "Q", "completion": "A"}, "prompt_completion").turns[1] == (
        "assistant", "A")
    assert refused({"prompt": "Q", "completion": ""}, "prompt-completion") == (
        "empty_field", 'field "completion" is empty')


# --- conversations --------------------------------------------------------------------------

def test_openai_messages_with_parts_and_roles():
    rec = norm({"messages": [
        {"role": "system", "content": "Be kind"},
        {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]},
        {"role": "model", "content": "ok"},
        {"role": "user", "content": "more"},
        {"role": "assistant", "content": [{"type": "text", "value": "done"}]}],
        "id": "x1", "weight": 1}, "messages")
    assert rec.turns == [("system", "Be kind"), ("user", "a\nb"), ("assistant", "ok"),
                         ("user", "more"), ("assistant", "done")]
    assert rec.system is None
    assert rec.fields == {"id": "x1", "weight": 1}


def test_bedrock_legacy_and_converse_shapes():
    legacy = norm({"system": "S", "messages": [{"role": "user", "content": "q"},
                                               {"role": "assistant", "content": "a"}]}, "messages")
    assert (legacy.system, legacy.turns) == ("S", [("user", "q"), ("assistant", "a")])
    converse = norm({"schemaVersion": "bedrock-conversation-2024",
                     "system": [{"text": "S1"}, {"text": "S2"}],
                     "messages": [{"role": "user", "content": [{"text": "q"}]},
                                  {"role": "assistant", "content": [{"text": "a"}]}]}, "messages")
    assert converse.system == "S1\nS2"
    assert converse.turns == [("user", "q"), ("assistant", "a")]
    assert converse.fields == {"schemaVersion": "bedrock-conversation-2024"}


@pytest.mark.parametrize("value,reason,message", [
    ({"messages": [{"role": "user", "content": "q"}, {"role": "hummany", "content": "a"}]},
     "unknown_role", 'messages[1].role "hummany" is not a known role '
     "(system, developer, user, assistant, model, tool, function)"),
    ({"messages": []}, "empty_field", 'field "messages" is empty'),
    ({"messages": "hi"}, "wrong_type", 'field "messages" is a string, not a list'),
    ({"messages": [{"role": "user"}]}, "missing_field", "messages[0].content is missing"),
    ({"messages": [{"role": "user", "content": None}]}, "wrong_type",
     "messages[0].content is null, not a string"),
    ({"messages": [{"role": "user", "content": ""}]}, "empty_field",
     "messages[0].content is empty"),
    ({"messages": [{"role": 1, "content": "x"}]}, "wrong_type",
     "messages[0].role is a number, not a string"),
    ({"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {}}]}]},
     "wrong_type", 'messages[0].content[0] is a "image_url" part; only text parts are supported'),
    ({"messages": ["hi"]}, "wrong_type", "messages[0] is a string, not an object"),
    ({"system": "only"}, "missing_field", 'field "messages" is missing'),
])
def test_messages_refusals(value, reason, message):
    assert refused(value, "messages") == (reason, message)


MLLM = [{"role": "user", "content": "<image>Who are they?"},
        {"role": "assistant", "content": "Kane and Gretzka. <image> stays in answers"},
        {"role": "user", "content": "What are they doing?\n<image>"},
        {"role": "assistant", "content": "Celebrating."}]


def test_llamafactory_images_one_image_resolved_and_placeholders_removed():
    rec = norm({"messages": MLLM, "images": ["mllm_demo_data/1.jpg"]}, "messages")
    assert rec.image == "s3://bucket/data/mllm_demo_data/1.jpg"   # beside the source file
    assert rec.turns == [("user", "Who are they?"),
                         ("assistant", "Kane and Gretzka. <image> stays in answers"),
                         ("user", "What are they doing?"), ("assistant", "Celebrating.")]
    assert rec.fields == {}
    # resolved exactly as the image-caption adapter resolves its paths
    for path, opts in (("./a.jpg", {"image_root": "/imgs/root/"}), ("/abs/b.png", {}),
                       ("s3://other/c.jpg", {})):
        assert norm({"messages": MLLM, "images": [path]}, "messages", **opts).image == \
            norm({"image": path, "caption": "c"}, "image-caption", **opts).image
    local = normalize({"messages": MLLM, "images": ["d/1.jpg"]}, "messages",
                      Source("/data/mllm_demo.json", 2), AdapterOptions())
    assert local.image == "/data/d/1.jpg"


@pytest.mark.parametrize("images", [None, []])
def test_llamafactory_no_image_keeps_the_text(images):
    rec = norm({"messages": MLLM, "images": images}, "messages")
    assert rec.image is None
    assert rec.turns[0] == ("user", "<image>Who are they?")   # no image: nothing replaces it
    assert norm({"messages": MLLM}, "messages").turns == rec.turns


@pytest.mark.parametrize("images, reason, message", [
    (["1.jpg", "1.jpg"], "too_many_media",
     'field "images" holds 2 images; the canonical record carries one image, so the record is '
     "refused rather than lose images"),
    (["1.jpg", "2.jpg", "3.jpg"], "too_many_media", 'field "images" holds 3 images'),
    ("1.jpg", "wrong_type", 'field "images" is a string, not a list'),
    ([None], "wrong_type", 'field "images[0]" is null, not a string'),
    ([" "], "empty_field", 'field "images[0]" is empty'),
])
def test_llamafactory_images_refusals(images, reason, message):
    got_reason, got_message = refused({"messages": MLLM, "images": images}, "messages")
    assert got_reason == reason and got_message.startswith(message)


def test_sharegpt_roles_keys_and_system():
    rec = norm({"id": "c1", "system": "Sys", "tools": "[]", "conversations": [
        {"from": "human", "value": "hi"}, {"from": "gpt", "value": "hello"},
        {"from": "function_call", "value": '{"name": "f", "arguments": {}}'},
        {"from": "observation", "value": "42"},
        {"from": "assistant", "value": "It is 42"}]}, "sharegpt")
    assert rec.turns == [("user", "hi"), ("assistant", "hello"),
                         ("tool_call", ToolCall("call_1", "f", {})),
                         ("tool", ToolResult("call_1", "42")), ("assistant", "It is 42")]
    assert rec.system == "Sys"
    assert rec.fields == {"id": "c1"} and rec.tools is None   # "[]" defines no tool
    for key in ("conversation", "items"):
        rec = norm({key: [{"from": "system", "value": "S"}, {"from": "user", "value": "u"}]},
                   "sharegpt")
        assert rec.turns == [("system", "S"), ("user", "u")]


@pytest.mark.parametrize("value,reason,message", [
    ({"conversations": [{"from": "alien", "value": "x"}]}, "unknown_role",
     'conversations[0].from "alien" is not a known role (human, user, gpt, assistant, chatgpt, '
     "bard, bing, model, system, function_call, observation, function, tool)"),
    ({"conversations": [{"from": "human"}]}, "missing_field", "conversations[0].value is missing"),
    ({"conversations": [{"from": "gpt", "value": " "}]}, "empty_field",
     "conversations[0].value is empty"),
    ({"conversations": {}}, "wrong_type", 'field "conversations" is an object, not a list'),
    ({"system": "s"}, "missing_field", 'field "conversations" is missing'),
])
def test_sharegpt_refusals(value, reason, message):
    assert refused(value, "sharegpt") == (reason, message)


# --- documents and images -------------------------------------------------------------------

def test_text_from_a_string_or_a_known_key():
    assert norm("A document.", "text").text == "A document."
    rec = norm({"input": "Body text", "url": "http://x", "n": 1}, "text")
    assert (rec.text, rec.fields, rec.turns) == ("Body text", {"url": "http://x", "n": 1}, [])
    assert norm({"body": "b"}, "text").text == "b"
    assert refused({"text": ""}, "text") == ("empty_field", 'field "text" is empty')
    assert refused("   ", "text") == ("empty_field", "the document is empty")
    assert refused(12, "text") == ("wrong_type",
                                   "record is a number, not an object (text records are objects)")


def test_image_caption_paths():
    rec = norm({"image": "dogs/ron.jpg", "caption": "Ron", "width": 512}, "image-caption")
    assert (rec.image, rec.caption, rec.fields) == ("s3://bucket/data/dogs/ron.jpg", "Ron",
                                                    {"width": 512})
    assert norm({"image-ref": "s3://other/x.png", "caption": "c"}, "image-caption").image == \
        "s3://other/x.png"
    assert norm({"file_name": "/abs/x.png", "text": "c"}, "image-caption").image == "/abs/x.png"
    rooted = norm({"images": ["./a.jpg"], "prompt": "c"}, "image-caption",
                  image_root="s3://imgs/root/")
    assert (rooted.image, rooted.caption) == ("s3://imgs/root/a.jpg", "c")
    assert refused({"images": ["a.jpg", "b.jpg"], "caption": "c"}, "image-caption")[0] == \
        "too_many_media"   # one caption, one image: the second is not dropped
    local = normalize({"path": "p.png", "caption": "c"}, "image-caption",
                      Source("/data/caps.jsonl", 1), AdapterOptions())
    assert local.image == "/data/p.png"


@pytest.mark.parametrize("value,reason,message", [
    ({"image": "a.jpg"}, "missing_field", 'field "caption" is missing'),
    ({"caption": "c"}, "missing_field", 'field "image" is missing'),
    ({"image": "a.jpg", "caption": ""}, "empty_field", 'field "caption" is empty'),
    ({"images": [], "caption": "c"}, "empty_field", 'field "images" is empty'),
    ({"images": [None], "caption": "c"}, "wrong_type",
     'field "images[0]" is null, not a string'),
])
def test_image_caption_refusals(value, reason, message):
    assert refused(value, "image-caption") == (reason, message)


# --- field map, unknown names, robustness ---------------------------------------------------

def test_field_map_renames_source_keys_first():
    value = {"question": "Q?", "answer": "A.", "instruction": "ignored"}
    fm = {"instruction": "question", "response": "answer"}
    rec = norm(value, "dolly", field_map=fm)
    assert rec.turns == [("user", "Q?"), ("assistant", "A.")]
    assert value == {"question": "Q?", "answer": "A.", "instruction": "ignored"}  # not mutated
    assert detect([{"question": "Q?", "answer": "A."}], AdapterOptions(field_map=fm)) == "dolly"
    chat = norm({"dialog": [{"role": "user", "content": "hi"}]}, "messages",
                field_map={"messages": "dialog"})
    assert chat.turns == [("user", "hi")]
    assert norm({"body_text": "doc"}, "text", field_map={"text": "body_text"}).text == "doc"


def test_unknown_adapter_name():
    assert refused({"a": 1}, "yaml")[0] == "unknown_format"


JUNK = [None, 0, -1.5, True, "", [], {}, [None], [[[]]], {"messages": [[]]},
        {"messages": [{"role": "user", "content": [[1]]}]}, {"conversations": [None, 1]},
        {"instruction": {"a": []}, "output": [{}]}, {"history": "x", "instruction": "i",
                                                   "output": "o"},
        {"system": [1, {"text": 2}], "messages": [{"role": "user", "content": "x"}]},
        {"images": "notalist", "caption": "c"}, {"image": ["x"], "caption": {"t": 1}},
        {"text": None, "content": 5}, {1: 2}, {"items": [{"from": None, "value": None}]}]


@pytest.mark.parametrize("adapter", list(ADAPTERS))
def test_normalize_only_raises_record_error_for_junk(adapter):
    for value in JUNK:
        try:
            record = normalize(value, adapter, SRC, AdapterOptions())
        except RecordError as err:
            assert err.stage == "normalize"
            assert err.reason in {"wrong_type", "missing_field", "empty_field", "unknown_format",
                                  "unknown_role"}
            assert "\n" not in err.message
        else:
            assert isinstance(record, Record)


# --- detection ------------------------------------------------------------------------------

@pytest.mark.parametrize("value,expected", [
    ({"instruction": "i", "context": "", "response": "r", "category": "qa"}, "dolly"),
    ({"instruction": "i", "input": "", "output": "o"}, "alpaca"),
    ({"text": "doc"}, "text"),
    ("a plain document", "text"),
    ({"image": "a.jpg", "caption": "c"}, "image-caption"),
    ({"prompt": "p", "completion": "c"}, "prompt-completion"),
    ({"messages": [{"role": "user", "content": "x"}]}, "messages"),
    ({"conversations": [{"from": "human", "value": "x"}]}, "sharegpt"),
    ({"items": [{"from": "human", "value": "x"}]}, "sharegpt"),
    ({"items": [1, 2]}, None),
    ({"unrelated": 1}, None),
    (42, None),
])
def test_detect_one_shape(value, expected):
    assert detect([value]) == expected


def test_detect_takes_the_majority_and_breaks_ties_by_order():
    alpaca = {"instruction": "i", "input": "", "output": "o"}
    pc = {"prompt": "p", "completion": "c"}
    assert detect([pc, alpaca, alpaca, None]) == "alpaca"
    assert detect([pc, alpaca]) == "alpaca"
    assert detect([]) is None
    # Only the first 20 values count.
    assert detect([pc] * 20 + [alpaca] * 30) == "prompt-completion"


# --- the real corpora -----------------------------------------------------------------------

CORPUS_FILES = [
    ("alpaca_demo_1k/alpaca_en_demo.json", "alpaca", 999),
    ("sharegpt_fastchat_dummy/dummy_conversation.json", "sharegpt", 500),
    ("openai_chat_toy/toy_chat_fine_tuning.jsonl", "messages", 5),
    ("bedrock_samples/nova_tooluse_formatted_test_ft.jsonl", "messages", 120),
    ("bedrock_samples/nova_tooluse_test_ft.jsonl", "messages", 120),
    ("bedrock_samples/nova_tooluse_train_ft.jsonl", "messages", 560),
    # an RFT prompt with its reference answer (issue 25), no longer read as a chat record
    ("bedrock_samples/rft_train_data.jsonl", "prompt-answer", 300),
    ("bedrock_samples/uber10K_prompt_completion.jsonl", "prompt-completion", 200),
    ("pretrain_text/c4_demo.jsonl", "text", 300),
    ("sharegpt_glaive_toolcall/glaive_toolcall_en_demo.json", "sharegpt", 300),
    ("llamafactory_samples/v1_sft_demo.jsonl", "messages", 500),
    ("image_caption/bedrock_titan_dog/captions.jsonl", "image-caption", 4),
    ("image_caption/bedrock_titan_dog/captions_full.json", "image-caption", 58),
]


@pytest.mark.skipif(not CORPORA.is_dir(), reason=f"test corpora not found at {CORPORA}")
@pytest.mark.parametrize("relative,adapter,count", CORPUS_FILES)
def test_corpus_file_detects_and_normalizes_every_record(relative, adapter, count):
    uri = str(CORPORA / relative)
    items = list(read_items(uri, ReadOptions()))
    assert [i.error for i in items if i.error is not None] == []
    assert len(items) == count
    assert detect([i.value for i in items[:20]]) == adapter
    records = [normalize(i.value, adapter, Source(uri, i.line), AdapterOptions()) for i in items]
    assert [r.source.line for r in records] == list(range(1, count + 1))


@pytest.mark.skipif(not CORPORA.is_dir(), reason=f"test corpora not found at {CORPORA}")
def test_corpus_record_contents():
    def first(relative, adapter):
        uri = str(CORPORA / relative)
        item = next(iter(read_items(uri, ReadOptions())))
        return normalize(item.value, adapter, Source(uri, item.line), AdapterOptions())

    toy = first("openai_chat_toy/toy_chat_fine_tuning.jsonl", "messages")
    assert toy.turns == [
        ("system", "You are a happy assistant that puts a positive spin on everything."),
        ("user", "I fell off my bike today."),
        ("assistant", "It's great that you're getting exercise outdoors!")]
    share = first("sharegpt_fastchat_dummy/dummy_conversation.json", "sharegpt")
    assert share.fields == {"id": "identity_0"}
    assert [role for role, _ in share.turns] == ["user", "assistant", "user", "assistant"]
    assert share.turns[0] == ("user", "Who are you?")
    alpaca = first("alpaca_demo_1k/alpaca_en_demo.json", "alpaca")
    assert alpaca.turns[0] == ("user", "Describe a process of making crepes.")
    assert alpaca.context == "" and "context" not in alpaca.fields
    nova = first("bedrock_samples/nova_tooluse_formatted_test_ft.jsonl", "messages")
    assert nova.system == "You are a bot that can handle different requests with tools."
    assert nova.fields == {"schemaVersion": "tooluse-dataset-2024"}
    dog = first("image_caption/bedrock_titan_dog/captions.jsonl", "image-caption")
    assert dog.image == str(CORPORA / "image_caption/bedrock_titan_dog/ron_11.jpg")
    assert dog.caption == "Ron the dog sitting on a sandy beach, wearing a blue collar."
