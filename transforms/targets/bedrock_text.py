"""bedrock-text: Bedrock text-to-text fine-tuning, {"prompt", "completion"}."""
from __future__ import annotations

from transforms.targets.base import (Target, exact_keys, has_instruction_fields,
                                     instruction_prompt, non_empty_string, require_string,
                                     single_turn)
from transforms.targets.conversation import refuse_media


class BedrockText(Target):
    name = "bedrock-text"
    kind = "text-to-text"

    def build(self, record, ctx):
        if has_instruction_fields(record):
            fields = record.fields
            instruction = require_string(fields.get("instruction"), "instruction")
            context = fields.get("context") or ""
            if not isinstance(context, str):
                require_string(context, "context")
            prompt = instruction_prompt(instruction, context)
            completion = require_string(fields.get("response"), "response")
        else:
            system, user, assistant = single_turn(record)
            prompt = require_string(user, "the user turn")
            prompt = system + "\n\n" + prompt if system else prompt
            completion = require_string(assistant, "the assistant turn")
        refuse_media(record, self.name)
        return [{"prompt": prompt, "completion": completion}]

    def check(self, obj, ctx):
        return exact_keys(obj, {"prompt", "completion"}) or (
            non_empty_string(obj, "prompt") + non_empty_string(obj, "completion"))
