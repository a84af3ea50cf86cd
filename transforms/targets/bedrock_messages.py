"""bedrock-single-turn / bedrock-multi-turn: Bedrock (Claude 3 Haiku) messaging format,
{"system"?, "messages": [{"role", "content"}, …]}."""
from __future__ import annotations

from tuneprep.transforms.targets import requests_bedrock
from tuneprep.transforms.targets.base import Target, exact_keys, fail
from tuneprep.transforms.targets.conversation import (clean_turns, order_problems,
                                                      reserved_word_problems, reserved_words,
                                                      role_problem, string_content_problem)

KEYS, OPTIONAL_KEYS = frozenset(("messages",)), frozenset(("system",))
MESSAGE_KEYS = frozenset(("role", "content"))


class BedrockMessages(Target):
    request_builder = requests_bedrock.FINE_TUNING

    def build(self, record, ctx):
        system, turns = clean_turns(record, ctx)
        if self.kind == "single-turn" and len(turns) != 2:
            fail("not_single_turn", f"the target takes one user turn and one assistant turn; "
                                    f"the record has {len(turns)} turns")
        obj = {"system": system} if system else {}
        obj["messages"] = [{"role": role, "content": content} for role, content in turns]
        return [obj]

    def check(self, obj, ctx):
        problems = exact_keys(obj, KEYS, optional=OPTIONAL_KEYS)
        if problems:
            return problems
        model = getattr(ctx, "model", None)
        if "system" in obj and not isinstance(obj["system"], str):
            problems.append(("invalid_record", "system is not a string"))
        elif "system" in obj:
            problems += reserved_word_problems(obj["system"], "system", model)
        messages = obj["messages"]
        if not isinstance(messages, list):
            return problems + [("invalid_record", "messages is not a list")]
        if len(messages) < 2:
            problems.append(("invalid_record", f"messages holds {len(messages)} messages; "
                                               f"at least 2 are needed"))
        elif self.kind == "single-turn" and len(messages) != 2:
            problems.append(("not_single_turn", f"messages holds {len(messages)} messages; "
                                                f"single-turn takes exactly 2"))
        words = reserved_words(model)
        roles = []
        for position, message in enumerate(messages, 1):
            problems += _message_problems(message, position)
            if words and isinstance(message, dict) and isinstance(message.get("content"), str):
                problems += reserved_word_problems(message["content"], f"message {position}",
                                                   model)
            roles.append(message.get("role") if isinstance(message, dict) else None)
        return problems + order_problems(roles)


def _message_problems(message, position: int) -> list[tuple[str, str]]:
    if not isinstance(message, dict):
        return [("invalid_record", f"message {position} is not an object")]
    keys = exact_keys(message, MESSAGE_KEYS)
    problems = [(reason, f"message {position}: {text}") for reason, text in keys] if keys else []
    role = message.get("role")
    problem = role_problem(role, position, "the system prompt belongs in the top-level "
                                           "'system' string") if "role" in message else None
    if problem:
        problems.append(problem)
    problem = string_content_problem(message, "message", position)
    if problem:
        problems.append(problem)
    return problems


class BedrockSingleTurn(BedrockMessages):
    name = "bedrock-single-turn"
    kind = "single-turn"


class BedrockMultiTurn(BedrockMessages):
    name = "bedrock-multi-turn"
    kind = "multi-turn"
