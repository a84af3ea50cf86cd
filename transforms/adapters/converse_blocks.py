"""Bedrock Converse content blocks other than text, read into the canonical parts (the messages
adapter reads a Converse record; transforms/core/tools.py holds the parts):

    {"toolUse": {"toolUseId", "name", "input": {...}}}          assistant → ToolCall
    {"toolResult": {"toolUseId", "content": [{"text"} | {"json"}], "status"?}}
                                                                user → ToolResult
    {"reasoningContent": {"reasoningText": {"text"}}}           assistant → ("reasoning", text)
    {"image" | "video": {"format", "source": {"s3Location": {"uri", "bucketOwner"?}}}}
                                                                user → Record.image (one medium)

A tool result's content: one text item → that text; one json item → its value; several items,
all text → their texts joined by "\\n" (as the text blocks of a message are); several with any
json → the items as they are, a list of {"text"} / {"json"} objects (a Converse writer writes
them back unchanged; text and JSON side by side have no one value that keeps both). A "status" of "success" is what
a result without one means; "error" is refused (bad_tool_result: the canonical result has no
status). A block a side does not take is misplaced_tool_block / misplaced_reasoning /
media_in_assistant_turn, as the Converse rules say. Pure Python.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tuneprep.transforms.adapters.errors import refuse, type_name
from tuneprep.transforms.adapters.tool_use import call_arguments, call_name, tool_id
from tuneprep.transforms.core.tools import ToolCall, ToolResult

MEDIA = ("image", "video")
BLOCKS = MEDIA + ("toolUse", "toolResult", "reasoningContent")
# the side each block belongs to, and the reason a block on the other side is refused with
SIDES = {"toolUse": ("assistant", "misplaced_tool_block"),
         "toolResult": ("user", "misplaced_tool_block"),
         "reasoningContent": ("assistant", "misplaced_reasoning"),
         "image": ("user", "media_in_assistant_turn"),
         "video": ("user", "media_in_assistant_turn")}


@dataclass(frozen=True, slots=True)
class Medium:
    kind: str                    # image or video
    uri: str                     # the s3:// URI, as it is
    bucket_owner: str | None     # s3Location.bucketOwner, when given


def block_kind(part: Any) -> str | None:
    """The kind of a Converse block that is not text (one key, no "type"); None for a text
    part of any dialect, which the text reader takes (and refuses what it does not know)."""
    if isinstance(part, dict) and len(part) == 1 and "type" not in part:
        key = next(iter(part))
        return key if key in BLOCKS else None
    return None


def check_side(kind: str, side: str, label: str) -> None:
    wanted, reason = SIDES[kind]
    if side != wanted:
        raise refuse(reason, f"{label} is a {kind} block in a {side} message; Converse takes "
                             f"it in {wanted} messages only")


def _object(value: Any, label: str, known: set[str], reason: str) -> dict:
    """A block's object, holding no key the canonical part has no place for."""
    if not isinstance(value, dict):
        raise refuse(reason, f"{label} is {type_name(value)}, not an object")
    other = sorted(map(str, set(value) - known))
    if other:
        raise refuse(reason, f"{label} has the key {other[0]!r}, which the canonical record has "
                             "no place for; the record is refused rather than written without it")
    return value


def tool_call(value: Any, label: str) -> ToolCall:
    label += ".toolUse"
    use = _object(value, label, {"toolUseId", "name", "input"}, "bad_tool_call")
    if "input" not in use:
        raise refuse("bad_tool_call", f"{label}.input is missing")
    return ToolCall(tool_id(use.get("toolUseId"), f"{label}.toolUseId"),
                    call_name(use.get("name"), f"{label}.name"),
                    call_arguments(use["input"], f"{label}.input"))


def tool_result(value: Any, label: str) -> ToolResult:
    label += ".toolResult"
    result = _object(value, label, {"toolUseId", "content", "status"}, "bad_tool_result")
    status = result.get("status", "success")
    if status != "success":
        raise refuse("bad_tool_result", f"{label}.status is {status!r}; the canonical result "
                                        "has no status, so only successful results are read")
    return ToolResult(tool_id(result.get("toolUseId"), f"{label}.toolUseId"),
                      result_content(result.get("content"), f"{label}.content"))


def result_content(items: Any, label: str) -> Any:
    """The canonical content of a result's items (the module docstring says how)."""
    if not isinstance(items, list) or not items:
        raise refuse("bad_tool_result", f"{label} is {type_name(items) if items != [] else 'empty'}"
                                        ", not a list of text / json items")
    values = [_item_value(item, f"{label}[{i}]") for i, item in enumerate(items)]
    if len(values) == 1:
        return values[0][1]
    if all(kind == "text" for kind, _ in values):
        return "\n".join(text for _, text in values)
    return [{kind: value} for kind, value in values]


def _item_value(item: Any, label: str) -> tuple[str, Any]:
    if not isinstance(item, dict) or len(item) != 1 or next(iter(item)) not in ("text", "json"):
        raise refuse("bad_tool_result", f"{label} is not one {{\"text\"}} or {{\"json\"}} item "
                                        "(images and documents in results are not carried)")
    kind, value = next(iter(item.items()))
    if kind == "text" and (not isinstance(value, str) or not value.strip()):
        raise refuse("bad_tool_result", f"{label}.text is {type_name(value)}, not a text"
                     if not isinstance(value, str) else f"{label}.text is empty")
    return kind, value


def reasoning_text(value: Any, label: str) -> str:
    label += ".reasoningContent"
    content = _object(value, label, {"reasoningText"}, "wrong_type")
    text = _object(content.get("reasoningText"), f"{label}.reasoningText", {"text"},
                   "wrong_type").get("text")
    if not isinstance(text, str) or not text.strip():
        raise refuse("empty_field" if isinstance(text, str) else "wrong_type",
                     f"{label}.reasoningText.text is "
                     f"{'empty' if isinstance(text, str) else type_name(text)}")
    return text


def medium(kind: str, value: Any, label: str) -> Medium:
    label += f".{kind}"
    block = _object(value, label, {"format", "source"}, "wrong_type")
    source = _object(block.get("source"), f"{label}.source", {"s3Location"}, "wrong_type")
    location = _object(source.get("s3Location"), f"{label}.source.s3Location",
                       {"uri", "bucketOwner"}, "wrong_type")
    uri, owner = location.get("uri"), location.get("bucketOwner")
    if not isinstance(uri, str) or not uri.strip():
        raise refuse("bad_image_ref", f"{label}.source.s3Location.uri is not a URI")
    if owner is not None and not isinstance(owner, str):
        raise refuse("wrong_type", f"{label}.source.s3Location.bucketOwner is "
                                   f"{type_name(owner)}, not a string")
    return Medium(kind, uri, owner)


def one_medium(image: str | None, media: list[Medium]) -> str | None:
    """The record's one medium: an "images" entry or a Converse media block; more than one is
    refused (too_many_media), never dropped."""
    uris = ([image] if image is not None else []) + [medium.uri for medium in media]
    if len(uris) > 1:
        raise refuse("too_many_media", f"the record holds {len(uris)} media; the canonical "
                                       "record carries one, so the record is refused rather "
                                       "than lose them")
    return uris[0] if uris else None
