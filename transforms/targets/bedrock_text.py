"""bedrock-text: Bedrock text-to-text fine-tuning, {"prompt", "completion"}.

One exchange a record: an instruction record with a history, or a conversation of more turns,
is refused (not_single_turn). The format has no system field: a system prompt (a record's
"system", or a leading system turn) is written before the prompt, the same way for every
input format."""
from __future__ import annotations

from tuneprep.transforms.targets.base import (Target, exact_keys, has_instruction_fields,
                                     instruction_prompt, join_system, non_empty_string,
                                     refuse_history, require_string, single_turn, with_system)
from tuneprep.transforms.targets.conversation import refuse_media


class BedrockText(Target):
    name = "bedrock-text"
    kind = "text-to-text"

    def build(self, record, ctx):
        if has_instruction_fields(record):
            refuse_history(record, self.name)
            fields = record.fields
            instruction = require_string(fields.get("instruction"), "instruction")
            context = fields.get("context") or ""
            if not isinstance(context, str):
                require_string(context, "context")
            prompt = instruction_prompt(instruction, context)
            system = join_system(record.system)
            completion = require_string(fields.get("response"), "response")
        else:
            system, user, assistant = single_turn(record)
            prompt = require_string(user, "the user turn")
            completion = require_string(assistant, "the assistant turn")
        refuse_media(record, self.name)
        return [{"prompt": with_system(system, prompt), "completion": completion}]

    def check(self, obj, ctx):
        return exact_keys(obj, {"prompt", "completion"}) or (
            non_empty_string(obj, "prompt") + non_empty_string(obj, "completion"))
