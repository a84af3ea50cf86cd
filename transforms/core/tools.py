"""Tool use and reasoning in the canonical record: tool definitions, calls, results and reasoning
text as first-class parts of a conversation, whatever dialect they were read from.

A canonical conversation (Record.turns) is a flat list of (role, content) parts, in order:

    ("system", str)           a system turn where the source put it
    ("user", str)             user text
    ("assistant", str)        assistant text
    ("reasoning", str)        the reasoning of the assistant message it starts (before its text
                              and calls; OpenAI "reasoning_content", Converse reasoningContent,
                              a leading <think>…</think>)
    ("tool_call", ToolCall)   a call the assistant makes: part of the assistant message before it
    ("tool", ToolResult)      a tool's answer to one call: user-side, as Converse has it

Text-only sources give only the first three. Record.tools holds the definitions (ToolSpec), None
when the record defines none. A message of the written formats is then a run of parts of one
side: assistant = reasoning / assistant / tool_call, user = user / tool (see messages()).

Pure Python: adapters build these, targets write them; the ids are the source's, or made up in
order ("call_1", "call_2", ...) when the dialect has none (ShareGPT).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ASSISTANT_SIDE = ("assistant", "reasoning", "tool_call")
USER_SIDE = ("user", "tool")
TOOL_ROLES = ("tool_call", "tool")


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """A tool the conversation may call: a name, what it does, and its JSON-Schema parameters
    (an object schema, or None when the source gives none); strict is OpenAI's flag, kept
    when a source gives it."""
    name: str
    description: str | None = None
    parameters: dict | None = None
    strict: bool | None = None


@dataclass(frozen=True, slots=True)
class ToolCall:
    """One call: its id (answered by a ToolResult with the same id), the tool's name and the
    arguments as a JSON object (decoded when the dialect gives a JSON string)."""
    id: str
    name: str
    arguments: Any


@dataclass(frozen=True, slots=True)
class ToolResult:
    """A tool's answer to the call with this id: text (str) or a JSON value (dict / list)."""
    id: str
    content: Any
    name: str | None = None   # the tool's name when the dialect gives it (OpenAI "name")


PLAIN_ROLES = frozenset(("system", "user", "assistant"))


def plain_turns(turns) -> bool:
    """Only system, user and assistant turns: no tool call, result or reasoning among them (one
    pass over the turns where has_tool_use and has_reasoning take two)."""
    for role, _ in turns:
        if role not in PLAIN_ROLES:
            return False
    return True


def has_tool_use(record) -> bool:
    """Does the record define tools or hold a call or a result?"""
    return bool(record.tools) or any(role in TOOL_ROLES for role, _ in record.turns)


def has_reasoning(record) -> bool:
    return any(role == "reasoning" for role, _ in record.turns)


def side(role: str) -> str:
    """The written message a part belongs to: "assistant", "user" or "system"."""
    return "assistant" if role in ASSISTANT_SIDE else "user" if role in USER_SIDE else role


def messages(turns) -> list[tuple[str, list[tuple[str, Any]]]]:
    """The parts grouped into messages as Converse writes them: each run of parts of one side
    is one message, (side, [(role, content), ...]). Consecutive tool results (and the user
    text after them) are one user message, as AWS's own converter merges them."""
    grouped: list[tuple[str, list]] = []
    for role, content in turns:
        who = side(role)
        # reasoning is assistant-side: after a tool result it opens the next assistant message,
        # after assistant text it joins the same one (a writer then refuses two texts in one)
        if grouped and grouped[-1][0] == who:
            grouped[-1][1].append((role, content))
        else:
            grouped.append((who, [(role, content)]))
    return grouped


def without_tool_use(record):
    """The record with its tool definitions, calls and results dropped (--repair
    drop_tool_turns), its other parts as they were."""
    record.tools = None
    record.turns = [turn for turn in record.turns if turn[0] not in TOOL_ROLES]
    return record


def without_reasoning(record):
    """The record with its reasoning parts dropped (--repair drop_reasoning)."""
    record.turns = [turn for turn in record.turns if turn[0] != "reasoning"]
    return record


def split_think(text: str) -> tuple[str | None, str]:
    """(reasoning, answer) of an assistant text that starts with <think>…</think> (DeepSeek-R1,
    Qwen3 and their distillations write reasoning so); (None, text) when it does not. Only a
    leading block counts: a <think> later in the text is the answer's own words."""
    stripped = text.lstrip()
    if not stripped.startswith("<think>"):
        return None, text
    end = stripped.find("</think>")
    if end < 0:
        return None, text   # an unclosed tag: the text is left as it is, not guessed at
    return stripped[len("<think>"):end].strip(), stripped[end + len("</think>"):].lstrip()
