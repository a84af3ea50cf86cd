"""Reinforcement fine-tuning data (issue 25): a prompt (Record.turns / system) with a reference
answer a grader compares the model's rollout against, and the grader fields the grader reads.
The reference is kept as given (a string or a JSON object), and every other source field is
passed through untouched (any JSON value, in source order): the RFT sample's "ground_truth",
an "id", a task name. A reference answer is never a training answer: it is not a turn, so a target
training on answers finds none and refuses the record with its own code; refuse_supervised
says so by name (as_supervised calls it), for Target.format to call once targets declare
whether they train on answers (bedrock-distillation takes the prompt alone). Pure Python."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tuneprep.transforms.core.records import FORMAT, RecordError

# the keys a reference answer is read from, first present first (Bedrock RFT's own name, then
# the common dataset names); the others stay grader fields
REFERENCE_KEYS = ("reference_answer", "answer", "solution", "ground_truth")


@dataclass(frozen=True, slots=True)
class Reference:
    answer: Any                 # str | dict, as given
    key: str                    # the source key it was read from
    grader_fields: dict = field(default_factory=dict)


def reference_key(record: dict) -> str | None:
    return next((key for key in REFERENCE_KEYS if key in record), None)


def read_reference(record: dict, read: tuple[str, ...]) -> Reference:
    """The reference answer of the first REFERENCE_KEYS key present, and as grader fields
    every key neither it nor `read` (the prompt's keys, which the adapter read)."""
    key = reference_key(record)
    if key is None:
        raise RecordError("empty_reference_answer", "the record has no reference answer "
                          f"({', '.join(REFERENCE_KEYS)})")
    answer = record[key]
    if answer is not None and not isinstance(answer, (str, dict)):
        raise RecordError("wrong_type", f'field "{key}" is {type(answer).__name__}, not a '
                                        "string or an object")
    if not answer or (isinstance(answer, str) and answer.isspace()):
        raise RecordError("empty_reference_answer", f'field "{key}" is empty: a grader has '
                                                    "nothing to compare against")
    graders = {k: v for k, v in record.items() if k != key and k not in read}
    return Reference(answer, key, graders)


def refuse_supervised(target: str, rft_targets: str):
    """rft_targets: the targets that train on rewards, as the registry names them (core names
    no target)."""
    raise RecordError("missing_assistant_message", f"the record is an RFT prompt: its reference "
                      f"answer is a grader's reference, never written as a training answer, "
                      f"and it has no assistant answer for --target {target} to learn from "
                      f"(it belongs to an RFT target, --target {rft_targets or '(none)'}; "
                      "--field-map instruction=...,output=... reads it as an instruction and "
                      "its answer)", FORMAT)
