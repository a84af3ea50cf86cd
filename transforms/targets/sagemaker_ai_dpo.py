"""sagemaker-ai-dpo: SageMaker AI serverless customization, preference data for DPO, one JSON
object a line, each response a whole conversation (the prompt implicit, shared by both):

    {"chosen": [{"role": "system", "content"}?, {"role": "user", "content"}, ...,
                {"role": "assistant", "content": the chosen answer}],
     "rejected": [the same system and prompt messages, {"role": "assistant", "content": the
                  rejected answer}]}

Why this form (docs/preference-formats.md §4): the service page names two,
{"chosen": [messages], "rejected": [messages]} ("a system message first and identical in
chosen and rejected") and {"prompt", "chosen", "rejected"} as strings (docs/sources/
formats-2026.md, customizing-models-dpo). SageMaker's own upload check (sagemaker-train's
DatasetFormatDetector, which DataSet.create runs) accepts a line that fits the JSON Schema
hf_preference.json, and that schema takes both. The string form holds one prompt string: a
system message and a multi-turn prompt (186 of the 300 LLaMA-Factory DPO demo records) would
have to be flattened with a chat template tuneprep would invent, so the conversation form is
written, which keeps every turn as the source gave it. (The SDK's separate helper
dataset_validation.validate_dpo wants strings; DataSet.create does not call it.)

Rules: each conversation is a SageMaker chat dialog (sagemaker-chat's rules, once: keys role
and content, content a non-empty string, system only first, user / assistant alternating from
user, ending with the assistant's answer); the two share every message but the last
(prompt_mismatch) and their answers differ (identical_preference); chosen and rejected are
required (missing_field), besides them only the schema's optional id, attributes and
difficulty (invalid_record: a "prompt" beside whole conversations would be read as an
explicit prompt, repeated). A record without a pair is no_preference_pair
(targets/preference_pair.py); tool use and reasoning are refused by Target.format (the schema
has no place for them).
"""
from __future__ import annotations

from dataclasses import replace

from tuneprep.transforms.core import preferences
from tuneprep.transforms.targets.base import Target, exact_keys
from tuneprep.transforms.targets.preference_pair import pair_of
from tuneprep.transforms.targets.requests_sagemaker_ai import DPO
from tuneprep.transforms.targets.sagemaker_chat import SagemakerChat

PAIR = ("chosen", "rejected")
OPTIONAL = {"id": str, "attributes": dict, "difficulty": str}   # hf_preference.json's
_DIALOG = SagemakerChat()   # a conversation's rules


class SagemakerAIDPO(Target):
    name = "sagemaker-ai-dpo"
    kind = "sagemaker-ai-dpo"
    trains_on = preferences.PREFERENCES
    request_builder = DPO

    def build(self, record, ctx):
        answers = pair_of(record, self.name)
        # each conversation as sagemaker-chat writes one, with its --repair fixes
        return [{key: _DIALOG.build(replace(record, turns=list(record.turns) + list(answer)),
                                    ctx)[0]["dialog"]
                 for key, answer in zip(PAIR, answers)}]

    def check(self, obj, ctx):
        if not isinstance(obj, dict):
            return exact_keys(obj, set())
        missing = [key for key in PAIR if key not in obj]
        if missing:
            return [("missing_field", f"the record has no {' or '.join(missing)}")]
        problems = exact_keys(obj, set(PAIR), set(OPTIONAL))
        problems += [("wrong_type", f"{key} is a {type(obj[key]).__name__}, not a "
                                    f"{kind.__name__}")
                     for key, kind in OPTIONAL.items() if key in obj
                     and not isinstance(obj[key], kind)]
        for key in PAIR:
            if not isinstance(obj[key], list):
                problems.append(("wrong_type", f"{key} is a {type(obj[key]).__name__}, not a "
                                               "list of messages"))
        if problems:
            return problems
        for key in PAIR:
            problems += [(reason, f"{key}: {text}")
                         for reason, text in _DIALOG.check({"dialog": obj[key]}, ctx)]
        if problems:
            return problems
        chosen, rejected = obj["chosen"], obj["rejected"]
        if chosen[:-1] != rejected[:-1]:
            return [("prompt_mismatch", "chosen and rejected differ before their last message; "
                                        "they share the system message and the prompt")]
        if chosen[-1] == rejected[-1]:
            return [("identical_preference", "the chosen and rejected answers are the same "
                                             "text")]
        return []
