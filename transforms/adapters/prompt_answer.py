"""Prompt-with-answer records, the input of reinforcement fine-tuning: a prompt ("messages",
"prompt" as a string or a message list, or GSM8K's "question") and a reference answer
("reference_answer", "answer", "solution" or "ground_truth": the first present; a string or an
object, kept as given). Every other field is a grader field, passed through untouched
(core/rft.py): Bedrock's RFT sample {"messages", "reference_answer", "ground_truth"} keeps its
ground_truth. The prompt's last message is not an answer (ends_with_assistant): a chat record
ending with one is a supervised example, read by the messages adapter, never by this one."""
from __future__ import annotations

from typing import Any

from tuneprep.transforms.adapters import messages
from tuneprep.transforms.adapters.common import (MEDIA_KEYS, SCALARS, Adapter, optional_system,
                                                 require_dict, text_field)
from tuneprep.transforms.adapters.tool_use import TOOL_KEYS, read_tools
from tuneprep.transforms.core.preferences import PAIR_KEYS
from tuneprep.transforms.adapters.errors import refuse
from tuneprep.transforms.core.records import Record, Source
from tuneprep.transforms.core.rft import REFERENCE_KEYS, read_reference, reference_key
from tuneprep.transforms.core.responses import ASSISTANT

PROMPT_KEYS = ("messages", "prompt", "question")
KEYS = PROMPT_KEYS + REFERENCE_KEYS
# what the messages adapter reads of a chat prompt (not grader fields)
CHAT_KEYS = ("messages", "system", messages.FORMAT_MARK) + MEDIA_KEYS + TOOL_KEYS
# keys that make a record another shape's: a prompt/completion pair, a preference pair
OTHER_SHAPES = ("completion",) + PAIR_KEYS
# a reference key only a grader's data uses; "answer" / "solution" beside a plain-text prompt
# or question are as often a supervised pair (a question,answer CSV): such a record is not
# detected as this shape (the run's hint proposes the field map that trains on it), and
# --input-format prompt-answer reads it (GSM8K)
RFT_ONLY_KEYS = ("reference_answer", "ground_truth")


def matches(value: Any) -> bool:
    if not isinstance(value, dict) or reference_key(value) is None or \
            any(key in value for key in OTHER_SHAPES):
        return False
    chat = value.get("messages", value.get("prompt"))
    if isinstance(chat, list):
        last = chat[-1] if chat else None
        return isinstance(last, dict) and str(last.get("role")).lower() != ASSISTANT
    plain = isinstance(chat, str) or isinstance(value.get("question"), str)
    return plain and any(key in value for key in RFT_ONLY_KEYS)


def normalize(value: Any, source: Source, opts) -> Record:
    record = require_dict(value, ADAPTER)
    prompt, read = the_prompt(record, source, opts)
    if prompt.turns and prompt.turns[-1][0] == ASSISTANT:
        raise refuse("ends_with_assistant", "the prompt ends with an assistant message: an RFT "
                     "prompt leaves the answer to the model (a supervised example is read "
                     "with --input-format messages)")
    prompt.reference = read_reference(record, read)
    graders = prompt.reference.grader_fields
    prompt.fields = {**prompt.fields, **{k: v for k, v in graders.items()
                                         if isinstance(v, SCALARS)}}
    # the reference and grader fields are no training target's: a target writing the prompt
    # alone (bedrock-distillation) says it leaves them out
    prompt.unread = (prompt.reference.key,) + tuple(k for k, v in graders.items()
                                                    if v is not None)
    return prompt


def the_prompt(record: dict, source: Source, opts) -> tuple[Record, tuple[str, ...]]:
    """The prompt as a Record, and the keys it was read from."""
    if "messages" in record or isinstance(record.get("prompt"), list):
        chat = {key: record[key] for key in CHAT_KEYS if key in record}
        if "messages" not in record:
            chat["messages"] = record["prompt"]
        read = CHAT_KEYS + (() if "messages" in record else ("prompt",))
        return messages.normalize(chat, source, opts), read
    key = "prompt" if "prompt" in record else "question"
    turns = [("user", text_field(record, key))]
    return (Record(source, turns, system=optional_system(record), tools=read_tools(record)),
            (key, "system") + TOOL_KEYS)


ADAPTER = Adapter("prompt-answer", KEYS, matches, normalize)
