"""openai-chat: OpenAI chat fine-tuning, {"messages": [{"role", "content", "weight"?}, ...]}.

Checks are the OpenAI cookbook's format checks (Chat_finetuning_data_prep.ipynb), each with a
reason code:

    cookbook error key                  reason code
    data_type                           invalid_record
    missing_messages_list               missing_field / empty_field (/ wrong_type: not a list)
    message_missing_key                 missing_field
    message_unrecognized_key            unrecognized_key (keys other than role, content, name,
                                        function_call, weight)
    unrecognized_role                   unknown_role (system, user, assistant, function)
    missing_content                     empty_field (/ wrong_type: not a string)
    example_missing_assistant_message   missing_assistant_message

plus the cookbook's "missing user message" warning, refused here (missing_user_message: an
example with no user turn teaches the model to answer nothing), and `weight` on assistant
messages only, 0 or 1 (bad_weight). OpenAI is not a model of the catalogue: `--max-tokens` sets
the per-record limit (the cookbook's examples over 4,096 / 16,385 tokens are truncated).

From canonical records: a system prompt becomes a leading system message; system turns stay
where the source put them; tool turns are refused (tool_turn; --repair drop_tool_turns).
"""
from __future__ import annotations

from tuneprep.transforms.targets.base import Target, fail
from tuneprep.transforms.targets.conversation import known_turns

ROLES = ("system", "user", "assistant")
COOKBOOK_ROLES = ROLES + ("function",)
MESSAGE_KEYS = ("role", "content", "name", "function_call", "weight")


class OpenAIChat(Target):
    name = "openai-chat"
    kind = "openai-chat"

    def build(self, record, ctx):
        system, turns = known_turns(record)
        if any(role == "tool" for role, _ in turns):
            if "drop_tool_turns" not in ctx.repair:
                fail("tool_turn", "the conversation holds tool turns "
                                  "(--repair drop_tool_turns drops them)")
            turns = [turn for turn in turns if turn[0] != "tool"]
        for role, content in turns:
            if not content or content.isspace():
                fail("empty_field", f"a {role} turn is empty")
        roles = {role for role, _ in turns}
        if "assistant" not in roles:
            fail("missing_assistant_message", "the example has no assistant message")
        if "user" not in roles:
            fail("missing_user_message", "the example has no user message")
        messages = [{"role": "system", "content": system}] if system else []
        messages += [{"role": role, "content": content} for role, content in turns]
        return [{"messages": messages}]

    def check(self, obj, ctx):
        if not isinstance(obj, dict):
            return [("invalid_record", f"the record is a JSON {type(obj).__name__}, not an object")]
        if "messages" not in obj:
            return [("missing_field", "the record has no messages list")]
        messages = obj["messages"]
        if not isinstance(messages, list):
            return [("wrong_type", f"messages is a {type(messages).__name__}, not a list")]
        if not messages:
            return [("empty_field", "messages is empty")]
        problems = []
        for position, message in enumerate(messages, 1):
            problems += _message_problems(message, position)
        roles = [m.get("role") for m in messages if isinstance(m, dict)]
        if "assistant" not in roles:
            problems.append(("missing_assistant_message", "no message has the role assistant"))
        if "user" not in roles:
            problems.append(("missing_user_message", "no message has the role user"))
        return problems


def _message_problems(message, position: int) -> list[tuple[str, str]]:
    label = f"message {position}"
    if not isinstance(message, dict):
        return [("invalid_record", f"{label} is not an object")]
    problems = []
    missing = [key for key in ("role", "content") if key not in message]
    if missing:
        problems.append(("missing_field", f"{label} has no {' or '.join(missing)}"))
    unknown = sorted(set(message) - set(MESSAGE_KEYS))
    if unknown:
        problems.append(("unrecognized_key", f"{label} has the keys {', '.join(unknown)}; "
                                             f"known: {', '.join(MESSAGE_KEYS)}"))
    role = message.get("role")
    if "role" in message and role not in COOKBOOK_ROLES:
        problems.append(("unknown_role", f"{label} has the role {role!r}; known: "
                                         f"{', '.join(ROLES)}"))
    content = message.get("content")
    if "content" in message:
        if content is None and message.get("function_call"):
            pass  # a function call carries no content
        elif not isinstance(content, str):
            problems.append(("wrong_type", f"{label}'s content is a {type(content).__name__}, "
                                           f"not a string"))
        elif not content or content.isspace():
            problems.append(("empty_field", f"{label}'s content is empty"))
    if "weight" in message:
        weight = message["weight"]
        if role != "assistant":
            problems.append(("bad_weight", f"{label} is a {role} message with a weight; only "
                                           f"assistant messages take one"))
        elif type(weight) is not int or weight not in (0, 1):
            problems.append(("bad_weight", f"{label}'s weight is {weight!r}; it must be 0 or 1"))
    return problems
