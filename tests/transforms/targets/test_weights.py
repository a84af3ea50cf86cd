"""Message weights (issue 22, item 1): a canonical record carries each assistant message's
weight; openai-chat writes it; a target that cannot write one refuses the record
(weight_not_taken) unless --repair drop_weights; a weight the rule refuses (core/weights.py) is
bad_weight in `run` (the messages adapter) as in `validate` (openai-chat's check)."""
import pytest

from tuneprep.transforms.adapters import normalize
from tuneprep.transforms.core.records import RecordError, Source
from tuneprep.transforms.targets import get_target
from tuneprep.transforms.core.context import TargetContext

from tests.helpers import CTX, formatted, reason

SOURCE = Source("mem://t.jsonl", 1)


def m(role, content, **extra):
    return {"role": role, "content": content, **extra}


def read(*messages):
    return normalize({"messages": list(messages)}, "messages", SOURCE)


WEIGHTED = (m("user", "a"), m("assistant", "no", weight=0), m("user", "b"),
            m("assistant", "yes"), m("user", "c"), m("assistant", "ok", weight=1))


def test_the_record_carries_weights_and_openai_chat_writes_them():
    record = read(*WEIGHTED)
    assert record.weights == (0, None, 1)
    assert formatted("openai-chat", record) == [{"messages": list(WEIGHTED)}]


def test_weights_change_the_record_id_only_when_given():
    plain = read(m("user", "a"), m("assistant", "b")).with_id().id
    assert read(m("user", "a"), m("assistant", "b", weight=1)).with_id().id != plain
    assert read(m("user", "a"), m("assistant", "b", weight=0)).with_id().id != \
        read(m("user", "a"), m("assistant", "b", weight=1)).with_id().id


@pytest.mark.parametrize("messages", [
    (m("user", "a"), m("assistant", "b", weight=2)),
    (m("user", "a"), m("assistant", "b", weight="1")),
    (m("user", "a"), m("assistant", "b", weight=0.5)),
    (m("user", "a"), m("assistant", "b", weight=True)),
    (m("user", "a"), m("assistant", "b", weight=None)),
    (m("user", "a", weight=1), m("assistant", "b")),
    (m("system", "s", weight=0), m("user", "a"), m("assistant", "b")),
])
def test_a_bad_weight_is_refused_by_run_and_validate_alike(messages):
    with pytest.raises(RecordError) as refused:
        read(*messages)
    assert refused.value.reason == "bad_weight"
    target = get_target("openai-chat")
    found = target.check({"messages": list(messages)}, CTX)
    assert [r for r, _ in found] == ["bad_weight"]
    # the same rule, so the same words (the labels differ: messages[i] / message i+1)
    rule = ("must be 0 or 1" if "assistant" == messages[-1]["role"] and "weight" in messages[-1]
            else "only assistant messages take one")
    assert rule in refused.value.message and rule in found[0][1]


@pytest.mark.parametrize("name", ["bedrock-multi-turn", "bedrock-single-turn",
                                  "bedrock-conversation", "sagemaker-chat", "bedrock-text",
                                  "sagemaker-instruction", "bedrock-distillation"])
def test_a_target_without_weights_refuses_them_unless_dropped(name):
    record = read(m("user", "a"), m("assistant", "b", weight=0))
    assert reason(name, record) == "weight_not_taken"
    try:
        formatted(name, read(m("user", "a"), m("assistant", "b", weight=0)), CTX)
    except RecordError as error:
        assert '"weight"' in error.message and "--repair drop_weights" in error.message
    dropped = formatted(name, read(m("user", "a"), m("assistant", "b", weight=0)),
                        TargetContext(repair=frozenset({"drop_weights"})))
    assert "weight" not in str(dropped)
