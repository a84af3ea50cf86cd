"""Chat messages: OpenAI {"messages": [{role, content}]}, Bedrock {"system", "messages"}, Bedrock
Converse (system and content as [{"text": ...}] blocks) and LLaMA-Factory v1 content parts.

LLaMA-Factory's multimodal records add {"images": ["mllm_demo_data/1.jpg"]}: one image becomes
Record.image, a relative path resolved as the image-caption adapter does (against --image-root,
else the file's folder); more than one is refused (too_many_media: the canonical record carries
one image), never dropped; an absent, null or empty list is a text-only record. The user text
marks where the image goes with a literal "<image>" placeholder; when the record has its image,
every "<image>" is removed from the user turns (and the turn's ends stripped), since the
target's image block carries the image instead (bedrock-conversation puts it before the text of
the first user turn, wherever the placeholder was; Nova reserves the word "<image>"). A record
without an image keeps its text as it is. A "videos" or "audios" list is refused
(not_taken_by_model), never dropped.

Tool use and reasoning become the canonical parts (transforms/core/tools.py; how each dialect
is read: adapters/tool_use.py):
- OpenAI: "tools" → Record.tools; an assistant's "tool_calls" ([{"id", "type": "function",
  "function": {"name", "arguments": JSON text}}]) → ("tool_call", ToolCall) parts after the
  message's text (no text part when the content is null, "" or absent); a "tool" message →
  ("tool", ToolResult(tool_call_id, text, name)); "parallel_tool_calls" stays in Record.fields.
  The older "functions" / "function_call" / "function" role: calls get made-up ids ("call_1",
  ...), a "function" message answers the oldest unanswered call of its name.
- reasoning: "reasoning_content" / "reasoning" on an assistant message, or a leading
  <think>…</think> of its text → a ("reasoning", text) part before the text.
- Converse: top-level "toolConfig" → Record.tools; content blocks toolUse (assistant),
  toolResult (user), reasoningContent (assistant), image / video (user) — converse_blocks.py.
  A Converse medium in the first user message is Record.image (its s3:// URI as it is;
  s3Location.bucketOwner kept in Record.fields["bucketOwner"], the block's format not: the
  target writes it from the object's name and checks the content).
An assistant message's "weight" (OpenAI: 0 leaves it out of training) → Record.weights, one
entry per assistant message; a weight the rule of core/weights.py refuses (not 0 or 1, or on
another role) is bad_weight, as `tuneprep validate --target openai-chat` refuses it. Other
message keys (name on a user message) are not read.
"""
from __future__ import annotations

from typing import Any

from tuneprep.transforms.adapters import converse_blocks
from tuneprep.transforms.adapters.common import (MEDIA_KEYS, Adapter, optional_system, refuse,
                                                 require_dict, extras, strict_text,
                                                 the_image, type_name, without_placeholders)
from tuneprep.transforms.adapters.tool_use import (Calls, assistant_text_parts, call_arguments,
                                                   call_name, given_reasoning, read_tools,
                                                   result_text, tool_id)
from tuneprep.transforms.core.preferences import preference_fields, read_preference
from tuneprep.transforms.core import shape_rules
from tuneprep.transforms.core.records import Record, Source
from tuneprep.transforms.core.tools import ToolCall, ToolResult
from tuneprep.transforms.core.weights import weight_problem

KEYS = ("messages", "system")
# the input format's own marker (Converse: "bedrock-conversation-2024"): kept in Record.fields,
# never a field the output lacks (a Converse target writes its own)
FORMAT_MARK = "schemaVersion"
ROLES = {"system": "system", "developer": "system", "user": "user", "assistant": "assistant",
         "model": "assistant", "tool": "tool", "function": "function"}
CALL_KEYS = ("tool_calls", "function_call")   # an assistant message that calls a tool


def matches(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("messages"), list)


def normalize(value: Any, source: Source, opts) -> Record:
    record = require_dict(value, ADAPTER)
    if "messages" not in record:
        raise refuse(*shape_rules.missing('field "messages"'))
    messages = record["messages"]
    if not isinstance(messages, list):
        raise refuse(*shape_rules.wrong_type('field "messages"', messages, "a list"))
    if not messages:
        raise refuse(*shape_rules.empty('field "messages"'))
    reader = MessageReader()
    turns = [part for i, message in enumerate(messages) for part in reader.parts(message, i)]
    image = the_image(record, source, opts)
    if image is not None:
        turns = without_placeholders(turns)
    image = converse_blocks.one_medium(image, reader.media)
    preference = read_preference(record)   # LLaMA-Factory's KTO label, a DPO pair
    fields, unread = extras(record, KEYS + MEDIA_KEYS, preference)
    if FORMAT_MARK in fields:
        unread = tuple(key for key in unread if key != FORMAT_MARK)
    fields = {**fields, **reader.media_fields}
    return Record(source=source, turns=turns, system=optional_system(record), image=image,
                  fields=preference_fields(fields, preference), tools=read_tools(record),
                  unread=unread,
                  weights=reader.given_weights(), preference=preference)


class MessageReader:
    """Reads one record's messages in order: the calls seen so far (so results find theirs)
    and the Converse media found."""

    def __init__(self) -> None:
        self.calls = Calls()
        self.media: list[converse_blocks.Medium] = []
        self.media_fields: dict[str, str] = {}
        self.user_messages = 0
        self.weights: list = []   # each assistant message's weight, None where it gives none

    def given_weights(self) -> tuple | None:
        return tuple(self.weights) if any(w is not None for w in self.weights) else None

    def parts(self, message: Any, index: int) -> list[tuple[str, Any]]:
        label = f"messages[{index}]"
        if not isinstance(message, dict):
            raise refuse(*shape_rules.wrong_type(label, message, "an object"))
        role = message_role(message, label)
        if role != "assistant" and any(message.get(key) for key in CALL_KEYS):
            raise refuse("misplaced_tool_block", f"{label} is a {role} message with tool calls; "
                                                 "only assistant messages call tools")
        if "weight" in message:
            problem = weight_problem(role, message["weight"], label)
            if problem:
                raise refuse("bad_weight", problem)
        if role == "assistant":
            self.weights.append(message.get("weight"))
            return self.assistant(message, label)
        if role == "tool":
            return [self.tool_result(message, label)]
        if role == "function":
            return [self.function_result(message, label)]
        if "content" not in message:
            raise refuse("missing_field", f"{label}.content is missing")
        if role == "system":
            return [("system", content_text(message["content"], f"{label}.content"))]
        self.user_messages += 1
        return self.content(message["content"], f"{label}.content", "user")

    def assistant(self, message: dict, label: str) -> list[tuple[str, Any]]:
        calls = self.tool_calls(message, label)
        reasoning = given_reasoning(message, label)
        content = message.get("content")
        if content is None or content == "":
            if not calls:   # the message must answer: the refusals of a missing/empty content
                if "content" not in message:
                    raise refuse("missing_field", f"{label}.content is missing")
                content_text(content, f"{label}.content")
            return assistant_text_parts("", reasoning) + calls
        parts = with_reasoning(self.content(content, f"{label}.content", "assistant"),
                               reasoning)
        if not calls and not any(role in ("assistant", "tool_call") for role, _ in parts):
            raise refuse("empty_field", f"{label}.content holds reasoning and no answer")
        return parts + calls

    def content(self, content: Any, label: str, side: str) -> list[tuple[str, Any]]:
        """A message's content as parts: a string, or a list of text parts and Converse
        blocks (consecutive texts joined by newlines, as one text part)."""
        if not isinstance(content, list):
            return [(side, strict_text(content, label))]
        if not content:
            raise refuse(*shape_rules.empty(label))
        parts: list[tuple[str, Any]] = []
        texts: list[str] = []
        for i, part in enumerate(content):
            block = converse_blocks.block_kind(part)
            if block is None:
                texts.append(part_text(part, f"{label}[{i}]"))
                continue
            if texts:
                parts.append((side, strict_text("\n".join(texts), label)))
                texts = []
            parts += self.block(block, part, f"{label}[{i}]", side)
        if texts:
            parts.append((side, strict_text("\n".join(texts), label)))
        if not parts:
            raise refuse("empty_field", f"{label} holds no text")
        return parts

    def block(self, kind: str, part: dict, label: str, side: str) -> list[tuple[str, Any]]:
        """One Converse block that is not text, in the message side that takes it."""
        converse_blocks.check_side(kind, side, label)
        if kind in converse_blocks.MEDIA:
            medium = converse_blocks.medium(kind, part[kind], label)
            if self.user_messages != 1:
                raise refuse("not_taken_by_model", f"{label} is {kind} media in a user message "
                             "other than the first; the canonical record carries one medium, "
                             "in the first user turn, so the record is refused rather than "
                             "move it")
            self.media.append(medium)
            if medium.bucket_owner is not None:
                self.media_fields["bucketOwner"] = medium.bucket_owner
            return []
        if kind == "toolUse":
            return [self.calls.add(converse_blocks.tool_call(part[kind], label))]
        if kind == "toolResult":
            result = converse_blocks.tool_result(part[kind], label)
            self.calls.answered_by_id(result.id)
            return [("tool", result)]
        return [("reasoning", converse_blocks.reasoning_text(part[kind], label))]

    def tool_calls(self, message: dict, label: str) -> list[tuple[str, ToolCall]]:
        """The calls of an assistant message: "tool_calls", then the older "function_call"."""
        calls = message.get("tool_calls")
        if calls is not None and not isinstance(calls, list):
            raise refuse("bad_tool_call", f"{label}.tool_calls is {type_name(calls)}, not a list")
        parts = [self.calls.add(self.tool_call(call, f"{label}.tool_calls[{i}]"))
                 for i, call in enumerate(calls or ())]
        legacy = message.get("function_call")
        if legacy is not None:
            parts.append(self.calls.add(self.function_call(legacy, f"{label}.function_call",
                                                           self.calls.made_up_id())))
        return parts

    def tool_call(self, call: Any, label: str) -> ToolCall:
        if not isinstance(call, dict):
            raise refuse("bad_tool_call", f"{label} is {type_name(call)}, not an object")
        if call.get("type", "function") != "function":
            raise refuse("bad_tool_call", f"{label}.type is {call.get('type')!r}; only function "
                                          "calls are carried")
        call_id = tool_id(call["id"], f"{label}.id") if "id" in call else self.calls.made_up_id()
        return self.function_call(call.get("function"), f"{label}.function", call_id)

    @staticmethod
    def function_call(function: Any, label: str, call_id: str) -> ToolCall:
        if not isinstance(function, dict):
            raise refuse("bad_tool_call", f"{label} is {type_name(function)}, not an object")
        if "arguments" not in function:
            raise refuse("bad_tool_call", f"{label}.arguments is missing")
        return ToolCall(call_id, call_name(function.get("name"), f"{label}.name"),
                        call_arguments(function["arguments"], f"{label}.arguments"))

    def tool_result(self, message: dict, label: str) -> tuple[str, ToolResult]:
        """An OpenAI "tool" message: the answer to the call its tool_call_id names (without
        one, to the oldest unanswered call)."""
        text = result_text(tool_content(message.get("content"), f"{label}.content"),
                           f"{label}.content")
        name = optional_name(message, label)
        if "tool_call_id" in message:
            call_id = self.calls.answered_by_id(tool_id(message["tool_call_id"],
                                                        f"{label}.tool_call_id"))
        else:
            call_id = self.calls.oldest_unanswered(None, label).id
        return "tool", ToolResult(call_id, text, name)

    def function_result(self, message: dict, label: str) -> tuple[str, ToolResult]:
        """The older "function" message: the answer to the oldest unanswered call of its
        name."""
        text = result_text(tool_content(message.get("content"), f"{label}.content"),
                           f"{label}.content")
        return self.calls.result(text, label, optional_name(message, label))


def message_role(message: dict, label: str) -> str:
    if "role" not in message:
        raise refuse(*shape_rules.missing(f"{label}.role"))
    role = message["role"]
    problem = shape_rules.not_a_string(f"{label}.role", role)
    if problem:
        raise refuse(*problem)
    if role.lower() not in ROLES:
        raise refuse("unknown_role", f'{label}.role "{role}" is not a known role '
                     f"({', '.join(ROLES)})")
    return ROLES[role.lower()]


def with_reasoning(parts: list[tuple[str, Any]], reasoning: list[str]) -> list[tuple[str, Any]]:
    """An assistant message's parts with its reasoning first: the reasoning given apart and a
    leading <think> block of its first text (a <think> later in the message is its words)."""
    if parts and parts[0][0] == "assistant":
        return assistant_text_parts(parts[0][1], reasoning) + parts[1:]
    return assistant_text_parts("", reasoning) + parts


def optional_name(message: dict, label: str) -> str | None:
    name = message.get("name")
    if name is not None and not isinstance(name, str):
        raise refuse("wrong_type", f"{label}.name is {type_name(name)}, not a string")
    return name or None


def tool_content(content: Any, label: str) -> Any:
    """A tool message's content: a string, or text parts joined by newlines."""
    if isinstance(content, list) and content:
        return "\n".join(part_text(part, f"{label}[{i}]") for i, part in enumerate(content))
    return content


def content_text(content: Any, label: str) -> str:
    """A string, or a list of text parts joined by newlines: OpenAI {"type": "text", "text"},
    LLaMA-Factory v1 {"type": "text", "value"}, Converse {"text"}."""
    if isinstance(content, list):
        if not content:
            raise refuse(*shape_rules.empty(label))
        content = "\n".join(part_text(part, f"{label}[{i}]") for i, part in enumerate(content))
    return strict_text(content, label)


def part_text(part: Any, label: str) -> str:
    if isinstance(part, str):
        return part
    if not isinstance(part, dict):
        raise refuse("wrong_type", f"{label} is {type_name(part)}, not a content part")
    problem = shape_rules.block_keys(part, label) if "type" not in part else None
    if problem:   # a Converse block: {} or a key beside its text, never dropped
        raise refuse(*problem)
    kind = part.get("type", "text")
    text = part.get("text", part.get("value"))
    if kind != "text" or text is None:
        name = kind if "type" in part else "/".join(map(str, part)) or "empty"
        raise refuse(*shape_rules.unknown_part(label, name))
    if not isinstance(text, str):
        raise refuse(*shape_rules.wrong_type(f"{label}.text", text, "a string"))
    return text


ADAPTER = Adapter("messages", KEYS, matches, normalize)
