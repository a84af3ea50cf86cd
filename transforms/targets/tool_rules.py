"""Tool-use rules shared by the writers that take tool use (openai-chat, bedrock-conversation):
pure functions over names, schemas and the order of calls and results, each problem a
(reason, message) pair with a reason code of records.REASONS. The writers read their own
dialect into the plain values these take; the rules are the same for both.

Sources, beside each rule: the OpenAI fine-tuning chat input (function names), the Bedrock
Converse API reference (ToolSpecification, ToolUseBlock, ToolInputSchema) and AWS's own Nova
dataset validator ("Nova Forge SDK sft_dataset_validator", amzn-nova-forge 1.4.10), as
docs/sources/formats-2026.md "Tool use" lists them.
"""
from __future__ import annotations

import re
from typing import Iterable

from tuneprep.transforms.core import tools
from tuneprep.transforms.targets.base import fail

# Tool names: OpenAI fine-tuning chat input (function names of a-z, A-Z, 0-9, _ and -, at most
# 64) and the Bedrock Converse API reference (ToolSpecification.name and ToolUseBlock.name:
# 1-64 characters of [a-zA-Z0-9_-]). The Nova Forge SDK sft_dataset_validator only refuses a
# blank name; the service's pattern is the stricter rule, so it is the one checked.
NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")
# Bedrock Converse API reference, ToolUseBlock.toolUseId: 1-64 characters of [a-zA-Z0-9_-]
# (the Nova Forge SDK sft_dataset_validator refuses a blank id only)
TOOL_USE_ID = re.compile(r"[a-zA-Z0-9_-]{1,64}")

# The keys an inputSchema.json (a tool's parameters) may hold at its top level: the keywords of
# JSON Schema draft 2020-12 (the "JSON Schema Reference" the Bedrock ToolInputSchema page links,
# json-schema.org), its core, applicator, unevaluated, validation, meta-data, format and content
# vocabularies. Bedrock refuses other keys ("Malformed input request ... extraneous key
# [definitions] is not permitted", zed-industries/zed#28521): "definitions" is draft-07's name
# for what 2020-12 calls "$defs", and keys of no draft (a tool's "name" copied in) are refused.
JSON_SCHEMA_KEYS = frozenset({
    # core
    "$schema", "$id", "$ref", "$anchor", "$dynamicRef", "$dynamicAnchor", "$vocabulary",
    "$comment", "$defs",
    # applicator
    "prefixItems", "items", "contains", "additionalProperties", "properties",
    "patternProperties", "dependentSchemas", "propertyNames", "if", "then", "else", "allOf",
    "anyOf", "oneOf", "not",
    # unevaluated
    "unevaluatedItems", "unevaluatedProperties",
    # validation
    "type", "const", "enum", "multipleOf", "maximum", "exclusiveMaximum", "minimum",
    "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems",
    "uniqueItems", "maxContains", "minContains", "maxProperties", "minProperties", "required",
    "dependentRequired",
    # meta-data, format, content
    "title", "description", "default", "deprecated", "readOnly", "writeOnly", "examples",
    "format", "contentEncoding", "contentMediaType", "contentSchema",
})

# What a tool without parameters is written with where the format needs a schema (Converse's
# inputSchema.json is required, by the Bedrock ToolSpecification and the Nova Forge SDK
# sft_dataset_validator): an object that takes no properties.
NO_PARAMETERS = {"type": "object", "properties": {}}


def name_problems(names: Iterable[tuple[str, object]]) -> list[tuple[str, str]]:
    """bad_tool_definition for a definition name that is not a string, is blank, does not fit
    NAME, or is used twice (unique: Nova Forge SDK sft_dataset_validator, ToolConfig; OpenAI).
    names: (label, name) of each definition."""
    problems, seen = [], set()
    for where, name in names:
        if not isinstance(name, str) or not name.strip():
            problems.append(("bad_tool_definition", f"{where} has no name"))
        elif not NAME.fullmatch(name):
            problems.append(("bad_tool_definition", f"{where}'s name {name!r} is not 1-64 "
                                                    "letters, digits, _ or -"))
        elif name in seen:
            problems.append(("bad_tool_definition", f"the tool name {name!r} is defined twice"))
        seen.add(name)
    return problems


def schema_problems(schema, label: str) -> list[tuple[str, str]]:
    """bad_tool_definition for a parameters schema the service refuses: not an object, no
    "type" (Nova Forge SDK sft_dataset_validator, InputSchema), a type other than "object"
    (Bedrock ToolInputSchema: "The top level schema type must be object"), or a top-level key
    that is not a JSON Schema keyword (JSON_SCHEMA_KEYS)."""
    if not isinstance(schema, dict):
        return [("bad_tool_definition", f"{label} is a JSON {type(schema).__name__}, not a "
                                        "JSON Schema object")]
    if "type" not in schema:
        return [("bad_tool_definition", f"{label} has no \"type\"")]
    problems = []
    if schema["type"] != "object":
        problems.append(("bad_tool_definition", f"{label}'s type is {schema['type']!r}; a "
                                                "tool's parameters are an \"object\" schema"))
    extra = sorted(set(schema) - JSON_SCHEMA_KEYS, key=str)
    if extra:
        problems.append(("bad_tool_definition", f"{label} holds {', '.join(map(str, extra))}, "
                                                "not JSON Schema keywords Bedrock takes"
                                                + (" (draft 2020-12 names it \"$defs\")"
                                                   if "definitions" in extra else "")))
    return problems


def call_name_problems(calls: Iterable[tuple[str, object]], defined) -> list[tuple[str, str]]:
    """bad_tool_call for a call without a name; undefined_tool for a call whose name the
    definitions do not hold. calls: (label, name); defined: the defined names, or None when the
    record gives no definitions (then only the names' presence is checked)."""
    problems = []
    for label, name in calls:
        if not isinstance(name, str) or not name.strip():
            problems.append(("bad_tool_call", f"{label} names no tool"))
        elif defined is not None and name not in defined:
            shown = ", ".join(sorted(defined)) or "none"
            problems.append(("undefined_tool", f"{label} calls {name!r}, which the record's "
                                               f"tools do not define (defined: {shown})"))
    return problems


def id_problems(events: Iterable[tuple[str, object, str]]) -> list[tuple[str, str]]:
    """unmatched_tool_id over a record's calls and results in order, events of ("call", id,
    label) / ("result", id, label): every call id a non-empty string, unique, answered by
    exactly one result after it; every result answers a call before it (Nova Forge SDK
    sft_dataset_validator, validate_tool_use_in_conversation; that a call must be answered is
    tuneprep's own rule: a call left without its result teaches the model to stop there)."""
    problems = []
    calls: dict[str, int] = {}    # id -> results so far
    for kind, tool_id, label in events:
        if not isinstance(tool_id, str) or not tool_id.strip():
            problems.append(("unmatched_tool_id", f"{label} has no id"))
            continue
        if kind == "call":
            if tool_id in calls:
                problems.append(("unmatched_tool_id", f"{label}: the id {tool_id!r} is used "
                                                      "by two calls; each call's id is unique"))
            calls.setdefault(tool_id, 0)
        elif tool_id not in calls:
            problems.append(("unmatched_tool_id", f"{label} answers {tool_id!r}, which no call "
                                                  "before it has"))
        else:
            calls[tool_id] += 1
            if calls[tool_id] == 2:
                problems.append(("unmatched_tool_id", f"{label}: the call {tool_id!r} is "
                                                      "answered twice"))
    unanswered = [tool_id for tool_id, results in calls.items() if not results]
    if unanswered:
        problems.append(("unmatched_tool_id", f"no result answers the call"
                                              f"{'s' if len(unanswered) > 1 else ''} "
                                              f"{', '.join(map(repr, unanswered))}"))
    return problems


def blank(text) -> bool:
    return not isinstance(text, str) or not text or text.isspace()


# --- canonical parts, as the writers read them ----------------------------------------------

TEXT_ROLES = ("system", "user", "assistant", "reasoning")
PART_ROLES = TEXT_ROLES + tools.TOOL_ROLES


def is_structured(record) -> bool:
    """Does the record hold parts a text conversation has not (tool calls and results,
    reasoning)? The writers take such a record through their tool-use path; a plain text one
    through the shared conversation rules as before."""
    return any(role in ("reasoning",) + tools.TOOL_ROLES for role, _ in record.turns)


def checked_parts(turns, ctx) -> list[tuple[str, object]]:
    """The parts with their kinds checked: a known role, text for the text roles, a ToolCall /
    ToolResult for the tool roles. A tool part that holds text (a tool turn of an adapter that
    gives no call or id) cannot be written as tool use: tool_turn, or dropped by --repair
    drop_tool_turns, as for the text targets."""
    out = []
    for role, content in turns:
        if role not in PART_ROLES:
            fail("unknown_role", f"a turn has the role {role!r}")
        if role in TEXT_ROLES and not isinstance(content, str):
            fail("wrong_type", f"a {role} turn's content is a {type(content).__name__}, not a "
                               "string")
        if (role == "tool_call" and not isinstance(content, tools.ToolCall)) or (
                role == "tool" and not isinstance(content, tools.ToolResult)):
            if "drop_tool_turns" in getattr(ctx, "repair", ()):
                continue
            fail("tool_turn", f"the conversation holds a {role} turn without a call id (text "
                              "only); it cannot be written as tool use (--repair "
                              "drop_tool_turns drops it)")
        if role in TEXT_ROLES and blank(content):
            fail("empty_field", f"a {role} turn is empty")
        out.append((role, content))
    return out
