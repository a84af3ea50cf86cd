"""bedrock-single-turn / bedrock-multi-turn: Bedrock (Claude 3 Haiku) messaging format,
{"system"?, "messages": [{"role", "content"}, …]}."""
from __future__ import annotations

from transforms.targets.base import (Target, exact_keys, fail, has_instruction_fields,
                                     instruction_prompt, split_system)

_ROLES = ("user", "assistant")
_KNOWN_ROLES = ("system", "user", "assistant", "tool")


def _turns_from_fields(fields: dict) -> list[tuple[str, str]]:
    instruction, context = fields.get("instruction"), fields.get("context") or ""
    if isinstance(instruction, str) and isinstance(context, str):
        instruction = instruction_prompt(instruction, context)
    return [("user", instruction), ("assistant", fields.get("response"))]


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


class BedrockMessages(Target):
    def __init__(self, name: str, kind: str):
        self.name, self.kind = name, kind

    def build(self, record, ctx):
        system, turns = split_system(record)
        if not turns and has_instruction_fields(record):
            turns = _turns_from_fields(record.fields)
        if not turns:
            fail("not_a_conversation", "the record has no user/assistant turns")
        for role, content in turns:
            if role not in _KNOWN_ROLES:
                fail("unknown_role", f"a turn has the role {role!r}")
            if not isinstance(content, str):
                fail("wrong_type", f"a {role} turn's content is a {type(content).__name__}, "
                                   f"not a string")
        turns = _drop(turns, "system", "drop_inner_system", "system_not_first", ctx,
                      "a system turn comes after the conversation started")
        turns = _drop(turns, "tool", "drop_tool_turns", "tool_turn",
                      ctx, "the conversation holds tool turns")
        for role, content in turns:
            if not content.strip():
                fail("empty_field", f"a {role} turn is empty")
        if turns and turns[0][0] == "assistant":
            if "drop_leading_assistant" not in ctx.repair:
                fail("starts_with_assistant", "the conversation starts with the assistant "
                                              "(--repair drop_leading_assistant drops it)")
            while turns and turns[0][0] == "assistant":
                turns.pop(0)
        turns = _merge_consecutive(turns, ctx)
        if turns and turns[-1][0] == "user":
            if "drop_trailing_user" not in ctx.repair:
                fail("ends_with_user", "the last turn is a user turn with no answer "
                                       "(--repair drop_trailing_user drops it)")
            turns.pop()
        if not turns:
            fail("not_a_conversation", "no user/assistant exchange is left after the repairs")
        if self.kind == "single-turn" and len(turns) != 2:
            fail("not_single_turn", f"the target takes one user turn and one assistant turn; "
                                    f"the record has {len(turns)} turns")
        obj = {"system": system} if system else {}
        obj["messages"] = [{"role": role, "content": content} for role, content in turns]
        return [obj]

    def check(self, obj, ctx):
        problems = exact_keys(obj, {"messages"}, optional={"system"})
        if problems:
            return problems
        if "system" in obj and not isinstance(obj["system"], str):
            problems.append(("invalid_record", "system is not a string"))
        messages = obj["messages"]
        if not isinstance(messages, list):
            return problems + [("invalid_record", "messages is not a list")]
        if len(messages) < 2:
            problems.append(("invalid_record", f"messages holds {len(messages)} messages; "
                                               f"at least 2 are needed"))
        elif self.kind == "single-turn" and len(messages) != 2:
            problems.append(("not_single_turn", f"messages holds {len(messages)} messages; "
                                                f"single-turn takes exactly 2"))
        roles = []
        for position, message in enumerate(messages, 1):
            message_problems = _message_problems(message, position)
            problems += message_problems
            roles.append(message.get("role") if isinstance(message, dict) else None)
        return problems + _order_problems(roles)


def _message_problems(message, position: int) -> list[tuple[str, str]]:
    if not isinstance(message, dict):
        return [("invalid_record", f"message {position} is not an object")]
    problems = [(reason, f"message {position}: {text}")
                for reason, text in exact_keys(message, {"role", "content"})]
    role, content = message.get("role"), message.get("content")
    if role == "system":
        problems.append(("system_not_first", f"message {position} has the role system; "
                                             f"the system prompt belongs in the top-level "
                                             f"'system' string"))
    elif "role" in message and role not in _ROLES:
        problems.append(("unknown_role", f"message {position} has the role {role!r}; "
                                         f"only user and assistant are allowed"))
    if "content" in message:
        if not isinstance(content, str):
            problems.append(("invalid_record", f"message {position}'s content is a "
                                               f"{type(content).__name__}, not a string"))
        elif not content.strip():
            problems.append(("empty_field", f"message {position}'s content is empty"))
    return problems


def _order_problems(roles: list) -> list[tuple[str, str]]:
    problems = []
    if roles and roles[0] == "assistant":
        problems.append(("starts_with_assistant", "the first message is from the assistant"))
    for position in range(1, len(roles)):
        if roles[position] in _ROLES and roles[position] == roles[position - 1]:
            problems.append(("consecutive_roles", f"messages {position} and {position + 1} "
                                                  f"are both {roles[position]}"))
    if roles and roles[-1] == "user":
        problems.append(("ends_with_user", "the last message is from the user"))
    return problems
