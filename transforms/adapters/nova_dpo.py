"""Nova DPO records (SageMaker AI Nova recipes): the Converse schema whose last message is an
assistant turn of "candidates": [{"content": [{"text"}], "preferenceLabel": "preferred" |
"non-preferred"}, ...]. The messages before it are read as the messages adapter reads a
Converse record (the prompt); one preferred and one non-preferred candidate are the chosen and
rejected responses; more are kept as ranked candidates ((label, turns), ...). A candidate with
no or another label is missing_label; an image or video in one media_in_assistant_turn."""
from __future__ import annotations

from typing import Any

from tuneprep.transforms.adapters import converse_blocks, messages
from tuneprep.transforms.adapters.common import Adapter, require_dict
from tuneprep.transforms.adapters.errors import refuse, type_name
from tuneprep.transforms.core.preferences import Preference, checked_pair
from tuneprep.transforms.core.records import Record, Source
from tuneprep.transforms.core.responses import ASSISTANT, response_turns

KEYS = ("messages", "system")
LABELS = ("preferred", "non-preferred")


def matches(value: Any) -> bool:
    if not isinstance(value, dict) or not isinstance(value.get("messages"), list):
        return False
    last = value["messages"][-1] if value["messages"] else None
    return isinstance(last, dict) and "candidates" in last


def normalize(value: Any, source: Source, opts) -> Record:
    record = require_dict(value, ADAPTER)
    turns = record.get("messages")
    if not isinstance(turns, list) or not turns or not isinstance(turns[-1], dict) \
            or "candidates" not in turns[-1]:
        raise refuse("missing_field", "the last message has no candidates")
    last = turns[-1]
    if last.get("role") != ASSISTANT:
        raise refuse("unknown_role", f"messages[{len(turns) - 1}].role is "
                     f"{last.get('role')!r}; the candidates are an assistant turn's")
    prompt = messages.normalize({**record, "messages": turns[:-1]}, source, opts)
    prompt.preference = ranked(last["candidates"], f"messages[{len(turns) - 1}].candidates")
    return prompt


def ranked(candidates: Any, label: str) -> Preference:
    if not isinstance(candidates, list) or len(candidates) < 2:
        raise refuse("missing_field" if candidates is None else "wrong_type",
                     f"{label} is {type_name(candidates)}, not a list of at least two "
                     "candidates")
    read = [candidate(item, f"{label}[{i}]") for i, item in enumerate(candidates)]
    by_label = {name: [turns for kind, turns in read if kind == name] for name in LABELS}
    if not all(by_label.values()):
        raise refuse("missing_label", f"{label} has no candidate labelled "
                     f"{' and none '.join(name for name in LABELS if not by_label[name])}")
    if len(read) == 2:
        return Preference(*checked_pair(by_label["preferred"][0], by_label["non-preferred"][0]))
    return Preference(candidates=tuple(read))


def candidate(item: Any, label: str) -> tuple[str, tuple]:
    if not isinstance(item, dict):
        raise refuse("wrong_type", f"{label} is {type_name(item)}, not an object")
    kind = item.get("preferenceLabel")
    if kind not in LABELS:
        raise refuse("missing_label", f"{label}.preferenceLabel is {kind!r}, not one of "
                                      f"{', '.join(LABELS)}")
    content = item.get("content")
    for i, block in enumerate(content if isinstance(content, list) else ()):
        if converse_blocks.block_kind(block) in converse_blocks.MEDIA:
            raise refuse("media_in_assistant_turn", f"{label}.content[{i}] is a medium; a "
                                                    "candidate answers in text")
    return kind, response_turns({"role": ASSISTANT, "content": content}, label)


ADAPTER = Adapter("nova-dpo", KEYS, matches, normalize)
