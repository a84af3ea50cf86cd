"""The Bedrock Converse dataset schema ("schemaVersion": "bedrock-conversation-2024"), shared by
bedrock-conversation and bedrock-distillation: building a record from clean turns, the texts
that count toward the token limit, and the optional fields a record holds. Checking a written
record against the schema and the model's rules is converse_check.py's (with
converse_media_rules.py and converse_tool_checks.py); the media blocks are
converse_media_blocks.py's.

    {"schemaVersion": "bedrock-conversation-2024",
     "system": [{"text": ...}],                                    (optional)
     "toolConfig": {"tools": [{"toolSpec": {"name", "description",
                                            "inputSchema": {"json": {...}}}}]}   (optional)
     "messages": [{"role": "user" | "assistant",
                   "content": [{"text": ...} | {"image": {...}} | {"video": {...}}
                               | {"reasoningContent": {"reasoningText": {"text"}}}  (assistant)
                               | {"toolUse": {"toolUseId", "name", "input": {...}}}  (assistant)
                               | {"toolResult": {"toolUseId", "content": [{"text"} | {"json"}]}}
                                                                                     (user)
                               , ...]}]}

Media blocks: {"image": {"format": "jpeg", "source": {"s3Location": {"uri": "s3://..."}}}}, the
same with "video". Sources: docs/sources/service-formats.md §1.5-1.6, §2.2; tool use and
reasoning: docs/sources/formats-2026.md "Tool use", "Reasoning", and AWS's Nova dataset validator
(Nova Forge SDK sft_dataset_validator), whose rules are cited beside each check.

Writing tool use and reasoning: converse_tools.py.
"""
from __future__ import annotations

import orjson

SCHEMA_VERSION = "bedrock-conversation-2024"


def converse_object(system: str | None, turns: list[tuple[str, str]], media: dict | None) -> dict:
    """Clean turns (+ the record's media, placed before the text of the first user turn)."""
    obj: dict = {"schemaVersion": SCHEMA_VERSION}
    if system:
        obj["system"] = [{"text": system}]
    messages = []
    for role, content in turns:
        blocks = [{"text": content}]
        if media is not None and role == "user":
            blocks.insert(0, media)
            media = None
        messages.append({"role": role, "content": blocks})
    obj["messages"] = messages
    return obj


def converse_length(obj) -> int:
    """Characters of the text that counts toward the token limit (converse_texts): not keys,
    roles, formats or URIs."""
    return sum(map(len, converse_texts(obj)))


def converse_texts(obj) -> list[str]:
    """The texts that count toward the token limit, as the model reads them (measured in
    characters, or counted exactly): system and text blocks, reasoning text, each tool's name,
    description and schema JSON, each call's name and input JSON, each result's text and
    JSON."""
    if not isinstance(obj, dict):
        return []
    texts = _system_texts(obj.get("system")) + _tool_texts(obj.get("toolConfig"))
    messages = obj.get("messages")
    for message in messages if isinstance(messages, list) else ():
        content = message.get("content") if isinstance(message, dict) else None
        for block in content if isinstance(content, list) else ():
            if isinstance(block, dict):
                texts += _block_texts(block)
    return [text for text in texts if text]


def _system_texts(system) -> list[str]:
    return [block["text"] for block in (system if isinstance(system, list) else ())
            if isinstance(block, dict) and isinstance(block.get("text"), str)]


def _tool_texts(config) -> list[str]:
    texts = []
    for tool in config.get("tools") or () if isinstance(config, dict) else ():
        spec = tool.get("toolSpec") if isinstance(tool, dict) else None
        if isinstance(spec, dict):
            texts += [spec[k] for k in ("name", "description") if isinstance(spec.get(k), str)]
            schema = spec.get("inputSchema")
            texts.append(_json_text(schema.get("json")) if isinstance(schema, dict) else "")
    return texts


def _block_texts(block: dict) -> list[str]:
    texts = []
    if isinstance(block.get("text"), str):
        texts.append(block["text"])
    reasoning = block.get("reasoningContent")
    if isinstance(reasoning, dict) and isinstance(reasoning.get("reasoningText"), dict):
        text = reasoning["reasoningText"].get("text")
        texts.append(text if isinstance(text, str) else "")
    use = block.get("toolUse")
    if isinstance(use, dict):
        texts.append(use["name"] if isinstance(use.get("name"), str) else "")
        texts.append(_json_text(use.get("input")))
    result = block.get("toolResult")
    items = result.get("content") if isinstance(result, dict) else None
    for item in items if isinstance(items, list) else ():
        if isinstance(item, dict) and isinstance(item.get("text"), str):
            texts.append(item["text"])
        elif isinstance(item, dict) and "json" in item:
            texts.append(_json_text(item["json"]))
    return texts


def _json_text(value) -> str:
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return ""


# the optional fields a Nova dataset holds in every record or in none: the Nova Forge SDK
# sft_dataset_validator's OPTIONAL_FIELDS (system, messages.content.image / video /
# reasoningContent / toolUse / toolResult; toolConfig is not one of them)
OPTIONAL_FIELDS = {"system": "a system prompt", "image": "an image", "video": "a video",
                   "reasoning": "reasoning content", "toolUse": "tool calls (toolUse)",
                   "toolResult": "tool results (toolResult)"}
_BLOCK_FIELDS = {"reasoningContent": "reasoning", "toolUse": "toolUse",
                 "toolResult": "toolResult"}


def optional_fields(obj) -> set[str]:
    """The optional fields besides media a written record holds: "system", "reasoning",
    "toolUse", "toolResult"."""
    fields = {"system"} if isinstance(obj, dict) and obj.get("system") else set()
    messages = obj.get("messages") if isinstance(obj, dict) else None
    for message in messages if isinstance(messages, list) else ():
        content = message.get("content") if isinstance(message, dict) else None
        for block in content if isinstance(content, list) else ():
            if isinstance(block, dict):
                fields.update(_BLOCK_FIELDS[k] for k in block.keys() & _BLOCK_FIELDS.keys())
    return fields


def inconsistent_field_problems(facets: dict, records: int, model) -> list[tuple[str, str]]:
    """inconsistent_fields for a model that takes a dataset only when each optional field is
    in every record or in none (ModelSpec.consistent_optional_fields: Nova)."""
    if not getattr(model, "consistent_optional_fields", False) or not records:
        return []
    some = [f"{facets[f]:,} of {records:,} records hold {what}"
            for f, what in OPTIONAL_FIELDS.items() if 0 < facets.get(f, 0) < records]
    if not some:
        return []
    return [("inconsistent_fields", f"{'; '.join(some)}; {model.display} takes a dataset only "
                                    "when each optional field is in every record or in none")]
