"""Preference and labelled records: DPO's chosen / rejected responses, KTO's label (true: a
desirable answer, false: an undesirable one), a list of ranked candidates.

The canonical preference (issue 25): the prompt is the Record's conversation (Record.turns /
system); the chosen and rejected responses are turn tuples (("assistant", text), ...), read
whole from a string, a turn object or a message list (core/responses.py); TRL's implicit prompt
(chosen and rejected are full conversations) is split here on their shared prefix. A KTO
record's response is its conversation's last assistant turn(s), its label Preference.label.

The targets of this version are supervised (they train on the assistant turns as they are), so
such a record is refused (preference_record) rather than train on a rejected or undesirable
answer, or drop the chosen one; --repair use_chosen writes the chosen response as the assistant
turn instead (and keeps a KTO record labelled true as it is; one labelled false stays
refused). Pure Python."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tuneprep.transforms.core import rft
from tuneprep.transforms.core.records import FORMAT, RecordError
from tuneprep.transforms.core.responses import ASSISTANT, response_turns

# the source keys that make a record a preference record: LLaMA-Factory's DPO (chosen,
# rejected) and KTO (label, or kto_tag as its dataset_info names the column), candidates
PAIR_KEYS = ("chosen", "rejected")
KTO_TAG = "kto_tag"   # LLaMA-Factory's KTO column: only a label, so any other value is refused
LABEL_KEYS = ("label", KTO_TAG)
PREFERENCE_KEYS = PAIR_KEYS + LABEL_KEYS + ("candidates",)
REPAIR = "use_chosen"
# What a target trains on (Target.trains_on): the assistant turns as they are (supervised: a
# preference record is refused or --repair use_chosen, an RFT prompt refused), the prompts alone
# (distillation: an RFT prompt's reference is left out, named), a preference pair, or an RFT
# prompt with its reference answer (a grader scores the model's own answers)
ANSWERS, PROMPTS, PREFERENCES, REWARDS = "answers", "prompts", "preferences", "rewards"


@dataclass(frozen=True, slots=True)
class Preference:
    """What makes a record a preference record: the chosen / rejected responses as turn
    tuples (() when the source gives none), a KTO label, ranked candidates as given."""
    chosen: tuple = ()
    rejected: tuple = ()
    label: bool | None = None
    candidates: Any = None

    def kind(self) -> str:
        if self.chosen or self.rejected:
            return "a DPO pair (chosen / rejected)"
        if self.label is not None:
            return f"a KTO example labelled {str(self.label).lower()}"
        return "a list of ranked candidates"


def read_preference(record: dict) -> Preference | None:
    """The record's preference (its prompt being the conversation the adapter read), or None
    for a plain record. A "label" counts only as a boolean (KTO's): any other is a scalar of
    the source, kept as metadata; kto_tag is only ever a label (missing_label otherwise)."""
    if not any(key in record for key in PREFERENCE_KEYS):
        return None   # the common case
    tag = record.get(KTO_TAG)
    if tag is not None and type(tag) is not bool:
        raise RecordError("missing_label", f'field "{KTO_TAG}" is {type(tag).__name__}, not '
                                           "true or false")
    label = next((record[key] for key in LABEL_KEYS if type(record.get(key)) is bool), None)
    chosen, rejected = (response_turns(record[key], f'field "{key}"')
                        if record.get(key) is not None else () for key in PAIR_KEYS)
    found = Preference(*checked_pair(chosen, rejected), label, record.get("candidates"))
    return found if found != Preference() else None


def checked_pair(chosen: tuple, rejected: tuple) -> tuple[tuple, tuple]:
    """A pair DPO can learn from: identical responses give it no signal."""
    if chosen and chosen == rejected:
        raise RecordError("identical_preference", "the chosen and rejected responses are the "
                                                  "same text; the pair teaches no preference")
    return chosen, rejected


def implicit_pair(chosen: Any, rejected: Any) -> tuple[list, Preference]:
    """TRL's implicit prompt: chosen and rejected are full conversations; their shared prefix,
    up to the last turn that is not an answer, is the prompt, the rest of each its response
    (assistant turns only, or the prompts differ: prompt_mismatch)."""
    whole = [response_turns(value, f'field "{key}"', answer_only=False)
             for key, value in zip(PAIR_KEYS, (chosen, rejected))]
    shared = 0
    while shared < min(map(len, whole)) and whole[0][shared] == whole[1][shared]:
        shared += 1
    if whole[0] == whole[1]:
        checked_pair(*whole)
    while shared and whole[0][shared - 1][0] == ASSISTANT:
        shared -= 1   # a shared answer's start is part of the responses, not of the prompt
    responses = [turns[shared:] for turns in whole]
    for key, turns in zip(PAIR_KEYS, responses):
        if not shared or not turns or any(role != ASSISTANT for role, _ in turns):
            raise RecordError("prompt_mismatch", f'the "chosen" and "rejected" conversations '
                              f'do not share their prompt ("{key}" differs before its answer)')
    return list(whole[0][:shared]), Preference(*checked_pair(*responses))


def preference_fields(fields: dict, preference: Preference | None) -> dict:
    """The source scalars without the label a preference was read from (it is the
    preference, not metadata a template may name)."""
    if preference is None or preference.label is None:
        return fields
    return {key: value for key, value in fields.items() if key not in LABEL_KEYS}


def as_supervised(record, ctx, target: str, rft_targets: str):
    """The record a supervised target may write: an RFT prompt is refused (its reference
    answer is a grader's, core/rft.py); a preference record is refused (preference_record)
    unless --repair use_chosen makes the chosen response the assistant turn (a KTO record
    labelled true is kept as it is). rft_targets: the names of the targets training on
    REWARDS (the caller asks the registry), named in an RFT prompt's refusal."""
    if record.reference is not None:
        rft.refuse_supervised(target, rft_targets)
    preference = record.preference
    what = preference.kind()
    if REPAIR not in getattr(ctx, "repair", ()):
        _refuse(f"the record is {what}; --target {target} would train on every answer as "
                f"given: write it with a preference target (`tuneprep targets` lists them), or "
                f"--repair {REPAIR} writes the chosen answer as the assistant turn")
    if preference.chosen:
        turns = list(record.turns)
        if not turns or turns[-1][0] != "user":
            _refuse(f"the record is {what} whose conversation does not end with the user "
                    f"turn the chosen answer answers; --repair {REPAIR} cannot place it")
        record.turns = turns + list(preference.chosen)
    elif preference.label is False:
        _refuse(f"the record is {what}: its answer is undesirable and is never written as a "
                f"training target (--repair {REPAIR} keeps only records labelled true)")
    elif preference.label is None:
        _refuse(f"the record is {what} with no chosen answer; --repair {REPAIR} has none to "
                "write")
    record.preference = None
    record.repairs += (REPAIR,)
    return record


def _refuse(message: str):
    raise RecordError("preference_record", message, FORMAT)
