"""Hugging Face / TRL preference data: {"prompt"?, "chosen", "rejected", "system"?}, each a
string or a message list ({"role", "content"}). With a prompt (explicit), chosen and rejected
are the responses (assistant messages only); without one (implicit), they are full
conversations whose shared prefix is the prompt (core/preferences.py implicit_pair; prompts
that differ are prompt_mismatch). LLaMA-Factory's Alpaca-style DPO ({"instruction", "input"?,
"chosen", "rejected"}) gives its prompt as an instruction and its input. The record's other
scalars are Record.fields, as in every adapter."""
from __future__ import annotations

from typing import Any

from tuneprep.transforms.adapters.common import (Adapter, extras, optional_system,
                                                 require_dict, text_field, user_prompt)
from tuneprep.transforms.adapters.errors import refuse
from tuneprep.transforms.adapters.tool_use import read_tools
from tuneprep.transforms.core import preferences
from tuneprep.transforms.core.preferences import PAIR_KEYS, Preference
from tuneprep.transforms.core.records import Record, Source
from tuneprep.transforms.core.responses import ASSISTANT, response_turns

PROMPT_KEYS = ("prompt", "instruction", "input")
KEYS = ("prompt",) + PAIR_KEYS + ("system",)


def matches(value: Any) -> bool:
    return isinstance(value, dict) and all(key in value for key in PAIR_KEYS)


def normalize(value: Any, source: Source, opts) -> Record:
    record = require_dict(value, ADAPTER)
    for key in PAIR_KEYS:
        if record.get(key) is None:
            raise refuse("missing_field", f'field "{key}" is missing: a preference pair needs '
                                          "a chosen and a rejected response")
    turns, preference = prompt_and_pair(record)
    fields, unread = extras(record, KEYS + PROMPT_KEYS)
    return Record(source=source, turns=turns, system=optional_system(record), fields=fields,
                  unread=unread, tools=read_tools(record), preference=preference)


def prompt_and_pair(record: dict) -> tuple[list, Preference]:
    if record.get("prompt") is None and record.get("instruction") is None:
        return preferences.implicit_pair(record["chosen"], record["rejected"])
    turns = prompt_turns(record)
    if turns[-1][0] == ASSISTANT:
        raise refuse("ends_with_assistant", "the prompt ends with an assistant message; the "
                                            "chosen and rejected responses answer a user turn")
    pair = (response_turns(record[key], f'field "{key}"') for key in PAIR_KEYS)
    return turns, Preference(*preferences.checked_pair(*pair))


def prompt_turns(record: dict) -> list:
    """The explicit prompt: a string (one user turn), a message list, or an instruction."""
    if record.get("prompt") is None:
        return [("user", user_prompt(text_field(record, "instruction"),
                                     text_field(record, "input", required=False)))]
    prompt = record["prompt"]
    if isinstance(prompt, str):
        return [("user", text_field(record, "prompt"))]
    return list(response_turns(prompt, 'field "prompt"', answer_only=False))


ADAPTER = Adapter("preference", KEYS, matches, normalize)
