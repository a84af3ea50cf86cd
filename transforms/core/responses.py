"""A response as preference and RFT sources give it → canonical turns ((role, text), ...):
a string (one assistant message), one turn object (ShareGPT {"from", "value"}, OpenAI
{"role", "content"}) or a list of them. Text only: a response is compared and written whole,
so a part this module cannot read refuses the record rather than lose it. Pure Python."""
from __future__ import annotations

from typing import Any

from tuneprep.transforms.core.records import RecordError

# the role names preference sources use (TRL / OpenAI, ShareGPT, Gemini-style "model")
ROLES = {"assistant": "assistant", "gpt": "assistant", "model": "assistant", "bot": "assistant",
         "user": "user", "human": "user", "system": "system", "developer": "system"}
ASSISTANT = "assistant"


def response_turns(value: Any, label: str, answer_only: bool = True) -> tuple:
    """The turns of a response; answer_only: every turn must be the assistant's (a response
    given apart from its prompt), else a full conversation (TRL's implicit prompt)."""
    if isinstance(value, str):
        return ((ASSISTANT, _text(value, label)),)
    items = value if isinstance(value, list) else [value]
    if not items:
        raise RecordError("empty_field", f"{label} is empty")
    turns = tuple(_turn(item, f"{label}[{i}]" if isinstance(value, list) else label)
                  for i, item in enumerate(items))
    if answer_only:
        for i, (role, _) in enumerate(turns):
            if role != ASSISTANT:
                raise RecordError("unknown_role", f"{label} holds a {role} message; a response "
                                  "given apart from its prompt holds assistant messages only")
    return turns


def _turn(item: Any, label: str) -> tuple[str, str]:
    if not isinstance(item, dict):
        raise RecordError("wrong_type", f"{label} is {type(item).__name__}, not a string or "
                                        "a message object")
    role_key, text_key = ("from", "value") if "from" in item or "value" in item else \
        ("role", "content")
    role = item.get(role_key, ASSISTANT)   # a bare {"content"} is an answer
    if not isinstance(role, str) or role.lower() not in ROLES:
        raise RecordError("unknown_role", f"{label}.{role_key} {role!r} is not a known role "
                                          f"({', '.join(ROLES)})")
    if text_key not in item:
        raise RecordError("missing_field", f"{label}.{text_key} is missing")
    return ROLES[role.lower()], _text(_joined(item[text_key], f"{label}.{text_key}"),
                                      f"{label}.{text_key}")


def _joined(content: Any, label: str) -> Any:
    """A content given as text parts ({"type": "text", "text"} or {"text"}), joined."""
    if not isinstance(content, list):
        return content
    texts = []
    for i, part in enumerate(content):
        text = part.get("text") if isinstance(part, dict) else None
        if not isinstance(text, str) or part.get("type", "text") != "text":
            raise RecordError("wrong_type", f"{label}[{i}] is not a text part; a response "
                                            "is text only")
        texts.append(text)
    return "\n".join(texts)


def _text(value: Any, label: str) -> str:
    if not isinstance(value, str):
        raise RecordError("wrong_type", f"{label} is {type(value).__name__}, not a string")
    if not value or value.isspace():
        raise RecordError("empty_field", f"{label} is empty")
    return value
