"""sagemaker-chat ({"dialog": [...]}) and sagemaker-domain-adaptation ({"text"}, one file per
channel)."""
import pytest

from tuneprep.transforms.targets.models import get_model, models_for_kind
from tuneprep.transforms.targets import get_target
from tuneprep.transforms.core.context import TargetContext

from tests.helpers import ROLE_ORDER_CASES, formatted, reason, reasons, rec

CHAT, DOMAIN = "sagemaker-chat", "sagemaker-domain-adaptation"


def t(role, content):
    return {"role": role, "content": content}


def test_chat_format():
    record = rec([("system", "Be kind."), ("user", "Hi"), ("assistant", "Hello")])
    assert formatted(CHAT, record) == [{"dialog": [t("system", "Be kind."), t("user", "Hi"),
                                                   t("assistant", "Hello")]}]
    plain = rec([("user", "a"), ("assistant", "b"), ("user", "c"), ("assistant", "d")])
    assert [x["role"] for x in formatted(CHAT, plain)[0]["dialog"]] == [
        "user", "assistant", "user", "assistant"]


@pytest.mark.parametrize("record, expected", ROLE_ORDER_CASES + [
    (rec([("user", "a"), ("assistant", "b")], image="s3://b-1/x.png"), "not_taken_by_model"),
])
def test_chat_refusals(record, expected):
    assert reason(CHAT, record) == expected


@pytest.mark.parametrize("obj, expected", [
    ({"dialog": [t("user", "a"), t("assistant", "b")]}, []),
    ({"dialog": [t("system", "s"), t("user", "a"), t("assistant", "b")]}, []),
    ({"dialog": [t("user", "a"), t("assistant", "b")], "id": 1}, ["invalid_record"]),
    ({"messages": [t("user", "a"), t("assistant", "b")]}, ["invalid_record", "invalid_record"]),
    ({"dialog": "hi"}, ["invalid_record"]),
    ({"dialog": [t("user", "a"), t("system", "s"), t("assistant", "b")]},
     ["system_not_first"]),
    ({"dialog": [t("system", "s"), t("assistant", "b"), t("user", "a")]},
     ["starts_with_assistant", "ends_with_user"]),
    ({"dialog": [t("user", "a"), t("user", "b"), t("assistant", "c")]}, ["consecutive_roles"]),
    ({"dialog": [t("user", "a"), t("assistant", "")]}, ["empty_field"]),
    ({"dialog": [t("user", "a"), t("assistant", ["b"])]}, ["invalid_record"]),
    ({"dialog": [t("system", "s"), t("user", "a")]}, ["invalid_record", "ends_with_user"]),
    ({"dialog": [t("user", "a"), {"role": "assistant", "content": "b", "x": 1}]},
     ["invalid_record"]),
])
def test_chat_validate(obj, expected):
    assert reasons(CHAT, obj) == expected


def test_chat_models():
    names = {m.name for m in models_for_kind("chat")}
    assert {"llama2-7b-chat", "jumpstart-llama3-1-8b-instruct"} <= names
    assert all(get_model(n).service == "sagemaker" for n in names)


# --- sagemaker-domain-adaptation ----------------------------------------------------------

def test_domain_adaptation():
    target = get_target(DOMAIN)
    assert (target.layout, target.kind) == ("single", "domain-adaptation")
    assert formatted(DOMAIN, rec(text="Some text.")) == [{"text": "Some text."}]
    long_doc = rec(text="Para one is here.\n\nPara two is here.")
    assert formatted(DOMAIN, long_doc, TargetContext(chunk_chars=20)) == [
        {"text": "Para one is here."}, {"text": "Para two is here."}]
    assert reason(DOMAIN, rec([("user", "a"), ("assistant", "b")])) == "no_document_text"
    assert reason(DOMAIN, rec(text=" ")) == "empty_field"
    assert reasons(DOMAIN, {"input": "x"}) == ["invalid_record", "invalid_record"]
    assert reasons(DOMAIN, {"text": ""}) == ["empty_field"]
    assert {m.name for m in models_for_kind("domain-adaptation")} == {"llama2-7b", "mistral-7b"}
