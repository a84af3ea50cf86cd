"""A message's training weight (OpenAI chat fine-tuning: 0 leaves the message out of training,
1 trains on it; the cookbook takes it on assistant messages only). The one rule of what a weight
may be: the messages adapter applies it to what `run` reads, openai-chat to the objects
`tuneprep validate` reads, so both refuse the same weights (bad_weight). Pure Python."""
from __future__ import annotations

from typing import Any

WEIGHTS = (0, 1)
WEIGHTED_ROLE = "assistant"


def weight_problem(role: Any, weight: Any, label: str) -> str | None:
    """Why a message of this role may not carry this weight (one line naming it by label);
    None when it may."""
    if role != WEIGHTED_ROLE:
        return f"{label} is a {role} message with a weight; only assistant messages take one"
    # bool is no weight (True == 1 in Python, not in the service's schema), nor 1.0 or "1"
    if type(weight) is not int or weight not in WEIGHTS:
        return f"{label}'s weight is {weight!r}; it must be 0 or 1"
    return None


def without_weights(record):
    """The record with its message weights dropped (--repair drop_weights): every assistant
    message then trains, as a target without weights trains on them."""
    record.weights = None
    return record
