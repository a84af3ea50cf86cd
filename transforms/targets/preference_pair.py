"""The chosen / rejected pair a DPO target writes (openai-dpo, sagemaker-ai-dpo), read from the
record's preference (core/preferences.py), or the record refused with its own code: a KTO
example (one answer and a label), an RFT prompt or a plain conversation holds no pair
(no_preference_pair); ranked candidates with more than one rejected answer hold several
(invalid_record: which one to write is not tuneprep's guess); a prompt ending with an
answer has nothing left for the pair to answer (ends_with_assistant). Pure Python."""
from __future__ import annotations

from tuneprep.transforms.targets.base import fail

# the parts of a turn list that are the assistant's (a prompt ending in one is answered)
_ANSWER_PARTS = ("assistant", "tool_call", "reasoning")


def pair_of(record, target: str) -> tuple[tuple, tuple]:
    """(chosen, rejected): the record's two responses, each a tuple of ("assistant", text)."""
    preference = record.preference
    if preference is None or not (preference.chosen and preference.rejected):
        if preference is not None and preference.candidates is not None:
            fail("invalid_record", f"the record holds {len(preference.candidates)} ranked "
                                   f"candidates; --target {target} writes one preferred and "
                                   "one non-preferred answer")
        fail("no_preference_pair", f"--target {target} writes a chosen and a rejected answer; "
                                   f"the record is {_what(record)}")
    roles = [role for role, _ in record.turns]
    if roles and roles[-1] in _ANSWER_PARTS:
        fail("ends_with_assistant", f"the prompt ends with an assistant {roles[-1]} part; the "
                                    "chosen and rejected answers answer the turn before them")
    return preference.chosen, preference.rejected


def _what(record) -> str:
    if record.preference is not None:   # a KTO label alone
        return (f"{record.preference.kind()}: one answer and its label, not a pair (KTO data "
                "pairs into DPO only where a prompt holds both labels)")
    if record.reference is not None:
        return ("an RFT prompt with a reference answer: a grader's reference, not a rejected "
                "answer (an RFT target writes it: `tuneprep targets`)")
    return "a plain conversation with no chosen / rejected answers"
