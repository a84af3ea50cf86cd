"""What the RFT targets (bedrock-rft, openai-rft) share: both write an RFT prompt as OpenAI chat
messages, its reference answer as "reference_answer", the tool definitions as "tools" and every
other source field untouched beside them (core/rft.py Reference), and both check those messages
the same way, each with its service's roles and message keys (MessageRules)."""
from __future__ import annotations

from dataclasses import dataclass

from tuneprep.transforms.targets import tool_rules
from tuneprep.transforms.core.preferences import REWARDS
from tuneprep.transforms.targets.base import Target, fail, split_system
from tuneprep.transforms.targets.openai_chat import chat_messages, tool_definition

# OpenAI's graders read a dataset item's fields as {{ item.<key> }}, the reference answer as
# {{ item.reference_answer }} in its graders guide; Bedrock RFT requires this key
REFERENCE = "reference_answer"
PART_TYPES = ("text", "image_url")   # text or image content only (both services)


@dataclass(frozen=True)
class MessageRules:
    """A service's reading of a prompt's messages."""
    roles: tuple[str, ...]
    keys: tuple[str, ...]
    answer_roles: tuple[str, ...] = ("assistant",)
    system_roles: tuple[str, ...] = ("system", "developer")
    system_first: bool = False     # a system message only first
    any_case: bool = False         # roles read case-insensitively


def _reference_of(record):
    """The record's reference answer (core/rft.py Reference), or its refusal."""
    reference = record.reference
    if reference is None:
        if record.turns and record.turns[-1][0] == "assistant":
            fail("ends_with_assistant", "the record ends with an assistant answer: an RFT "
                                        "prompt leaves the answer to the model and needs a "
                                        "reference answer for the grader")
        fail("empty_reference_answer", "the record has no reference answer (reference_answer, "
                                       "answer, solution or ground_truth) for the grader")
    return reference


def prompt_object(record, ctx) -> dict:
    """The written record: messages, reference answer, tools and grader fields."""
    reference = _reference_of(record)
    system, turns = split_system(record)
    messages = chat_messages(system, tool_rules.checked_parts(turns, ctx))
    obj = {"messages": messages, REFERENCE: reference.answer}
    if record.tools:
        obj["tools"] = [tool_definition(spec) for spec in record.tools]
    for key, value in reference.grader_fields.items():
        obj.setdefault(key, value)   # passed through untouched, in source order
    return obj


def messages_problems(messages, rules: MessageRules) -> list[tuple[str, str]]:
    if messages is None:
        return [("missing_field", "the record has no messages list")]
    if not isinstance(messages, list):
        return [("wrong_type", f"messages is a {type(messages).__name__}, not a list")]
    if not messages:
        return [("empty_field", "messages is empty")]
    problems, roles = [], []
    for position, message in enumerate(messages, 1):
        label = f"message {position}"
        if not isinstance(message, dict):
            problems.append(("wrong_type", f"{label} is not an object"))
            continue
        role = message.get("role")
        roles.append(role.lower() if isinstance(role, str) and rules.any_case else role)
        problems += _message_problems(message, label, roles[-1], rules)
    if rules.system_first and any(role in rules.system_roles for role in roles[1:]):
        problems.append(("system_not_first", "a system message is not the first message"))
    if "user" not in roles:
        problems.append(("missing_user_message", "no message has the role user"))
    if roles and roles[-1] in rules.answer_roles:
        problems.append(("ends_with_assistant", "the last message is an assistant answer; the "
                                                "model writes it in training (the rollout)"))
    return problems


def _message_problems(message: dict, label: str, role, rules: MessageRules
                      ) -> list[tuple[str, str]]:
    unknown = sorted(set(message) - set(rules.keys))
    if unknown:
        return [("unrecognized_key", f"{label} has the keys {', '.join(unknown)}; known: "
                                     f"{', '.join(rules.keys)}")]
    if "role" not in message:
        return [("missing_field", f"{label} has no role")]
    if role not in rules.roles:
        return [("unknown_role", f"{label} has the role {message['role']!r}; known: "
                                 f"{', '.join(rules.roles)}")]
    content = message.get("content")
    if content is None:
        if message.get("tool_calls"):
            return []   # a message that only calls tools
        return [("missing_field", f"{label} has no content")]
    if isinstance(content, str):
        return [("empty_field", f"{label}'s content is empty")] if tool_rules.blank(content) \
            else []
    if not isinstance(content, list):
        return [("wrong_type", f"{label}'s content is a {type(content).__name__}, not a "
                               "string or a list of parts")]
    if not content:
        return [("empty_field", f"{label}'s content is an empty list")]
    for index, part in enumerate(content):
        if not isinstance(part, dict) or part.get("type") not in PART_TYPES:
            return [("wrong_type", f"{label}'s part {index} is not a text or image_url part")]
        if part["type"] == "text" and (not isinstance(part.get("text"), str)
                                       or tool_rules.blank(part["text"])):
            return [("empty_field", f"{label}'s part {index} has no text")]
    return []


def reference_problems(obj: dict) -> list[tuple[str, str]]:
    answer = obj.get(REFERENCE)
    if answer is not None and not isinstance(answer, (str, dict)):
        return [("wrong_type", f"{REFERENCE} is a {type(answer).__name__}, not a string or an "
                               "object")]
    if not answer or (isinstance(answer, str) and answer.isspace()):
        return [("empty_reference_answer", f"{REFERENCE} is missing or empty: a grader has "
                                           "nothing to compare against")]
    return []


class PromptTarget(Target):
    """A target whose record is an RFT prompt (bedrock-rft, openai-rft): the model writes the
    answer and a grader scores it, so the prompt, its reference answer and every grader field
    are written (prompt_object); a subclass checks its service's schema in prompt_problems."""
    trains_on = REWARDS
    writes_tools = True     # the prompt's tool definitions, calls and results

    def build(self, record, ctx):
        return [prompt_object(record, ctx)]

    def writes_field(self, name, ctx):
        return True   # the reference and every grader field are written (build)

    def check(self, obj, ctx):
        if not isinstance(obj, dict):
            return [("invalid_record", f"the record is a JSON {type(obj).__name__}, not an object")]
        return self.prompt_problems(obj, ctx)

    def prompt_problems(self, obj: dict, ctx) -> list[tuple[str, str]]:
        raise NotImplementedError
