"""nova-ppo (transforms/targets/nova_ppo.py): a conversation written as the SageMaker Nova PPO
page's record, {"turns", "turns_to_mask", "reward_category"}: the turns in order, the system and
user turns masked, the reward category passed through from the source; a record without one of
the six categories, or with what the format has no place for, refused with its reason."""
from __future__ import annotations

from tuneprep.transforms.adapters import normalize
from tuneprep.transforms.core.records import Source

from tests.helpers import formatted, reason, reasons

T = "nova-ppo"
SOURCE = Source("mem://in.jsonl", 1)


def chat(*turns, **fields):
    return normalize({"messages": [{"role": r, "content": c} for r, c in turns], **fields},
                     "messages", SOURCE)


def test_the_pages_conversation_example_is_written_as_the_page_writes_it():
    record = chat(("system", "You are a helpful AI assistant."), ("user", "What is ML?"),
                  ("assistant", "Machine learning is..."), ("user", "Examples?"),
                  ("assistant", "Email spam filtering is..."), reward_category="default")
    assert formatted(T, record) == [{
        "turns": ["You are a helpful AI assistant.", "User: What is ML? Bot:",
                  "Machine learning is...", "User: Examples? Bot:", "Email spam filtering is..."],
        "turns_to_mask": [0, 1, 3], "reward_category": "default"}]
    # a prompt alone: the policy writes the answer
    assert formatted(T, chat(("user", "Calculate the derivative of x^2"),
                             reward_category="math"))[0]["turns_to_mask"] == [0]


def test_the_reward_category_is_the_sources_never_guessed():
    assert reason(T, chat(("user", "Hi"))) == "bad_reward_category"
    assert reason(T, chat(("user", "Hi"), reward_category="chat")) == "bad_reward_category"
    assert reason(T, chat(("user", "Hi"), reward_category=["math"])) == "bad_reward_category"


def test_records_that_are_not_a_conversation_with_a_user_turn_are_refused():
    pair = normalize({"prompt": "2 + 2?", "chosen": "4", "rejected": "5",
                      "reward_category": "math"}, "preference", SOURCE)
    assert reason(T, pair) == "preference_record"
    prompt = normalize({"prompt": "2 + 2?", "answer": "4", "reward_category": "math"},
                       "prompt-answer", SOURCE)
    assert reason(T, prompt) == "missing_assistant_message"
    assert reason(T, chat(("system", "s"), ("assistant", "a"), reward_category="math")) \
        == "missing_user_message"


def test_each_rule_of_a_written_record():
    good = {"turns": ["s", "User: q Bot:", "a"], "turns_to_mask": [0, 1],
            "reward_category": "rag", "meta_data": {"id": 1}}
    assert reasons(T, good) == []
    assert reasons(T, {**good, "turns_to_mask": [0, 0]}) == []   # (the page's rag example)
    assert reasons(T, {**good, "turns_to_mask": [3]}) == ["invalid_record"]
    assert reasons(T, {**good, "turns_to_mask": [True]}) == ["wrong_type"]
    assert reasons(T, {**good, "turns": [["s"]]}) == ["wrong_type"]
    assert reasons(T, {**good, "turns": []}) == ["empty_field"]
    assert reasons(T, {**good, "reward_category": None}) == ["bad_reward_category"]
    assert reasons(T, {**good, "meta_data": "x"}) == ["wrong_type"]
    assert reasons(T, {**good, "id": 1}) == ["invalid_record"]
    assert reasons(T, {"turns": ["q"], "reward_category": "math"}) == ["missing_field"]
