"""Per-record work of the chat targets' measure and check: the same counts and problems for
less work (transforms/targets/measuring.py; bedrock_messages.check)."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tuneprep.transforms.targets import conversation, get_target
from tuneprep.transforms.core.context import TargetContext
from tuneprep.transforms.targets.measuring import string_length, strings
from tuneprep.transforms.targets.models import get_model


def reference_length(value, key=None) -> int:
    """The rule, as written before: every string but one under the key "role"."""
    if isinstance(value, str):
        return 0 if key == "role" else len(value)
    if isinstance(value, dict):
        return sum(reference_length(item, k) for k, item in value.items())
    if isinstance(value, list):
        return sum(reference_length(item) for item in value)
    return 0


class Text(str):
    pass


keys = st.sampled_from(["role", "content", "text", "system", "messages", "x"])
objects = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8)
    | st.builds(Text, st.text(max_size=5)),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=15)


@settings(max_examples=150, deadline=None)
@given(objects)
def test_string_length_counts_every_string_but_roles(value):
    assert string_length(value) == reference_length(value)
    assert sum(map(len, strings(value, []))) == reference_length(value)


def test_a_chat_object_is_measured_and_checked_without_a_call_a_string(monkeypatch):
    """measure() reads a message's content inline, and check() asks for reserved words only
    of a model that reserves some (Claude 3 Haiku's turn markers), building no label a message."""
    target = get_target("bedrock-multi-turn")
    messages = [{"role": "user" if i % 2 == 0 else "assistant", "content": f"text {i}"}
                for i in range(10)]
    obj = {"system": "Be brief.", "messages": messages}
    import tuneprep.transforms.targets.measuring as measuring
    calls = []
    original = measuring.string_length
    monkeypatch.setattr(measuring, "string_length",
                        lambda value, key=None: calls.append(key) or original(value, key))
    assert target.measure(obj) == 9 + sum(len(m["content"]) for m in messages)
    assert len(calls) <= 1 + 1 + len(messages)   # the object, its list, each message
    asked = []
    original_words = conversation.reserved_word_problems
    monkeypatch.setattr("tuneprep.transforms.targets.bedrock_messages.reserved_word_problems",
                        lambda text, label, model: asked.append(label)
                        or original_words(text, label, model))
    assert target.check(obj, TargetContext()) == []
    assert asked == ["system"]
    haiku = TargetContext(model=get_model("claude-3-haiku"))
    marked = {"messages": [dict(messages[0], content="a\n\nHuman: b"), messages[1]]}
    assert [p[0] for p in target.check(marked, haiku)] == ["reserved_word"]
    assert "message 1" in target.check(marked, haiku)[0][1]


def test_a_message_problem_is_named_by_its_position():
    target = get_target("bedrock-multi-turn")
    obj = {"messages": [{"role": "user", "content": " "}, {"role": "assistant", "content": 3},
                        {"role": "user", "content": "x", "extra": 1}]}
    assert target.check(obj, TargetContext()) == [
        ("empty_field", "message 1's content is empty"),
        ("invalid_record", "message 2's content is a int, not a string"),
        ("invalid_record", "message 3: unexpected keys: extra"),
        ("ends_with_user", "the last message is from the user")]
