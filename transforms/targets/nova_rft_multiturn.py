"""nova-rft-multiturn: Amazon Nova multi-turn reinforcement fine-tuning (SageMaker HyperPod, the
Nova Forge SDK's RFT_MULTITURN methods, Nova 2 Lite only), one prompt a line:

    {"id": str, "metadata": {"prompt": [{"role", "content", "tool_calls"?, "tool_call_id"?}]
     | str, "answer"?: str, "task"?: str, "info"?: object | JSON string}}

The shape is the Forge SDK's RFTMultiturnDatasetSample (amzn-nova-forge 1.4.10,
dataset/dataset_validator/rft_multiturn_dataset_validator.py; tests/oracles/
test_forge_rft_multiturn.py runs its RFTMultiturnDatasetValidator over what this target writes):
the prompt, answer, task and info sit under "metadata", no other key at either level. (Issue 25
names the flat {"id", "prompt", "answer"?, "task"?, "info"?}: the validator refuses it.)

It takes an RFT prompt record (core/rft.py Reference): the prompt is the conversation written as
OpenAI messages (system first, text only), the answer the reference answer; of the grader
fields, "id" (a string) is the id, "task" (a string) the task, and every other one is passed
untouched in "info" (a source's own "info" alone is written as it is). A record without an id
gets its content digest (Record.id). Each rule, its code:

    id a non-blank string                                  missing_field / wrong_type / empty_field
    metadata an object; prompt present                     missing_field / wrong_type
    no key besides id, metadata; besides prompt, answer, task, info      invalid_record
    prompt a non-blank string or a non-empty list of messages           empty_field / wrong_type
    a message's keys: role, content, tool_calls, tool_call_id           unrecognized_key [own]
    role system, user, assistant or tool (as written: Forge is case-sensitive)  unknown_role
    system / user / tool content a non-blank string; assistant content or tool calls
                                                                        empty_field / wrong_type
    tool_calls [{"id", "type": "function", "function": {"name", "arguments"}}]  bad_tool_call
    a tool message's tool_call_id                                       missing_field
    system only first, a user message, not ending with an answer [own, as bedrock-rft]
                                 system_not_first / missing_user_message / ends_with_assistant
    answer a string (an object reference is refused: wrong_type), not blank [own]
                                                           wrong_type / empty_reference_answer
    task a string; info an object or a string holding JSON          wrong_type / invalid_record
    answer, task, info in every record or in none (Forge's OPTIONAL_FIELDS)  inconsistent_fields

[own]: stricter than Forge, which ignores a message's other keys and takes a blank answer: a
key the trainer never reads would be lost without a word, and a blank answer grades nothing.
"""
from __future__ import annotations

import orjson

from tuneprep.transforms.core.preferences import REWARDS
from tuneprep.transforms.targets import requests_nova_recipes, tool_rules
from tuneprep.transforms.targets.base import Target, all_or_none_problems, fail, split_system
from tuneprep.transforms.targets.openai_chat import chat_messages

ROLES = ("system", "user", "assistant", "tool")      # Forge's OpenAIMessage.validate_role
MESSAGE_KEYS = ("role", "content", "tool_calls", "tool_call_id")
KEYS = ("id", "metadata")
OPTIONAL = ("answer", "task", "info")                # Forge's OPTIONAL_FIELDS, under metadata
METADATA_KEYS = ("prompt",) + OPTIONAL


class NovaRFTMultiturn(Target):
    name = "nova-rft-multiturn"
    kind = "rft-multiturn"
    trains_on = REWARDS
    request_builder = requests_nova_recipes.RFT_MULTITURN

    def build(self, record, ctx):
        reference = record.reference
        if reference is None:
            fail("empty_reference_answer", "the record has no reference answer (reference_answer, "
                                           "answer, solution or ground_truth) for the answer")
        if not isinstance(reference.answer, str):
            fail("wrong_type", f"the reference answer is an object; {self.name}'s answer is a "
                               "string (the Forge SDK's RFTMultiturnMetadata)")
        system, turns = split_system(record)
        metadata = {"prompt": chat_messages(system, tool_rules.checked_parts(turns, ctx)),
                    "answer": reference.answer}
        graders = dict(reference.grader_fields)
        given_id = graders.pop("id") if isinstance(graders.get("id"), str) else None
        if isinstance(graders.get("task"), str):
            metadata["task"] = graders.pop("task")
        if graders:   # untouched: a source's own info alone as it is, else every field in one
            metadata["info"] = graders["info"] if list(graders) == ["info"] and isinstance(
                graders["info"], (dict, str)) else graders
        # (the split sets Record.id only when there is a validation split)
        return [{"id": given_id if given_id and given_id.strip()
                 else record.id or record.with_id().id,
                 "metadata": metadata}]

    def writes_field(self, name, ctx):
        # the reference and every grader field are written (build); tool definitions have no
        # place in the format (base.takes_tools reads this too)
        return name != "tools"

    def check(self, obj, ctx):
        if not isinstance(obj, dict):
            return [("invalid_record", f"the record is a JSON {type(obj).__name__}, not an object")]
        problems = _keys_problems(obj, KEYS, "the record")
        problems += _id_problems(obj.get("id"))
        metadata = obj.get("metadata")
        if metadata is None:
            return problems + [("missing_field", "the record has no metadata")]
        if not isinstance(metadata, dict):
            return problems + [("wrong_type", f"metadata is a {type(metadata).__name__}, not an "
                                              "object")]
        problems += _keys_problems(metadata, METADATA_KEYS, "metadata")
        problems += _prompt_problems(metadata.get("prompt"))
        return problems + _optional_problems(metadata)

    def measure(self, obj) -> int:
        return sum(map(len, self.texts(obj)))

    def texts(self, obj) -> list[str]:
        metadata = obj.get("metadata") if isinstance(obj, dict) else None
        prompt = metadata.get("prompt") if isinstance(metadata, dict) else None
        if isinstance(prompt, str):
            return [prompt]
        return [m["content"] for m in (prompt if isinstance(prompt, list) else ())
                if isinstance(m, dict) and isinstance(m.get("content"), str)]

    def dataset_facets(self, obj) -> set[str]:
        metadata = obj.get("metadata") if isinstance(obj, dict) else None
        return {key for key in OPTIONAL if isinstance(metadata, dict) and key in metadata}

    def dataset_problems(self, facets: dict, ctx, records: int = 0) -> list[tuple[str, str]]:
        return all_or_none_problems(facets, records, OPTIONAL, "Nova multi-turn RFT",
                                    prefix="metadata.")


def _keys_problems(obj: dict, known: tuple, label: str) -> list[tuple[str, str]]:
    unknown = sorted(set(obj) - set(known))
    return [("invalid_record", f"{label} has the keys {', '.join(unknown)}; known: "
                               f"{', '.join(known)}")] if unknown else []


def _id_problems(value) -> list[tuple[str, str]]:
    if value is None:
        return [("missing_field", "the record has no id")]
    if not isinstance(value, str):
        return [("wrong_type", f"id is a {type(value).__name__}, not a string")]
    return [("empty_field", "id is empty")] if tool_rules.blank(value) else []


def _prompt_problems(prompt) -> list[tuple[str, str]]:
    if prompt is None:
        return [("missing_field", "metadata has no prompt")]
    if isinstance(prompt, str):
        return [("empty_field", "the prompt is empty")] if tool_rules.blank(prompt) else []
    if not isinstance(prompt, list):
        return [("wrong_type", f"the prompt is a {type(prompt).__name__}, not a string or a "
                               "list of messages")]
    if not prompt:
        return [("empty_field", "the prompt is an empty list")]
    problems, roles = [], []
    for position, message in enumerate(prompt, 1):
        if not isinstance(message, dict):
            problems.append(("wrong_type", f"message {position} is not an object"))
            continue
        roles.append(message.get("role"))
        problems += _message_problems(message, f"message {position}")
    if problems:   # (a message refused already says why the order cannot be read)
        return problems
    if "system" in roles[1:]:
        problems.append(("system_not_first", "a system message is not the first message"))
    if "user" not in roles:
        problems.append(("missing_user_message", "no message has the role user"))
    if roles and roles[-1] == "assistant":
        problems.append(("ends_with_assistant", "the last message is an assistant answer; the "
                                                "model writes it in training (the rollout)"))
    return problems


def _message_problems(message: dict, label: str) -> list[tuple[str, str]]:
    unknown = sorted(set(message) - set(MESSAGE_KEYS))
    if unknown:
        return [("unrecognized_key", f"{label} has the keys {', '.join(unknown)}; known: "
                                     f"{', '.join(MESSAGE_KEYS)}")]
    role = message.get("role")
    if role is None:
        return [("missing_field", f"{label} has no role")]
    if role not in ROLES:
        return [("unknown_role", f"{label} has the role {role!r}; known: {', '.join(ROLES)}")]
    content = message.get("content")
    if content is not None and not isinstance(content, str):
        return [("wrong_type", f"{label}'s content is a {type(content).__name__}, not a string")]
    if role == "assistant":
        calls = message.get("tool_calls")
        if calls is not None:
            return _tool_calls_problems(calls, label)
        return [] if content is not None else [("missing_field", f"{label} has neither content "
                                                                 "nor tool_calls")]
    if role == "tool" and message.get("tool_call_id") is None:
        return [("missing_field", f"{label}, a tool result, has no tool_call_id")]
    return [("empty_field", f"{label}'s content is empty")] if content is None or \
        tool_rules.blank(content) else []


def _tool_calls_problems(calls, label: str) -> list[tuple[str, str]]:
    if not isinstance(calls, list) or not calls:
        return [("bad_tool_call", f"{label}'s tool_calls is not a non-empty list")]
    for index, call in enumerate(calls, 1):
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(call, dict) or not isinstance(call.get("id"), str) or \
                call.get("type") != "function" or not isinstance(function, dict) or \
                "name" not in function or "arguments" not in function:
            return [("bad_tool_call", f'{label}\'s tool call {index} is not {{"id", "type": '
                                      '"function", "function": {"name", "arguments"}}')]
    return []


def _optional_problems(metadata: dict) -> list[tuple[str, str]]:
    problems = []
    if "answer" in metadata:
        answer = metadata["answer"]
        if answer is not None and not isinstance(answer, str):
            problems.append(("wrong_type", f"answer is a {type(answer).__name__}, not a string"))
        elif answer is None or tool_rules.blank(answer):
            problems.append(("empty_reference_answer", "answer is empty: a grader has nothing "
                                                       "to compare against"))
    if "task" in metadata and not isinstance(metadata["task"], str):
        problems.append(("wrong_type", f"task is a {type(metadata['task']).__name__}, not a "
                                       "string"))
    if "info" in metadata:
        info = metadata["info"]
        if not isinstance(info, (dict, str)):
            problems.append(("wrong_type", f"info is a {type(info).__name__}, not an object or "
                                           "a JSON string"))
        elif isinstance(info, str) and not _is_json(info):
            problems.append(("invalid_record", "info is a string that does not hold JSON"))
    return problems


def _is_json(text: str) -> bool:
    try:
        orjson.loads(text)
    except orjson.JSONDecodeError:
        return False
    return True
