"""nova-dpo: Amazon Nova direct preference optimisation (SageMaker AI Nova recipes), the
Converse schema of bedrock-conversation whose last message is the assistant turn of the
candidates:

    {"schemaVersion": "bedrock-conversation-2024", "system"?: [{"text"}], "messages": [
      {"role": "user", "content": [{"text"}]}, ...,
      {"role": "assistant", "candidates": [
        {"content": [{"text"}], "preferenceLabel": "preferred"},
        {"content": [{"text"}], "preferenceLabel": "non-preferred"}, ...]}]}

The messages before the last are Nova SFT's (checked by converse_check.py with the model's rules:
reserved words, media, turn order); they end with the user turn the candidates answer
(ends_with_assistant). Sources: docs/preference-formats.md §3 (the SageMaker Nova DPO page,
SageMaker's dpo.json schema, docs/sources/formats-2026.md "Preference data"). Each rule, its code:

    the last message {"role": "assistant", "candidates": [...]}, no other key    invalid_record
    candidates on no other message                                               invalid_record
    at least two candidates, each {"content", "preferenceLabel"}                 invalid_record
    preferenceLabel "preferred" | "non-preferred", both present                  missing_label
    a candidate's content non-empty {"text"} blocks                    empty_field / invalid_record
    no image or video in a candidate                                    media_in_assistant_turn
    no video in a DPO record                                                not_taken_by_model
    a preferred text differing from every non-preferred one             identical_preference
    no other top-level key (dpo.json: additionalProperties false)                invalid_record

The pair is the record's preference (a chosen and a rejected answer: targets/preference_pair.py),
or a Nova record's ranked candidates, written as given. Prompts are written as text (an image
of the input is refused, not_taken_by_model); validate takes the images Nova Lite / Pro take.
"""
from __future__ import annotations

from tuneprep.transforms.core import shape_rules
from tuneprep.transforms.targets import requests_nova_recipes
from tuneprep.transforms.targets.base import Target, fail
from tuneprep.transforms.targets.conversation import clean_turns, reserved_word_problems
from tuneprep.transforms.targets.converse import converse_length, converse_object, converse_texts
from tuneprep.transforms.targets.converse_check import check_converse
from tuneprep.transforms.targets.converse_media_blocks import MEDIA
from tuneprep.transforms.targets.preference_pair import pair_of
from tuneprep.transforms.core.preferences import PREFERENCES

PREFERRED, NON_PREFERRED = LABELS = ("preferred", "non-preferred")
CANDIDATE_KEYS = {"content", "preferenceLabel"}


class NovaDPO(Target):
    name = "nova-dpo"
    kind = "nova-dpo"
    trains_on = PREFERENCES
    request_builder = requests_nova_recipes.DPO

    def build(self, record, ctx):
        candidates = _candidates(record, self.name)
        system, turns = clean_turns(record, ctx, ends_with_assistant=False)
        if not turns or turns[-1][0] != "user":
            fail("ends_with_assistant", "the prompt does not end with the user turn the "
                                        "candidates answer")
        obj = converse_object(system, turns, None)
        obj["messages"].append({"role": "assistant", "candidates": [
            {"content": [{"text": text} for _, text in answer], "preferenceLabel": label}
            for label, answer in candidates]})
        return [obj]

    def check(self, obj, ctx):
        if not isinstance(obj, dict):
            return [("invalid_record", f"the record is a JSON {type(obj).__name__}, not an object")]
        messages = obj.get("messages")
        if not isinstance(messages, list) or not messages:
            return check_converse(obj, ctx, min_messages=2, ends_with_assistant=False)
        last, prompt = messages[-1], messages[:-1]
        problems = [("invalid_record", f"message {i} holds candidates; only the last message "
                                       "does") for i, m in enumerate(prompt, 1)
                    if isinstance(m, dict) and "candidates" in m]
        if problems:
            return problems
        problems = check_converse({**obj, "messages": prompt}, ctx, min_messages=1,
                                  ends_with_assistant=False)
        roles = [m.get("role") if isinstance(m, dict) else None for m in prompt]
        if roles and roles[-1] == "assistant":
            problems.append(("ends_with_assistant", "the message before the candidates is an "
                                                    "assistant answer"))
        video = any(isinstance(b, dict) and "video" in b for m in prompt if isinstance(m, dict)
                    for b in (m.get("content") if isinstance(m.get("content"), list) else ()))
        if video and "not_taken_by_model" not in {r for r, _ in problems}:   # (no --model)
            problems.append(("not_taken_by_model", "a DPO record takes no video"))
        return problems + _candidates_problems(last, len(messages), getattr(ctx, "model", None))

    def measure(self, obj) -> int:
        return converse_length(obj) + sum(map(len, _candidate_texts(obj)))

    def texts(self, obj) -> list[str]:
        return converse_texts(obj) + _candidate_texts(obj)


def _candidates(record, target: str) -> list[tuple[str, tuple]]:
    """(label, answer turns) of each candidate: a pair's two, or ranked candidates as given."""
    preference = record.preference
    if preference is not None and preference.candidates is not None:
        return list(preference.candidates)
    chosen, rejected = pair_of(record, target)
    return [(PREFERRED, chosen), (NON_PREFERRED, rejected)]


def _candidate_texts(obj) -> list[str]:
    messages = obj.get("messages") if isinstance(obj, dict) else None
    last = messages[-1] if isinstance(messages, list) and messages else None
    candidates = last.get("candidates") if isinstance(last, dict) else None
    return [block["text"] for c in (candidates if isinstance(candidates, list) else ())
            if isinstance(c, dict) and isinstance(c.get("content"), list)
            for block in c["content"] if isinstance(block, dict)
            and isinstance(block.get("text"), str)]


def _candidates_problems(last, position: int, model) -> list[tuple[str, str]]:
    label = f"message {position}"
    if not isinstance(last, dict) or "candidates" not in last:
        return [("invalid_record", f"{label}, the last, has no candidates (a DPO record ends "
                                   "with the assistant turn of its preferred and non-preferred "
                                   "answers)")]
    if set(last) != {"role", "candidates"} or last.get("role") != "assistant":
        return [("invalid_record", f'{label} is not {{"role": "assistant", "candidates": '
                                   '[...]}}')]
    candidates = last["candidates"]
    if not isinstance(candidates, list) or len(candidates) < 2:
        return [("invalid_record", f"{label}'s candidates are not a list of at least two")]
    problems, texts = [], {PREFERRED: [], NON_PREFERRED: []}
    for index, candidate in enumerate(candidates, 1):
        where = f"{label} candidate {index}"
        if not isinstance(candidate, dict) or set(candidate) != CANDIDATE_KEYS:
            problems.append(("invalid_record", f'{where} is not {{"content", '
                                               '"preferenceLabel"}}'))
            continue
        kind = candidate["preferenceLabel"]
        if kind not in LABELS:
            problems.append(("missing_label", f"{where}'s preferenceLabel is {kind!r}, not "
                                              f"{' or '.join(LABELS)}"))
        content_problems, text = _content_problems(candidate["content"], where, model)
        problems += content_problems
        if kind in LABELS and not content_problems:
            texts[kind].append(text)
    missing = [kind for kind in LABELS if not texts[kind]]
    if missing and not problems:
        problems.append(("missing_label", f"no candidate is labelled {' or '.join(missing)}"))
    if set(texts[PREFERRED]) & set(texts[NON_PREFERRED]):
        problems.append(("identical_preference", "a preferred and a non-preferred candidate "
                                                 "are the same text"))
    return problems


def _content_problems(content, where: str, model) -> tuple[list[tuple[str, str]], str]:
    """(problems, the candidate's text) of a candidate's content blocks."""
    if not isinstance(content, list) or not content:
        return [shape_rules.wrong_type(f"{where}'s content", content, "a non-empty list")], ""
    texts = []
    for block in content:
        if isinstance(block, dict) and any(kind in block for kind in MEDIA):
            return [("media_in_assistant_turn", f"{where} holds a medium; a candidate answers "
                                                "in text")], ""
        text = block.get("text") if isinstance(block, dict) and set(block) == {"text"} else None
        if not isinstance(text, str):
            return [("invalid_record", f'{where}\'s content holds a block other than '
                                       '{"text"}')], ""
        if not text or text.isspace():
            return [("empty_field", f"{where}'s text is empty")], ""
        texts.append(text)
    joined = "\n".join(texts)
    return reserved_word_problems(joined, where, model), joined
