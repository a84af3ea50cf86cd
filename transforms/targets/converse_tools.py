"""Bedrock Converse records with tool use and reasoning: canonical tool-use records
(transforms/core/tools.py) → messages under the conversation rules → Converse blocks. The
checks of a written record's tool blocks are in converse_tool_checks.py.

From canonical tool-use records (transforms/core/tools.py): an assistant message's blocks are
written reasoningContent, text, then its toolUse blocks; a user message's its toolResult blocks,
then its text (consecutive results are one user message, tools.messages). A ToolResult's content
is one {"text"} item for text, one {"json"} item for a JSON object, the items as they are for a
list of Converse items ({"text": str} / {"json": object}, as a Converse source gives them), and
the JSON text of any other JSON value (the Nova Forge SDK takes only an object as "json"). A
tool without parameters gets inputSchema.json {"type": "object", "properties": {}}
(tool_rules.NO_PARAMETERS), an empty schema {} the same; OpenAI's "strict" has no place in a
toolSpec and is not written. Ids and names are written as the record holds them; the rules say
which the service refuses.
"""
from __future__ import annotations

import orjson

from tuneprep.transforms.core import tools
from tuneprep.transforms.targets import tool_rules
from tuneprep.transforms.targets.base import fail, split_system
from tuneprep.transforms.targets.conversation import (drop_inner_system, drop_leading_assistant,
                                                      end_with_assistant)
from tuneprep.transforms.targets.converse import SCHEMA_VERSION


def tool_config(specs) -> dict:
    """Record.tools → a Converse toolConfig."""
    out = []
    for spec in specs:
        tool = {"name": spec.name}
        if spec.description is not None:
            tool["description"] = spec.description
        schema = spec.parameters if spec.parameters not in (None, {}) else dict(
            tool_rules.NO_PARAMETERS, properties={})
        tool["inputSchema"] = {"json": schema}
        out.append({"toolSpec": tool})
    return {"tools": out}


def _is_item(item) -> bool:
    return isinstance(item, dict) and len(item) == 1 and (
        isinstance(item.get("text"), str) or isinstance(item.get("json"), dict))


def result_content(content) -> list[dict]:
    """A ToolResult's content → toolResult content items (see the module's docstring)."""
    if isinstance(content, str):
        return [{"text": content}]
    if isinstance(content, dict):
        return [{"json": content}]
    if isinstance(content, list) and content and all(_is_item(item) for item in content):
        return [dict(item) for item in content]
    return [{"text": orjson.dumps(content).decode()}]


def tool_messages(record, ctx) -> tuple[str | None, list[tuple[str, list]]]:
    """(system, [(side, parts)]) of a record with tool calls, results or reasoning: the parts
    grouped into messages (tools.messages) under the conversation rules of clean_turns, each
    with its --repair: system only first, start with user, no two texts of one role in a
    message, end with assistant."""
    system, turns = split_system(record)
    if not turns:
        fail("not_a_conversation", "the record has no user/assistant turns")
    parts = drop_inner_system(tool_rules.checked_parts(turns, ctx), ctx)
    messages = drop_leading_assistant(tools.messages(parts), ctx)
    merged = []
    for side, group in messages:
        texts: dict[str, list] = {}
        for role, content in group:
            if role in ("user", "assistant", "reasoning"):
                texts.setdefault(role, []).append(content)
        if any(len(t) > 1 for t in texts.values()):
            if "merge_consecutive" not in ctx.repair:
                fail("consecutive_roles", f"two {side} turns in a row "
                                          "(--repair merge_consecutive joins them)")
        merged.append((side, [(role, "\n\n".join(t)) for role, t in texts.items()]
                       + [part for part in group if part[0] in tools.TOOL_ROLES]))
    return system, end_with_assistant(merged, ctx)


_ORDER = {"reasoning": 0, "assistant": 1, "tool_call": 2, "tool": 0, "user": 1}


def converse_tool_object(system: str | None, messages, media: dict | None, specs) -> dict:
    """tool_messages' messages (+ the record's media before the text of the first user
    message, + its tool definitions) → a Converse record."""
    obj: dict = {"schemaVersion": SCHEMA_VERSION}
    if system:
        obj["system"] = [{"text": system}]
    if specs:
        obj["toolConfig"] = tool_config(specs)
    out = []
    for side, parts in messages:
        blocks = []
        for role, content in sorted(parts, key=lambda part: _ORDER[part[0]]):
            if role == "reasoning":
                blocks.append({"reasoningContent": {"reasoningText": {"text": content}}})
            elif role == "tool_call":
                blocks.append({"toolUse": {"toolUseId": content.id, "name": content.name,
                                           "input": content.arguments}})
            elif role == "tool":
                blocks.append({"toolResult": {"toolUseId": content.id,
                                              "content": result_content(content.content)}})
            else:
                if media is not None and side == "user":
                    blocks.append(media)
                    media = None
                blocks.append({"text": content})
        if media is not None and side == "user":   # a first user message of results only
            blocks.append(media)
            media = None
        out.append({"role": side, "content": blocks})
    obj["messages"] = out
    return obj
