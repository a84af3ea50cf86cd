
import orjson
import pytest

from tuneprep.transforms.adapters import normalize
from tuneprep.transforms.targets.models import get_model
from tuneprep.transforms.core.records import FORMAT, Record, RecordError, Source
from tuneprep.transforms.targets import TARGETS, check_limits, get_target
from tuneprep.transforms.core.context import TargetContext
from tuneprep.transforms.targets.sagemaker_instruction import (DEFAULT_TEMPLATE, parse_template,
                                                      placeholders)

from tests.helpers import CORPORA, CTX, formatted, reason, reasons


def rec(turns=(), **kwargs):
    return Record(Source("mem://test.jsonl", 1), turns=list(turns), **kwargs)


def chat(*roles_and_contents, **kwargs):
    return rec(list(roles_and_contents), **kwargs)


def alpaca(instruction, given_input, response, /, **extra):
    """An instruction record as the Alpaca adapter reads it (Record.context: its "input")."""
    return normalize({"instruction": instruction, "input": given_input, "output": response,
                      **extra}, "alpaca", Source("mem://test.jsonl", 1))


ALPACA = alpaca("Add", "1 and 2", "3")
SINGLE = chat(("system", "Be brief."), ("user", "Hi"), ("assistant", "Hello"))
MULTI = chat(("user", "a"), ("assistant", "b"), ("user", "c"), ("assistant", "d"))
DOCUMENT = rec(text="Some document text.")
IMAGE = rec(image="s3://my-bucket/pets/cat.PNG", caption="an orange cat")


def test_registry():
    assert set(TARGETS) == {"sagemaker-instruction", "bedrock-text", "bedrock-pretrain",
                            "bedrock-image", "bedrock-single-turn", "bedrock-multi-turn",
                            "bedrock-conversation", "bedrock-distillation", "openai-chat",
                            "sagemaker-domain-adaptation", "sagemaker-chat", "bedrock-rft",
                            "openai-rft", "openai-rft-azure",
                            "openai-dpo", "sagemaker-ai-dpo", "nova-dpo", "nova-rft-multiturn",
                            "nova-ppo"}
    assert get_target("sagemaker-instruction").layout == "sharded"
    assert not get_target("bedrock-image").takes_validation
    with pytest.raises(KeyError, match="bedrock-text"):
        get_target("nope")


@pytest.mark.parametrize("name", ["bedrock-text", "bedrock-single-turn", "bedrock-multi-turn",
                                  "sagemaker-instruction"])
def test_text_targets_refuse_a_conversation_with_an_image(name):
    """A conversation with its image (LLaMA-Factory "images") is refused, not written without
    the image; the same conversation without one is taken."""
    exchange = [("user", "Who is he?"), ("assistant", "Thomas Muller.")]
    assert reason(name, rec(exchange, image="s3://my-bucket/2.jpg")) == "not_taken_by_model"
    assert formatted(name, rec(exchange))


# --- bedrock-text -------------------------------------------------------------------------

def test_text_from_an_instruction_record():
    assert formatted("bedrock-text", ALPACA) == [{"prompt": "Add\n\n1 and 2", "completion": "3"}]
    assert formatted("bedrock-text", alpaca("Add", "", "3")) == [{"prompt": "Add",
                                                                  "completion": "3"}]
    # a blank context is not in the user turn; bedrock-text writes it as it is
    assert formatted("bedrock-text", alpaca("Add", " ", "3")) == [{"prompt": "Add\n\n ",
                                                                   "completion": "3"}]


def test_text_from_single_turn():
    assert formatted("bedrock-text", SINGLE) == [{"prompt": "Be brief.\n\nHi",
                                                  "completion": "Hello"}]
    with_system_field = chat(("user", "Hi"), ("assistant", "Hello"), system="S")
    assert formatted("bedrock-text", with_system_field)[0]["prompt"] == "S\n\nHi"


def test_text_refusals():
    assert reason("bedrock-text", MULTI) == "not_single_turn"
    assert reason("bedrock-text", DOCUMENT) == "not_a_conversation"
    assert reason("bedrock-text", chat(("user", "  "), ("assistant", "x"))) == "empty_field"
    history = alpaca("a", "", "b", history=[["q", "r"]])
    assert reason("bedrock-text", history) == "not_single_turn"


def test_text_validate():
    assert reasons("bedrock-text", {"prompt": "a", "completion": "b", "x": 1}) == ["invalid_record"]
    assert reasons("bedrock-text", {"prompt": "a"}) == ["invalid_record"]
    assert reasons("bedrock-text", {"prompt": "a", "completion": 3}) == ["invalid_record"]
    assert reasons("bedrock-text", {"prompt": "", "completion": "b"}) == ["empty_field"]


# --- bedrock-pretrain ---------------------------------------------------------------------

def test_pretrain():
    assert formatted("bedrock-pretrain", DOCUMENT) == [{"input": "Some document text."}]
    long_doc = rec(text="Para one is here.\n\nPara two is here.")
    assert formatted("bedrock-pretrain", long_doc, TargetContext(chunk_chars=20)) == [
        {"input": "Para one is here."}, {"input": "Para two is here."}]


def test_pretrain_refusals():
    assert reason("bedrock-pretrain", SINGLE) == "no_document_text"
    assert reason("bedrock-pretrain", ALPACA) == "no_document_text"
    assert reason("bedrock-pretrain", rec(text="   ")) == "empty_field"


def test_pretrain_validate():
    assert reasons("bedrock-pretrain", {"input": "x", "text": "y"}) == ["invalid_record"]
    assert reasons("bedrock-pretrain", {"input": ""}) == ["empty_field"]
    assert reasons("bedrock-pretrain", {"input": ["x"]}) == ["invalid_record"]


# --- bedrock-image ------------------------------------------------------------------------

def test_image():
    ctx = TargetContext(model=get_model("titan-image-generator"))
    assert formatted("bedrock-image", IMAGE, ctx) == [
        {"image-ref": "s3://my-bucket/pets/cat.PNG", "caption": "an orange cat"}]


@pytest.mark.parametrize("image, expected", [
    ("/local/cat.png", "bad_image_ref"),
    ("https://my-bucket.s3.amazonaws.com/cat.png", "bad_image_ref"),
    ("s3://My_Bucket/cat.png", "bad_image_ref"),
    ("s3://my-bucket", "bad_image_ref"),
    ("s3://my-bucket/", "bad_image_ref"),
    ("s3://my-bucket/a/../cat.png", "bad_image_ref"),
    ("s3://my-bucket/cat.gif", "unsupported_image_type"),
    ("s3://my-bucket/cat", "unsupported_image_type"),
])
def test_image_refusals(image, expected):
    assert reason("bedrock-image", rec(image=image, caption="a cat")) == expected
    assert expected in reasons("bedrock-image", {"image-ref": image, "caption": "a cat"})


def test_image_caption_rules():
    ctx = TargetContext(model=get_model("titan-image-generator"))
    assert reason("bedrock-image", rec(image=IMAGE.image)) == "missing_field"
    assert reason("bedrock-image", rec(image=IMAGE.image, caption="")) == "empty_field"
    assert reason("bedrock-image", rec(image=IMAGE.image, caption="ab"), ctx) == "too_short"
    assert reason("bedrock-image", rec(image=IMAGE.image, caption="a" * 1025), ctx) == "too_long"
    assert reason("bedrock-image", SINGLE) == "no_image"
    assert reasons("bedrock-image", {"image-ref": IMAGE.image, "caption": "ab"}, ctx) == ["too_short"]
    assert reasons("bedrock-image", {"image-ref": IMAGE.image, "caption": "a", "x": 1}) == [
        "invalid_record"]


# --- bedrock-single-turn / bedrock-multi-turn ---------------------------------------------

def test_single_turn():
    assert formatted("bedrock-single-turn", SINGLE) == [{"system": "Be brief.", "messages": [
        {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}]
    no_system = chat(("user", "Hi"), ("assistant", "Hello"))
    assert "system" not in formatted("bedrock-single-turn", no_system)[0]
    both = chat(("system", "B"), ("user", "Hi"), ("assistant", "Hello"), system="A")
    assert formatted("bedrock-single-turn", both)[0]["system"] == "A\n\nB"
    assert reason("bedrock-single-turn", MULTI) == "not_single_turn"


def test_multi_turn():
    assert formatted("bedrock-multi-turn", MULTI) == [{"messages": [
        {"role": "user", "content": "a"}, {"role": "assistant", "content": "b"},
        {"role": "user", "content": "c"}, {"role": "assistant", "content": "d"}]}]
    assert len(formatted("bedrock-multi-turn", SINGLE)[0]["messages"]) == 2


def test_messages_from_instruction_fields():
    assert formatted("bedrock-single-turn", ALPACA)[0]["messages"][0]["content"] == "Add\n\n1 and 2"


@pytest.mark.parametrize("record, expected, repair", [
    (chat(("user", "a"), ("system", "s"), ("assistant", "b")), "system_not_first",
     "drop_inner_system"),
    (chat(("user", "a"), ("tool", "t"), ("assistant", "b")), "tool_turn", "drop_tool_turns"),
    (chat(("user", "a"), ("user", "b"), ("assistant", "c")), "consecutive_roles",
     "merge_consecutive"),
    (chat(("assistant", "x"), ("user", "a"), ("assistant", "b")), "starts_with_assistant",
     "drop_leading_assistant"),
    (chat(("user", "a"), ("assistant", "b"), ("user", "c")), "ends_with_user",
     "drop_trailing_user"),
])
def test_message_rules_and_repairs(record, expected, repair):
    assert reason("bedrock-multi-turn", record) == expected
    repaired = formatted("bedrock-multi-turn", record, TargetContext(repair=frozenset({repair})))
    assert [m["role"] for m in repaired[0]["messages"]] == ["user", "assistant"]


def test_merge_joins_content():
    record = chat(("user", "a"), ("user", "b"), ("assistant", "c"))
    ctx = TargetContext(repair=frozenset({"merge_consecutive"}))
    assert formatted("bedrock-single-turn", record, ctx)[0]["messages"][0]["content"] == "a\n\nb"


def test_message_refusals():
    assert reason("bedrock-multi-turn", DOCUMENT) == "not_a_conversation"
    assert reason("bedrock-multi-turn", chat(("user", ""), ("assistant", "b"))) == "empty_field"
    assert reason("bedrock-multi-turn", chat(("user", "a"), ("bot", "b"))) == "unknown_role"
    assert reason("bedrock-multi-turn", chat(("user", 5), ("assistant", "b"))) == "wrong_type"
    only_user = chat(("user", "a"))
    ctx = TargetContext(repair=frozenset({"drop_trailing_user"}))
    assert reason("bedrock-multi-turn", only_user, ctx) == "not_a_conversation"


def msgs(*pairs):
    return [{"role": role, "content": content} for role, content in pairs]


@pytest.mark.parametrize("obj, expected", [
    ({"messages": msgs(("user", "a"), ("assistant", "b")), "extra": 1}, ["invalid_record"]),
    ({"system": 3, "messages": msgs(("user", "a"), ("assistant", "b"))}, ["invalid_record"]),
    ({"messages": msgs(("system", "s"), ("user", "a"), ("assistant", "b"))},
     ["system_not_first"]),
    ({"messages": msgs(("user", "a"), ("user", "b"), ("assistant", "c"))}, ["consecutive_roles"]),
    ({"messages": msgs(("assistant", "a"), ("user", "b"), ("assistant", "c"))},
     ["starts_with_assistant"]),
    ({"messages": msgs(("user", "a"), ("assistant", "b"), ("user", "c"))}, ["ends_with_user"]),
    ({"messages": msgs(("user", 1), ("assistant", "b"))}, ["invalid_record"]),
    ({"messages": msgs(("user", "a"), ("assistant", ""))}, ["empty_field"]),
    ({"messages": msgs(("user", "a"))}, ["invalid_record", "ends_with_user"]),
    ({"messages": [{"role": "user", "content": "a", "name": "x"},
                   {"role": "assistant", "content": "b"}]}, ["invalid_record"]),
    ({"messages": "hi"}, ["invalid_record"]),
])
def test_messages_validate(obj, expected):
    assert reasons("bedrock-multi-turn", obj) == expected


def test_single_turn_validate_counts():
    obj = {"messages": msgs(("user", "a"), ("assistant", "b"), ("user", "c"), ("assistant", "d"))}
    assert reasons("bedrock-single-turn", obj) == ["not_single_turn"]
    assert reasons("bedrock-multi-turn", obj) == []


@pytest.mark.parametrize("line, reason", [
    (b"\xef\xbb\xbf" + b'{"prompt": "a", "completion": "b"}', "invalid_json"),
    (b'{\n  "prompt": "a",', "invalid_json"),                  # run's reader: invalid_json
    (b'[{"prompt": "a", "completion": "b"}]', "wrong_type"),   # run's adapters: wrong_type
    (b"", "invalid_record"),
    (b"not json", "invalid_json"),
])
def test_validate_line_refuses_non_jsonl(line, reason):
    assert [r for r, _ in get_target("bedrock-text").validate_line(line, CTX)] == [reason]


def test_validate_line_good():
    assert get_target("bedrock-text").validate_line(b'{"prompt":"a","completion":"b"}\n', CTX) == []


# --- sagemaker-instruction ----------------------------------------------------------------

def test_instruction_default_template():
    target = get_target("sagemaker-instruction")
    assert formatted("sagemaker-instruction", ALPACA) == [
        {"instruction": "Add", "context": "1 and 2", "response": "3"}]
    # the default template has no {system}: the system prompt goes before the instruction
    assert formatted("sagemaker-instruction", SINGLE) == [
        {"instruction": "Be brief.\n\nHi", "context": "", "response": "Hello"}]
    assert orjson.loads(target.side_files(CTX)["template.json"]) == DEFAULT_TEMPLATE


def test_instruction_custom_template_aliases_and_map():
    template = {"prompt": "{system_prompt}\n\n### Input:\n{question}", "completion": " {answer}"}
    ctx = TargetContext(template=template)
    assert formatted("sagemaker-instruction", SINGLE, ctx) == [
        {"system_prompt": "Be brief.", "question": "Hi", "answer": "Hello"}]
    ctx = TargetContext(template={"prompt": "{q}", "completion": "{a}"},
                        placeholder_map={"q": "title", "a": "body"})
    record = alpaca("i", "", "r", title="T", body="B")
    assert formatted("sagemaker-instruction", record, ctx) == [{"q": "T", "a": "B"}]
    with_system = alpaca("i", "", "r", system="S")
    ctx_system = TargetContext(template={"prompt": "{system}{instruction}", "completion": "{output}"})
    assert formatted("sagemaker-instruction", with_system, ctx_system) == [
        {"system": "S", "instruction": "i", "output": "r"}]
    both = chat(("system", "B"), ("user", "i"), ("assistant", "r"), system="A")
    assert formatted("sagemaker-instruction", both, ctx_system)[0]["system"] == "A\n\nB"
    assert orjson.loads(get_target("sagemaker-instruction").side_files(ctx)["template.json"]) == \
        {"prompt": "{q}", "completion": "{a}"}


def test_instruction_template_is_worked_out_once_not_per_record(monkeypatch):
    """The placeholders and what they name are worked out once for a template and placeholder
    map (the run's records share them), not two or three times a record; another template, or
    the same context changed in place, gets its own."""
    from tuneprep.transforms.targets import sagemaker_instruction as si
    target = get_target("sagemaker-instruction")
    worked_out = []
    original = si._placeholders

    def counted(prompt, completion):
        worked_out.append((prompt, completion))
        return original(prompt, completion)

    monkeypatch.setattr(si, "_placeholders", counted)
    ctx = TargetContext()
    for _ in range(50):
        obj = target.format(ALPACA, ctx)[0]
        assert target.validate(obj, ctx, target.measure(obj)) == []
        assert not target.writes_field("tools", ctx)
    assert len(worked_out) <= 1
    other = TargetContext(template={"prompt": "{question}", "completion": "{tools}"})
    assert target.writes_field("tools", other) and not target.writes_field("tools", ctx)
    assert target.format(ALPACA, ctx) == [{"instruction": "Add", "context": "1 and 2",
                                           "response": "3"}]
    ctx.placeholder_map["instruction"] = "title"
    assert target.format(alpaca("i", "", "r", title="T"), ctx)[0]["instruction"] == "T"
    ctx.template = {"prompt": "{instruction}", "completion": "{response}"}
    assert target.format(alpaca("i", "", "r", title="T"), ctx) == [
        {"instruction": "T", "response": "r"}]


def test_instruction_refusals():
    assert reason("sagemaker-instruction", MULTI) == "not_single_turn"
    assert reason("sagemaker-instruction", DOCUMENT) == "not_a_conversation"
    with pytest.raises(RecordError) as error:
        get_target("sagemaker-instruction").format(
            ALPACA, TargetContext(template={"prompt": "{question}", "completion": "{nope}"}))
    assert error.value.reason == "template_field"
    assert "{nope}" in error.value.message
    number = alpaca("i", "", "r", score=3)   # a field that is no string
    assert reason("sagemaker-instruction", number, TargetContext(
        template={"prompt": "{instruction}", "completion": "{score}"})) == "template_field"


def test_instruction_validate():
    assert reasons("sagemaker-instruction", {"instruction": "a", "context": "",
                                             "response": "b"}) == []
    assert reasons("sagemaker-instruction", {"instruction": "a", "response": "b"}) == [
        "template_field"]
    assert reasons("sagemaker-instruction", {"instruction": "a", "context": None,
                                             "response": "b"}) == ["template_field"]


def test_parse_template_good():
    text = '{"prompt": "{{literal}} {instruction}\\n{context}", "completion": " {response}"}'
    template = parse_template(text)
    assert placeholders(template) == ["instruction", "context", "response"]


@pytest.mark.parametrize("text", [
    '{"prompt": "{a}", "completion": "{b}", "extra": "x"}',
    '{"prompt": "{a}"}',
    '{"prompt": "{a.b}", "completion": "{c}"}',
    '{"prompt": "{a[0]}", "completion": "{c}"}',
    '{"prompt": "{a!r}", "completion": "{c}"}',
    '{"prompt": "{a:>10}", "completion": "{c}"}',
    '{"prompt": "{}", "completion": "{c}"}',
    '{"prompt": "{0}", "completion": "{c}"}',
    '{"prompt": "{a", "completion": "{c}"}',
    '{"prompt": 1, "completion": "{c}"}',
    '["prompt", "completion"]',
    'not json',
])
def test_parse_template_bad(text):
    with pytest.raises(ValueError) as error:
        parse_template(text)
    assert "\n" not in str(error.value)


def test_jumpstart_sample_template():
    path = CORPORA / "sagemaker_jumpstart" / "template.json"
    if not path.exists():
        pytest.skip(f"sample template not found at {path}")
    template = parse_template(path.read_text())
    assert placeholders(template) == ["instruction", "context", "response"]


# --- limits, measuring and robustness -----------------------------------------------------

def test_check_limits():
    target = get_target("bedrock-text")
    obj = {"prompt": "x" * 30_000, "completion": "y" * 123}
    ctx = TargetContext(max_chars=24_576)
    assert check_limits(target, obj, ctx) == [("too_long", (
        "record has 30,123 characters (about 5,021 tokens at 6 chars/token); "
        "the limit is 24,576 characters"))]
    assert target.validate(obj, ctx)[0][0] == "too_long"
    assert check_limits(target, {"prompt": "a", "completion": "b"}, ctx) == []


def test_measure_skips_keys_and_roles():
    target = get_target("bedrock-multi-turn")
    obj = {"system": "sys", "messages": msgs(("user", "ab"), ("assistant", "cde"))}
    assert target.measure(obj) == 3 + 2 + 3


WEIRD = [
    rec(), rec(turns=[("user", None)]), rec(turns=[(None, None)]), rec(fields={"instruction": 1}),
    rec(text=5), rec(image=7, caption=8), rec(image="s3://ok-bucket/x.png", caption=["a"]),
    rec(turns=[("system", 3)], system=4), rec(fields={"response": {"a": 1}}),
]


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_format_raises_only_record_errors(name):
    for record in WEIRD:
        try:
            get_target(name).format(record, CTX)
        except RecordError as error:
            assert error.stage == FORMAT
            assert error.reason != "invalid_record", (record, error.message)  # no hidden bug


# --- one truth per record (issue 13) ------------------------------------------------------

def _messages(extra):
    return normalize({"messages": [{"role": "user", "content": "Hi"},
                                   {"role": "assistant", "content": "Hello"}], **extra},
                     "messages", Source("mem://test.jsonl", 1))


@pytest.mark.parametrize("name, expected", [
    ("bedrock-text", [{"prompt": "Hi", "completion": "Hello"}]),
    ("sagemaker-instruction", [{"instruction": "Hi", "context": "", "response": "Hello"}]),
])
def test_stray_instruction_keys_of_a_conversation_do_not_replace_its_turns(name, expected):
    """A messages record with top-level "instruction"/"response" scalars is its turns; the
    scalars are metadata (Record.fields) and no longer written instead of the turns."""
    record = _messages({"instruction": "stray", "response": "stray", "context": "stray"})
    assert record.fields == {"instruction": "stray", "response": "stray", "context": "stray"}
    assert formatted(name, record) == expected


def test_a_stray_context_key_is_kept_and_never_replaces_the_input():
    record = alpaca("Add", "1 and 2", "3", context="stray")
    assert (record.context, record.fields) == ("1 and 2", {"context": "stray"})
    assert formatted("sagemaker-instruction", record) == [
        {"instruction": "Add", "context": "1 and 2", "response": "3"}]
    assert formatted("bedrock-text", record)[0]["prompt"] == "Add\n\n1 and 2"


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_every_target_declares_its_capabilities(name):
    target = get_target(name)
    assert target.reads in ("exchange", "conversation", "document", "image")
    assert target.layout in ("single", "sharded")
    for capability in ("takes_validation", "takes_image", "writes_tools"):
        assert isinstance(getattr(target, capability), bool)
    # media are the capability's (the staging step's), never a hook of the target itself
    from tuneprep.transforms.targets.media_staging import MediaStaging
    assert target.media is None or isinstance(target.media, MediaStaging)
    assert (target.media is not None) == (name in ("bedrock-image", "bedrock-conversation"))
    for hook in ("prepare_media", "uploads_images", "check_environment", "media_uris",
                 "media_checker", "handles_media"):
        assert not hasattr(target, hook)


def test_the_same_exchange_from_every_input_format():
    """alpaca, dolly, prompt-completion, messages and sharegpt give one exchange: the single-
    exchange targets write it the same, whichever format it came in."""
    src = Source("mem://test.jsonl", 1)
    records = [
        normalize({"instruction": "Q", "input": "", "output": "A", "system": "S"}, "alpaca", src),
        normalize({"instruction": "Q", "context": "", "response": "A", "system": "S"}, "dolly",
                  src),
        normalize({"prompt": "Q", "completion": "A", "system": "S"}, "prompt-completion", src),
        normalize({"system": "S", "messages": [{"role": "user", "content": "Q"},
                                               {"role": "assistant", "content": "A"}]},
                  "messages", src),
        normalize({"system": "S", "conversations": [{"from": "human", "value": "Q"},
                                                    {"from": "gpt", "value": "A"}]},
                  "sharegpt", src),
    ]
    for name in ("bedrock-text", "sagemaker-instruction", "bedrock-single-turn"):
        outputs = {orjson.dumps(formatted(name, record)) for record in records}
        assert len(outputs) == 1, (name, outputs)
