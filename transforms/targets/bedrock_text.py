"""bedrock-text: Bedrock text-to-text fine-tuning, {"prompt", "completion"}.

One exchange a record: an instruction record with a history, or a conversation of more turns,
is refused (not_single_turn). The format has no system field: a system prompt (a record's
"system", or a leading system turn) is written before the prompt, the same way for every
input format."""
from __future__ import annotations

from tuneprep.transforms.targets import requests_bedrock
from tuneprep.transforms.targets.base import (Target, exact_keys, exchange, instruction_prompt,
                                              non_empty_string, require_string, with_system)


KEYS = frozenset(("prompt", "completion"))


class BedrockText(Target):
    name = "bedrock-text"
    kind = "text-to-text"
    reads = "exchange"
    request_builder = requests_bedrock.FINE_TUNING

    def build(self, record, ctx):
        system, instruction, context, response = exchange(record, self.name)
        # the user turn; a blank context, which the turn leaves out, joins it here
        prompt = require_string(instruction_prompt(instruction, context), "the user turn")
        completion = require_string(response, "the assistant turn")
        return [{"prompt": with_system(system, prompt), "completion": completion}]

    def check(self, obj, ctx):
        return exact_keys(obj, KEYS) or (
            non_empty_string(obj, "prompt") + non_empty_string(obj, "completion"))
