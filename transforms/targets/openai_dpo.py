"""openai-dpo: OpenAI preference fine-tuning (direct preference optimization; also read by Azure
AI Foundry, Together and Fireworks), one JSON object a line:

    {"input": {"messages": [...], "tools"?: [...], "parallel_tool_calls"?: bool},
     "preferred_output": [{"role": "assistant", "content": text}],
     "non_preferred_output": [{"role": "assistant", "content": text}]}

Sources (docs/preference-formats.md §2): OpenAI's DPO guide
(developers.openai.com/api/docs/guides/direct-preference-optimization: "we only train on
one-turn conversations for each example, where the preferred and non-preferred messages need to
be the last assistant message"; text inputs and outputs only) and its OpenAPI schema
(FineTunePreferenceRequestInput: each output a list of at most one assistant message).

The record is an openai-chat record split at its last message: input.messages are a chat
input (openai-chat's messages, tool use included, checked by openai-chat's rules) that ends
before the answer, preferred_output that answer, non_preferred_output the rejected one. So
the input's rules are openai-chat's, once (built and checked by OpenAIChat), and this module
adds the pair's: both outputs one assistant message of non-blank text (invalid_record /
missing_field / wrong_type / empty_field), different (identical_preference), the input not
ending with an assistant message (ends_with_assistant). A record with no pair (a KTO label, an
RFT prompt, a plain conversation) is no_preference_pair (targets/preference_pair.py).
"""
from __future__ import annotations

from dataclasses import replace

from tuneprep.transforms.core import preferences
from tuneprep.transforms.targets import requests_openai
from tuneprep.transforms.targets.base import Target, exact_keys, fail
from tuneprep.transforms.targets.openai_chat import OpenAIChat
from tuneprep.transforms.targets.preference_pair import pair_of

OUTPUTS = ("preferred_output", "non_preferred_output")
INPUT_KEYS = ("messages", "tools", "parallel_tool_calls")
_CHAT = OpenAIChat()   # the chat input's building and rules


class OpenAIDPO(Target):
    name = "openai-dpo"
    kind = "openai-dpo"
    trains_on = preferences.PREFERENCES
    request_builder = requests_openai.PREFERENCE
    writes_tools = True
    # OpenAI's "at least 10 examples" holds for every fine-tuning method (openai-chat's rule)
    min_train_records = OpenAIChat.min_train_records

    def build(self, record, ctx):
        chosen, rejected = pair_of(record, self.name)
        for name, turns in zip(OUTPUTS, (chosen, rejected)):
            if len(turns) != 1:
                fail("invalid_record", f"{name} takes one assistant message; the answer holds "
                                       f"{len(turns)} (OpenAI trains on one-turn outputs)")
        # the chat record whose last message is the preferred answer
        chat = _CHAT.build(replace(record, turns=list(record.turns) + list(chosen)), ctx)[0]
        preferred = chat["messages"].pop()
        return [{"input": chat, "preferred_output": [preferred],
                 "non_preferred_output": [{"role": "assistant", "content": rejected[0][1]}]}]

    def writes_field(self, name, ctx):
        return _CHAT.writes_field(name, ctx)

    def check(self, obj, ctx):
        if not isinstance(obj, dict):
            return exact_keys(obj, set())
        missing = [key for key in ("input", *OUTPUTS) if key not in obj]
        if missing:
            return [("missing_field", f"the record has no {' or '.join(missing)}")]
        problems = exact_keys(obj, {"input", *OUTPUTS})
        given = obj["input"]
        if not isinstance(given, dict):
            return [("wrong_type", f"input is a {type(given).__name__}, not an object")]
        extra = sorted(set(given) - set(INPUT_KEYS))
        if extra:
            problems.append(("invalid_record", f"input has the keys {', '.join(extra)}; known: "
                                               f"{', '.join(INPUT_KEYS)}"))
        outputs = [_output(obj[name], name, problems) for name in OUTPUTS]
        if None in outputs:
            return problems
        if outputs[0]["content"] == outputs[1]["content"]:
            problems.append(("identical_preference", "preferred_output and non_preferred_output "
                                                     "are the same text"))
        messages = given.get("messages")
        if isinstance(messages, list) and messages and isinstance(messages[-1], dict) \
                and messages[-1].get("role") == "assistant":
            problems.append(("ends_with_assistant", "input.messages ends with an assistant "
                                                    "message; the outputs answer the turn "
                                                    "before them"))
        # the input and the preferred answer are a chat record: openai-chat's rules
        chat = {**given, "messages": messages + outputs[:1]} \
            if isinstance(messages, list) and messages else given
        return problems + [(reason, f"input: {text}")
                           for reason, text in _CHAT.check(chat, ctx)]


def _output(value, name: str, problems: list) -> dict | None:
    """The one assistant message of an output list, or None with its problem."""
    if not isinstance(value, list):
        problems.append(("wrong_type", f"{name} is a {type(value).__name__}, not a list of "
                                       "one assistant message"))
        return None
    if len(value) != 1:
        problems.append(("invalid_record", f"{name} holds {len(value)} messages; it takes one "
                                           "assistant message"))
        return None
    message = value[0]
    if not isinstance(message, dict) or set(message) != {"role", "content"} \
            or message["role"] != "assistant":
        problems.append(("invalid_record", f'{name}[0] is not {{"role": "assistant", '
                                           f'"content": text}}'))
        return None
    content = message["content"]
    if not isinstance(content, str):
        problems.append(("wrong_type", f"{name}[0].content is a {type(content).__name__}, not "
                                       "a string (OpenAI DPO takes text outputs only)"))
        return None
    if not content or content.isspace():
        problems.append(("empty_field", f"{name}[0].content is empty"))
        return None
    return message
