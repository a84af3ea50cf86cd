"""Conversation rules shared by the chat-shaped targets (Bedrock messaging and Converse, Bedrock
distillation, SageMaker chat): the canonical turns → a clean user/assistant exchange, with the
--repair fixes, and the same rules checked on a written object's roles.

These read text turns only: tool calls, results and reasoning never reach them, since
Target.format() refuses a record holding them (tool_turn, reasoning_not_taken) before build()
unless the target writes them or a --repair dropped them. A target that writes tool use reads
its parts itself (transforms/core/tools.py messages())."""
from __future__ import annotations

from tuneprep.transforms.core import shape_rules
from tuneprep.transforms.targets.base import fail, split_system

ROLES = ("user", "assistant")
KNOWN_ROLES = ("system", "user", "assistant")
# the reason a part these text rules cannot hold is refused with, should one get this far
NOT_TEXT = {"tool_call": "tool_turn", "tool": "tool_turn", "reasoning": "reasoning_not_taken"}


def _drop(turns, role: str, repair: str, reason: str, ctx, message: str):
    if not any(turn_role == role for turn_role, _ in turns):
        return turns
    if repair not in ctx.repair:
        fail(reason, f"{message} (--repair {repair} drops them)")
    return [turn for turn in turns if turn[0] != role]


def _merge_consecutive(turns, ctx):
    merged: list[tuple[str, str]] = []
    for role, content in turns:
        if merged and merged[-1][0] == role:
            if "merge_consecutive" not in ctx.repair:
                fail("consecutive_roles", f"two {role} turns in a row "
                                          f"(--repair merge_consecutive joins them)")
            merged[-1] = (role, merged[-1][1] + "\n\n" + content)
        else:
            merged.append((role, content))
    return merged


def known_turns(record) -> tuple[str | None, list[tuple[str, str]]]:
    """(system, turns) with every turn of a known role and string content (an instruction
    record's turns hold its context already). Nothing is dropped or reordered yet."""
    system, turns = split_system(record)
    if not turns:
        fail("not_a_conversation", "the record has no user/assistant turns")
    for role, content in turns:
        if role in NOT_TEXT:
            fail(NOT_TEXT[role], f"the conversation holds a {role} part, which this target "
                                 "writes no text for")
        if role not in KNOWN_ROLES:
            fail("unknown_role", f"a turn has the role {role!r}")
        if not isinstance(content, str):
            fail("wrong_type", f"a {role} turn's content is a {type(content).__name__}, "
                               f"not a string")
    return system, turns


def clean_turns(record, ctx, *, ends_with_assistant: bool = True
                ) -> tuple[str | None, list[tuple[str, str]]]:
    """(system, turns): the turns alternate user/assistant and start with user, and (unless
    ends_with_assistant is False) end with assistant. Each problem is a RecordError (stage
    format) unless the user named its --repair."""
    system, turns = known_turns(record)
    turns = drop_inner_system(turns, ctx)
    for role, content in turns:
        if not content or content.isspace():
            fail("empty_field", f"a {role} turn is empty")
    turns = drop_leading_assistant(turns, ctx)
    turns = _merge_consecutive(turns, ctx)
    return system, end_with_assistant(turns, ctx, required=ends_with_assistant)


# The repairs of a conversation's ends, on any list of (role, ...) pairs: clean_turns' text
# turns, or the messages a tool-use writer groups its parts into (converse_tools).

def drop_inner_system(items: list, ctx) -> list:
    return _drop(items, "system", "drop_inner_system", "system_not_first", ctx,
                 "a system turn comes after the conversation started")


def drop_leading_assistant(items: list, ctx) -> list:
    if items and items[0][0] == "assistant":
        if "drop_leading_assistant" not in ctx.repair:
            fail("starts_with_assistant", "the conversation starts with the assistant "
                                          "(--repair drop_leading_assistant drops it)")
        while items and items[0][0] == "assistant":
            items = items[1:]
    return items


def end_with_assistant(items: list, ctx, required: bool = True) -> list:
    """The items ending with an assistant one (when required), a last user one dropped by
    --repair drop_trailing_user; not_a_conversation when nothing is left."""
    if required and items and items[-1][0] == "user":
        if "drop_trailing_user" not in ctx.repair:
            fail("ends_with_user", "the last turn is a user turn with no answer "
                                   "(--repair drop_trailing_user drops it)")
        items = items[:-1]
    if not items:
        fail("not_a_conversation", "no user/assistant exchange is left after the repairs")
    return items


def order_problems(roles: list, ends_with_assistant: bool = True) -> list[tuple[str, str]]:
    """Role-order problems of a written conversation (positions are 1-based message numbers)."""
    problems = []
    if roles and roles[0] == "assistant":
        problems.append(("starts_with_assistant", "the first message is from the assistant"))
    for position in range(1, len(roles)):
        if roles[position] in ROLES and roles[position] == roles[position - 1]:
            problems.append(("consecutive_roles", f"messages {position} and {position + 1} "
                                                  f"are both {roles[position]}"))
    if ends_with_assistant and roles and roles[-1] == "user":
        problems.append(("ends_with_user", "the last message is from the user"))
    return problems


def role_problem(role, position: int, system_hint: str) -> tuple[str, str] | None:
    """A role other than user/assistant in a written message (a role that is no string is
    wrong_type, as run's messages adapter refuses it)."""
    problem = shape_rules.not_a_string(f"message {position}'s role", role)
    if problem:
        return problem
    if role == "system":
        return ("system_not_first", f"message {position} has the role system; {system_hint}")
    if role not in ROLES:
        return ("unknown_role", f"message {position} has the role {role!r}; "
                                f"only user and assistant are allowed")
    return None


def string_content_problem(turn: dict, noun: str, position: int) -> tuple[str, str] | None:
    """A written turn's content, when it has one, is a non-empty string (Bedrock messaging's
    messages, SageMaker chat's dialog turns); "{noun} {position}" names the turn ("message 2",
    "turn 2"), put together only for a problem."""
    if "content" not in turn:
        return None
    content = turn["content"]
    if not isinstance(content, str):
        return ("invalid_record", f"{noun} {position}'s content is a {type(content).__name__}, "
                                  f"not a string")
    if not content or content.isspace():
        return ("empty_field", f"{noun} {position}'s content is empty")
    return None


def reserved_words(model) -> tuple[str, ...]:
    """The words a model reserves (ModelSpec.reserved_words); () for none or no model: a
    checker with none to look for skips reserved_word_problems' call a text block."""
    return getattr(model, "reserved_words", ()) or ()


def reserved_word_problems(text: str, label: str, model) -> list[tuple[str, str]]:
    """reserved_word when a text block holds a word the model reserves (ModelSpec.
    reserved_words: Nova's role words, Claude 3 Haiku's turn markers)."""
    found = [word for word in reserved_words(model) if word in text]
    if not found:
        return []
    shown = ", ".join(printable(word) for word in found)
    return [("reserved_word", f"{label} holds {shown}, which {model.display} reserves; "
                              "reword it")]


def printable(word: str) -> str:
    """A reserved word on one line (a line break in it, as in Haiku's turn markers, shown as
    a backslash-n)."""
    return word.encode("unicode_escape").decode()
