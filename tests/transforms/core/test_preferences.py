"""Preference and labelled records (issue 22, item 2): a DPO pair, a KTO label or candidates
sent to a supervised target (every target of this version) is preference_record, never written
with its rejected or undesirable answer as a training target nor with its chosen one dropped;
--repair use_chosen writes the chosen answer as the assistant turn, keeps a KTO record labelled
true and still refuses one labelled false."""
import pytest

from tuneprep.transforms.adapters import normalize
from tuneprep.transforms.core.preferences import Preference
from tuneprep.transforms.core.records import RecordError, Source
from tuneprep.transforms.targets import get_target
from tuneprep.transforms.core.context import TargetContext

from tests.helpers import formatted, reason

SOURCE = Source("mem://t.json", 1)
USE_CHOSEN = TargetContext(repair=frozenset({"use_chosen"}))
SUPERVISED = ["openai-chat", "bedrock-multi-turn", "bedrock-conversation", "sagemaker-chat",
              "bedrock-text", "sagemaker-instruction"]

DPO = {"conversations": [{"from": "human", "value": "Say hello."}],
       "chosen": {"from": "gpt", "value": "Hello!"}, "rejected": {"from": "gpt", "value": "No."}}


def kto(label):
    return {"messages": [{"role": "user", "content": "2 + 2?"},
                         {"role": "assistant", "content": "4" if label else "5"}],
            "label": label}


def test_the_adapters_read_the_preference_and_not_as_metadata():
    pair = normalize(DPO, "sharegpt", SOURCE)
    # the responses as canonical turns (issue 25), whatever turn shape the source gave
    assert pair.preference == Preference(chosen=(("assistant", "Hello!"),),
                                         rejected=(("assistant", "No."),))
    labelled = normalize(kto(False), "messages", SOURCE)
    assert labelled.preference == Preference(label=False) and "label" not in labelled.fields
    alpaca = normalize({"instruction": "a", "output": "b", "chosen": "c", "rejected": "d"},
                       "alpaca", SOURCE)
    assert alpaca.preference.chosen == (("assistant", "c"),)
    # a label that is not KTO's boolean is a scalar of the source, as before
    plain = normalize({**kto(True), "label": "maths"}, "messages", SOURCE)
    assert plain.preference is None and plain.fields == {"label": "maths"}


@pytest.mark.parametrize("name", SUPERVISED)
@pytest.mark.parametrize("value, adapter", [(DPO, "sharegpt"), (kto(True), "messages"),
                                            (kto(False), "messages"),
                                            ({**kto(True), "candidates": ["4", "5"]},
                                             "messages")])
def test_a_supervised_target_refuses_a_preference_record(name, value, adapter):
    record = normalize(value, adapter, SOURCE)
    assert reason(name, record) == "preference_record"
    with pytest.raises(RecordError) as refused:
        get_target(name).format(normalize(value, adapter, SOURCE), TargetContext())
    assert "would train on every answer as given: write it with a preference target" in \
        refused.value.message and "--repair use_chosen" in refused.value.message


def test_use_chosen_writes_the_chosen_answer_and_counts_the_repair():
    record = normalize(DPO, "sharegpt", SOURCE)
    assert formatted("openai-chat", record, USE_CHOSEN) == [{"messages": [
        {"role": "user", "content": "Say hello."}, {"role": "assistant", "content": "Hello!"}]}]
    assert record.repairs == ("use_chosen",) and record.preference is None


def test_use_chosen_keeps_kto_true_and_refuses_kto_false():
    kept = normalize(kto(True), "messages", SOURCE)
    assert formatted("bedrock-multi-turn", kept, USE_CHOSEN) == [{"messages": [
        {"role": "user", "content": "2 + 2?"}, {"role": "assistant", "content": "4"}]}]
    assert kept.repairs == ("use_chosen",)
    assert reason("openai-chat", normalize(kto(False), "messages", SOURCE),
                  USE_CHOSEN) == "preference_record"


def test_use_chosen_refuses_what_it_cannot_place():
    answered = {**DPO, "conversations": DPO["conversations"] + [{"from": "gpt", "value": "x"}]}
    assert reason("openai-chat", normalize(answered, "sharegpt", SOURCE),
                  USE_CHOSEN) == "preference_record"
    candidates = {**kto(True), "label": None, "candidates": ["4", "5"]}
    assert reason("openai-chat", normalize(candidates, "messages", SOURCE),
                  USE_CHOSEN) == "preference_record"
    bad = {**DPO, "chosen": {"from": "gpt", "value": 4}}   # refused as it is read (issue 25)
    with pytest.raises(RecordError) as refused:
        normalize(bad, "sharegpt", SOURCE)
    assert refused.value.reason == "wrong_type"


def test_preference_changes_the_record_id():
    plain = {"conversations": DPO["conversations"] + [{"from": "gpt", "value": "Hello!"}]}
    assert normalize(plain, "sharegpt", SOURCE).with_id().id != \
        normalize({**plain, "label": False}, "sharegpt", SOURCE).with_id().id
