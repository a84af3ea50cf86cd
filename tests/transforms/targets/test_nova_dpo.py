"""nova-dpo (transforms/targets/nova_dpo.py): a preference pair, or a Nova record's ranked
candidates, written as the Converse record whose last message holds the candidates; each rule
of docs/preference-formats.md §3 refused with its reason; records with no pair refused."""
from __future__ import annotations

import pytest

from tuneprep.transforms.adapters import normalize
from tuneprep.transforms.core.context import TargetContext
from tuneprep.transforms.core.records import Source
from tuneprep.transforms.targets import get_target, models

from tests.helpers import formatted, reason, reasons

SOURCE = Source("mem://in.jsonl", 1)
LITE = TargetContext(model=models.get_model("dpo-nova-lite"))


def _user(text="Name a prime."):
    return {"role": "user", "content": [{"text": text}]}


def _candidate(text, label):
    return {"content": [{"text": text}], "preferenceLabel": label}


def nova(*candidates, prompt=None, **extra) -> dict:
    return {"schemaVersion": "bedrock-conversation-2024", **extra,
            "messages": (prompt or [_user()]) + [{"role": "assistant", "candidates": list(
                candidates or (_candidate("7", "preferred"), _candidate("9", "non-preferred")))}]}


def test_a_nova_record_is_written_as_given():
    value = nova(system=[{"text": "Be brief."}])
    assert formatted("nova-dpo", normalize(value, "nova-dpo", SOURCE), LITE) == [value]


def test_ranked_candidates_are_written_whole():
    value = nova(_candidate("7", "preferred"), _candidate("9", "non-preferred"),
                 _candidate("1", "non-preferred"))
    assert formatted("nova-dpo", normalize(value, "nova-dpo", SOURCE)) == [value]


@pytest.mark.parametrize("value, adapter", [
    ({"prompt": "Name a prime.", "chosen": "7", "rejected": "9"}, "preference"),
    ({"conversations": [{"from": "human", "value": "Name a prime."}],
      "chosen": {"from": "gpt", "value": "7"}, "rejected": {"from": "gpt", "value": "9"}},
     "sharegpt"),
    ({"input": {"messages": [{"role": "user", "content": "Name a prime."}]},
      "preferred_output": [{"role": "assistant", "content": "7"}],
      "non_preferred_output": [{"role": "assistant", "content": "9"}]}, "openai-preference"),
])
def test_every_pair_shape_is_written_the_same(value, adapter):
    assert formatted("nova-dpo", normalize(value, adapter, SOURCE)) == [nova()]


def test_records_with_no_pair_are_refused():
    kto = normalize({"messages": [{"role": "user", "content": "q"},
                                  {"role": "assistant", "content": "a"}], "label": True},
                    "messages", SOURCE)
    assert reason("nova-dpo", kto) == "no_preference_pair"
    plain = normalize({"messages": [{"role": "user", "content": "q"},
                                    {"role": "assistant", "content": "a"}]}, "messages", SOURCE)
    assert reason("nova-dpo", plain) == "no_preference_pair"
    rft = normalize({"messages": [{"role": "user", "content": "q"}], "reference_answer": "a"},
                    "prompt-answer", SOURCE)
    assert reason("nova-dpo", rft) == "no_preference_pair"


VIDEO = {"video": {"format": "mp4", "source": {"s3Location": {
    "uri": "s3://my-bucket/v.mp4", "bucketOwner": "123456789012"}}}}
IMAGE = {"image": {"format": "png", "source": {"s3Location": {
    "uri": "s3://my-bucket/i.png", "bucketOwner": "123456789012"}}}}


@pytest.mark.parametrize("obj, expected", [
    (nova(), []),
    (nova(prompt=[{"role": "user", "content": [IMAGE, {"text": "What is it?"}]}]), []),
    (nova(_candidate("7", "preferred"), _candidate("9", "preferred")), ["missing_label"]),
    (nova(_candidate("7", "preferred"), _candidate("9", "worse")), ["missing_label"]),
    (nova(_candidate("7", "preferred"), _candidate("7", "non-preferred")),
     ["identical_preference"]),
    (nova(_candidate("7", "preferred")), ["invalid_record"]),
    (nova(_candidate("7", "preferred"), {"content": [IMAGE], "preferenceLabel": "non-preferred"}),
     ["media_in_assistant_turn"]),
    (nova(_candidate("7", "preferred"), _candidate(" ", "non-preferred")), ["empty_field"]),
    (nova(prompt=[{"role": "user", "content": [VIDEO, {"text": "What happens?"}]}]),
     ["not_taken_by_model"]),
    (nova(prompt=[_user(), {"role": "assistant", "content": [{"text": "Hm."}]}]),
     ["ends_with_assistant"]),
    (nova(prompt=[{"role": "assistant", "candidates": []}, _user()]), ["invalid_record"]),
    ({"schemaVersion": "bedrock-conversation-2024",
      "messages": [_user(), {"role": "assistant", "content": [{"text": "7"}]}]},
     ["invalid_record"]),
    (nova(id="x"), ["invalid_record"]),
    (nova(_candidate("User: 7", "preferred"), _candidate("9", "non-preferred")),
     ["reserved_word"]),
])
def test_each_rule_has_its_reason(obj, expected):
    assert reasons("nova-dpo", obj, LITE) == expected


def test_the_catalogue_has_the_nova_dpo_models():
    specs = {spec.name: spec for spec in models.models_for_kind("nova-dpo")}
    assert set(specs) == {"dpo-nova-micro", "dpo-nova-lite", "dpo-nova-pro", "dpo-nova-2-lite"}
    for spec in specs.values():
        assert (spec.min_records, spec.max_train_records) == (8, 20_000)
        assert "video" not in spec.media_kinds and spec.sources
    assert specs["dpo-nova-micro"].media_kinds == ()
    assert get_target("nova-dpo").trains_on == "preferences"


def test_a_video_is_refused_without_a_model_too():
    obj = nova(prompt=[{"role": "user", "content": [VIDEO, {"text": "What happens?"}]}])
    assert reasons("nova-dpo", obj) == ["not_taken_by_model"]
