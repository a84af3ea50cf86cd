"""The envelope a Bedrock RFT reward function is sent, and the check of what it returns
(transforms/core/reward_envelope.py; `tuneprep grade` calls handlers with them)."""
from __future__ import annotations

import pytest

from tuneprep.transforms.core.reward_envelope import (envelope, record_id, reference_text,
                                                      result_problem)

RECORD = {"messages": [{"role": "user", "content": "2+2?"}], "reference_answer": {"x": 4},
          "ground_truth": "4", "id": "q-1"}


def test_the_envelope_appends_the_response_and_puts_the_other_fields_under_metadata():
    sent = envelope(RECORD, "q-1", "4")
    assert sent == {"id": "q-1",
                    "messages": [{"role": "user", "content": "2+2?"},
                                 {"role": "assistant", "content": "4"}],
                    "metadata": {"reference_answer": {"x": 4}, "ground_truth": "4"}}
    assert RECORD["messages"] == [{"role": "user", "content": "2+2?"}]   # the record untouched
    flat = envelope(RECORD, "q-1", "4", "flat")
    assert flat["reference_answer"] == {"x": 4} and "metadata" not in flat


def test_the_id_sent_is_the_record_s_own_or_its_line():
    assert record_id(RECORD, 7) == "q-1"
    assert record_id({"id": " "}, 7) == "line-7"
    assert record_id({"id": 5}, 7) == "line-7"


def test_a_reference_object_is_sent_as_its_json_text():
    assert reference_text({"x": 4}) == '{"x": 4}'
    assert reference_text("#### 4") == "#### 4"
    assert reference_text("") is None and reference_text({}) is None and reference_text(None) is None


GOOD = {"id": "q-1", "aggregate_reward_score": 0.5,
        "metrics_list": [{"name": "exact", "value": 1, "type": "Metric"}]}


@pytest.mark.parametrize("result, problem", [
    ([GOOD], None),
    ([{"id": "q-1", "aggregate_reward_score": 1}], None),
    (GOOD, "not a list"),
    ([GOOD, GOOD], "2 entries for 1 sample"),
    ([["q-1", 1.0]], "not an object"),
    ([{**GOOD, "id": "other"}], "not the id sent"),
    ([{"id": "q-1"}], 'no "aggregate_reward_score"'),
    ([{**GOOD, "aggregate_reward_score": "1.0"}], "not a number"),
    ([{**GOOD, "aggregate_reward_score": True}], "not a number"),
    ([{**GOOD, "aggregate_reward_score": float("nan")}], "not a number"),
    ([{**GOOD, "metrics_list": {"exact": 1}}], '"metrics_list" is dict'),
    ([{**GOOD, "metrics_list": [{"name": "exact", "value": 1, "type": "Score"}]}],
     '"type" is \'Score\''),
    ([{**GOOD, "metrics_list": [{"name": "exact", "value": None, "type": "Reward"}]}],
     "not a number"),
])
def test_a_result_is_the_documented_shape_or_says_why_not(result, problem):
    found = result_problem(result, "q-1")
    assert (found is None) if problem is None else (problem in found)
