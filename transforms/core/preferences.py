"""Preference and labelled records: DPO's chosen / rejected answers, KTO's label (true: a
desirable answer, false: an undesirable one), a list of ranked candidates. Every target of this
version is supervised (it trains on the assistant turns as they are), so such a record is
refused (preference_record) rather than train on a rejected or undesirable answer, or drop the
chosen one; --repair use_chosen writes the chosen answer as the assistant turn instead (and
keeps a KTO record labelled true as it is; one labelled false stays refused). Pure Python."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tuneprep.transforms.core.records import FORMAT, RecordError

# the source keys that make a record a preference record: LLaMA-Factory's DPO (chosen,
# rejected) and KTO (label, or kto_tag as its dataset_info names the column), candidates
PAIR_KEYS = ("chosen", "rejected")
LABEL_KEYS = ("label", "kto_tag")
PREFERENCE_KEYS = PAIR_KEYS + LABEL_KEYS + ("candidates",)
REPAIR = "use_chosen"


@dataclass(frozen=True, slots=True)
class Preference:
    """What makes a record a preference record, as the source gave it (the chosen answer is
    read only when --repair use_chosen writes it)."""
    chosen: Any = None
    rejected: Any = None
    label: bool | None = None
    candidates: Any = None

    def kind(self) -> str:
        if self.chosen is not None or self.rejected is not None:
            return "a DPO pair (chosen / rejected)"
        if self.label is not None:
            return f"a KTO example labelled {str(self.label).lower()}"
        return "a list of ranked candidates"


def read_preference(record: dict) -> Preference | None:
    """The record's preference, or None for a plain record. A label counts only as a boolean
    (KTO's): any other "label" is a scalar of the source, kept as metadata."""
    if not any(key in record for key in PREFERENCE_KEYS):
        return None   # the common case
    label = next((record[key] for key in LABEL_KEYS if type(record.get(key)) is bool), None)
    found = Preference(record.get("chosen"), record.get("rejected"), label,
                       record.get("candidates"))
    return found if found != Preference() else None


def preference_fields(fields: dict, preference: Preference | None) -> dict:
    """The source scalars without the label a preference was read from (it is the
    preference, not metadata a template may name)."""
    if preference is None or preference.label is None:
        return fields
    return {key: value for key, value in fields.items() if key not in LABEL_KEYS}


def as_supervised(record, ctx, target: str):
    """The record a supervised target may write: refused (preference_record) unless --repair
    use_chosen makes the chosen answer the assistant turn (a KTO record labelled true is kept
    as it is)."""
    preference = record.preference
    what = preference.kind()
    if REPAIR not in getattr(ctx, "repair", ()):
        _refuse(f"the record is {what}; preference targets (DPO, KTO) are not supported yet by "
                f"this version and --target {target} would train on every answer as given "
                f"(--repair {REPAIR} writes the chosen answer as the assistant turn)")
    if preference.chosen is not None:
        turns = list(record.turns)
        if not turns or turns[-1][0] != "user":
            _refuse(f"the record is {what} whose conversation does not end with the user "
                    f"turn the chosen answer answers; --repair {REPAIR} cannot place it")
        record.turns = turns + [("assistant", chosen_text(preference.chosen))]
    elif preference.label is False:
        _refuse(f"the record is {what}: its answer is undesirable and is never written as a "
                f"training target (--repair {REPAIR} keeps only records labelled true)")
    elif preference.label is None:
        _refuse(f"the record is {what} with no chosen answer; --repair {REPAIR} has none to "
                "write")
    record.preference = None
    record.repairs += (REPAIR,)
    return record


def chosen_text(chosen: Any) -> str:
    """The chosen answer's text: a string, or a turn object (ShareGPT {"from", "value"},
    OpenAI {"role", "content"})."""
    text = chosen.get("value", chosen.get("content")) if isinstance(chosen, dict) else chosen
    if not isinstance(text, str):
        raise RecordError("wrong_type", f"the chosen answer is {type(text).__name__}, not a "
                                        "string or a turn holding one", FORMAT)
    if not text or text.isspace():
        raise RecordError("empty_field", "the chosen answer is empty", FORMAT)
    return text


def _refuse(message: str):
    raise RecordError("preference_record", message, FORMAT)
