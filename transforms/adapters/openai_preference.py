"""OpenAI preference fine-tuning input (also Azure, Together, Fireworks): {"input":
{"messages", "tools"?, "parallel_tool_calls"?}, "preferred_output": [assistant message],
"non_preferred_output": [assistant message]}. The input is read as the messages adapter reads
a chat record (tools included); the outputs are the chosen and rejected responses."""
from __future__ import annotations

from typing import Any

from tuneprep.transforms.adapters import messages
from tuneprep.transforms.adapters.common import Adapter, extras, require_dict
from tuneprep.transforms.adapters.errors import refuse, type_name
from tuneprep.transforms.core.preferences import Preference, checked_pair
from tuneprep.transforms.core.records import Record, Source
from tuneprep.transforms.core.responses import ASSISTANT, response_turns

OUTPUT_KEYS = ("preferred_output", "non_preferred_output")
KEYS = ("input",) + OUTPUT_KEYS


def matches(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("input"), dict) and \
        any(key in value for key in OUTPUT_KEYS)


def normalize(value: Any, source: Source, opts) -> Record:
    record = require_dict(value, ADAPTER)
    given = record.get("input")
    if not isinstance(given, dict):
        raise refuse("missing_field" if given is None else "wrong_type",
                     f'field "input" is {type_name(given)}, not an object with "messages"')
    prompt = messages.normalize(given, source, opts)
    if prompt.turns and prompt.turns[-1][0] == ASSISTANT:
        raise refuse("ends_with_assistant", "input.messages ends with an assistant message; "
                                            "the preferred and non-preferred outputs answer a "
                                            "user turn")
    for key in OUTPUT_KEYS:
        if record.get(key) is None:
            raise refuse("missing_field", f'field "{key}" is missing')
    pair = checked_pair(*(response_turns(record[key], f'field "{key}"') for key in OUTPUT_KEYS))
    fields, unread = extras(record, KEYS)
    prompt.preference = Preference(*pair)
    prompt.fields = {**prompt.fields, **fields}
    # the input's own fields by their names, as in a chat record (openai-chat writes
    # parallel_tool_calls; a prefixed name would be reported as not written)
    prompt.unread = prompt.unread + unread
    return prompt


ADAPTER = Adapter("openai-preference", KEYS, matches, normalize)
