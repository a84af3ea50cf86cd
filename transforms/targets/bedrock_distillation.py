"""bedrock-distillation: Bedrock Model Distillation prompt files, in the Converse schema of
bedrock-conversation. `messages` holds the prompt: it starts with a user turn, turns alternate,
and an assistant turn is optional (when present, the desired answer). Anthropic and Meta Llama
students take a single user prompt (one user turn, optionally one assistant answer); Nova
students take multi-turn prompts (ModelSpec.single_turn_prompts). Text only.

Without --model the multi-turn form is accepted; name the student (`tuneprep targets` lists the
distill-* ids) to apply its rule. Source: docs/sources/service-formats.md §1.6.
"""
from __future__ import annotations

from tuneprep.transforms.core.preferences import PROMPTS
from tuneprep.transforms.targets import requests_bedrock
from tuneprep.transforms.targets.base import Target
from tuneprep.transforms.targets.conversation import clean_turns
from tuneprep.transforms.targets.converse import converse_length, converse_object, converse_texts
from tuneprep.transforms.targets.converse_check import check_converse


class BedrockDistillation(Target):
    name = "bedrock-distillation"
    kind = "distillation"
    request_builder = requests_bedrock.BedrockRequest("DISTILLATION")
    trains_on = PROMPTS   # the teacher writes the answers: an RFT prompt's reference is left out

    def build(self, record, ctx):
        system, turns = clean_turns(record, ctx, ends_with_assistant=False)
        return [converse_object(system, turns, None)]

    def check(self, obj, ctx):
        problems = check_converse(obj, ctx, min_messages=1, ends_with_assistant=False,
                                  media_allowed=False)
        model = getattr(ctx, "model", None)
        messages = obj.get("messages") if isinstance(obj, dict) else None
        # AWS's distillation validator: one content block a message (text only here)
        for position, message in enumerate(messages if isinstance(messages, list) else [], 1):
            content = message.get("content") if isinstance(message, dict) else None
            if isinstance(content, list) and len(content) > 1:
                problems.append(("invalid_record", f"message {position} holds {len(content)} "
                                                   "content blocks; a distillation prompt "
                                                   "takes one a message"))
        if getattr(model, "single_turn_prompts", False) and isinstance(messages, list):
            roles = [m.get("role") if isinstance(m, dict) else None for m in messages]
            if roles not in (["user"], ["user", "assistant"]):
                problems.append(("not_single_turn", f"{model.display} takes a single user "
                                                    f"prompt (optionally one assistant answer); "
                                                    f"the record has {'/'.join(map(str, roles))}"))
        return problems

    def measure(self, obj) -> int:
        return converse_length(obj)

    def texts(self, obj) -> list[str]:
        return converse_texts(obj)
