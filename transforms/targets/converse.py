"""The Bedrock Converse dataset schema ("schemaVersion": "bedrock-conversation-2024"), shared by
bedrock-conversation and bedrock-distillation: building a record from clean turns, and checking a
written record against the schema and the model's rules (ctx.model, a ModelSpec: media kinds and
formats, media counts, reserved words, the dataset's bucket, system blocks, reasoning content,
tool use).

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
(Nova Forge SDK sft_dataset_validator), whose rules are cited beside each check below.

Writing tool use and reasoning: converse_tools.py.
"""
from __future__ import annotations

import mimetypes
import re

import orjson

from tuneprep.transforms.targets import tool_rules
from tuneprep.transforms.targets.base import fail
from tuneprep.transforms.targets.bucket_owner import missing_owner
from tuneprep.transforms.targets.conversation import (order_problems, reserved_word_problems,
                                                      role_problem)
from tuneprep.transforms.targets.references import is_account_id, s3_reference_problem
from tuneprep.transforms.io.storage import bucket_of

SCHEMA_VERSION = "bedrock-conversation-2024"
IMAGE_FORMATS = {".jpg": "jpeg", ".jpeg": "jpeg", ".png": "png", ".gif": "gif", ".webp": "webp"}
VIDEO_FORMATS = {".mp4": "mp4", ".mov": "mov", ".mkv": "mkv", ".webm": "webm", ".flv": "flv",
                 ".mpeg": "mpeg", ".mpg": "mpg", ".wmv": "wmv", ".3gp": "three_gp"}
MEDIA = ("image", "video")
_SYSTEM_HINT = "the system prompt belongs in the top-level 'system' list"


def s3_problem(uri) -> tuple[str, str] | None:
    """bad_image_ref when uri is not an s3://bucket/key URI (a local image is uploaded before,
    by bedrock-conversation's prepare_media; a local video is refused here)."""
    return s3_reference_problem(uri, "media")


_WORD_KEY = re.compile(r"[\w\-/.]+")


def _key_problem(uri: str, model) -> tuple[str, str] | None:
    """Nova's rule for media object keys (ModelSpec.word_media_keys)."""
    key = uri[len("s3://"):].partition("/")[2]
    if getattr(model, "word_media_keys", False) and not _WORD_KEY.fullmatch(key):
        return ("bad_image_ref", f"the media key {key!r} holds characters {model.display} "
                                 "refuses; keys take letters, digits and _ - / . only")
    return None


def extension_of(uri: str) -> str:
    """The lower-case extension of a URI or path's last part ("" when it has none)."""
    dot = uri.rfind(".")
    return uri[dot:].lower() if dot > uri.rfind("/") else ""


def media_kind(uri: str) -> str | None:
    """The media kind by the extension, as media_block reads it: image, video or None."""
    ext = extension_of(uri)
    return "image" if ext in IMAGE_FORMATS else "video" if ext in VIDEO_FORMATS else None


# Converse image formats ↔ the type names Pillow reads from the content (transforms/io/images.py)
PILLOW_TYPES = {"jpeg": "JPEG", "png": "PNG", "gif": "GIF", "webp": "WEBP"}


def image_types(model) -> tuple[str, ...]:
    """Pillow's names of the image types the model takes; every Converse image format when no
    model is given (as check_converse reads the model's image_formats)."""
    formats = getattr(model, "image_formats", None) or tuple(IMAGE_FORMATS.values())
    return tuple(dict.fromkeys(PILLOW_TYPES[f] for f in formats if f in PILLOW_TYPES))


def media_block(uri, bucket_owner: str | None = None) -> dict:
    """A record's image (or video, by its extension) → a Converse media block (with the
    bucket's owning account, when given)."""
    problem = s3_problem(uri)
    if problem:
        fail(*problem)
    extension = extension_of(uri)
    if extension in IMAGE_FORMATS:
        kind, media_format = "image", IMAGE_FORMATS[extension]
    elif extension in VIDEO_FORMATS:
        kind, media_format = "video", VIDEO_FORMATS[extension]
    else:   # a video the format does not take (.avi) is validate's unsupported_video_type too
        video = (mimetypes.guess_type(uri)[0] or "").startswith("video/")
        fail("unsupported_video_type" if video else "unsupported_image_type",
             f"the media {uri!r} is not an image ({', '.join(sorted(IMAGE_FORMATS))}) or a "
             f"video ({', '.join(sorted(VIDEO_FORMATS))}) by its extension")
    location = {"uri": uri, **({"bucketOwner": bucket_owner} if bucket_owner else {})}
    return {kind: {"format": media_format, "source": {"s3Location": location}}}


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
    texts = []
    system = obj.get("system") if isinstance(obj, dict) else None
    for block in system if isinstance(system, list) else ():
        if isinstance(block, dict) and isinstance(block.get("text"), str):
            texts.append(block["text"])
    config = obj.get("toolConfig") if isinstance(obj, dict) else None
    for tool in config.get("tools") or () if isinstance(config, dict) else ():
        spec = tool.get("toolSpec") if isinstance(tool, dict) else None
        if isinstance(spec, dict):
            texts += [spec[k] for k in ("name", "description") if isinstance(spec.get(k), str)]
            schema = spec.get("inputSchema")
            texts.append(_json_text(schema.get("json")) if isinstance(schema, dict) else "")
    messages = obj.get("messages") if isinstance(obj, dict) else None
    for message in messages if isinstance(messages, list) else ():
        content = message.get("content") if isinstance(message, dict) else None
        for block in content if isinstance(content, list) else ():
            if not isinstance(block, dict):
                continue
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
    return [text for text in texts if text]


def _json_text(value) -> str:
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return ""


def media_kinds(obj) -> set[str]:
    """The media kinds ("image", "video") a written record holds."""
    kinds = set()
    messages = obj.get("messages") if isinstance(obj, dict) else None
    for message in messages if isinstance(messages, list) else ():
        content = message.get("content") if isinstance(message, dict) else None
        for block in content if isinstance(content, list) else ():
            if isinstance(block, dict):
                kinds |= set(block) & set(MEDIA)
    return kinds


def media_refs(obj):
    """(kind, uri, format) of each media block of a written record whose s3Location.uri is a
    string (format None when it is not one)."""
    messages = obj.get("messages") if isinstance(obj, dict) else None
    for message in messages if isinstance(messages, list) else ():
        content = message.get("content") if isinstance(message, dict) else None
        for block in content if isinstance(content, list) else ():
            for kind in MEDIA:
                value = block.get(kind) if isinstance(block, dict) else None
                try:
                    uri = value["source"]["s3Location"]["uri"]
                except (TypeError, KeyError):
                    continue
                if isinstance(uri, str):
                    media_format = value.get("format")
                    yield kind, uri, media_format if isinstance(media_format, str) else None


def media_uris(obj) -> list[str]:
    """The s3:// URIs of a written record's media blocks (Target.media_uris, for the report)."""
    return [uri for _, uri, _ in media_refs(obj)]


def mixed_media_problems(kinds: set) -> list[tuple[str, str]]:
    """The dataset-level rule: one media kind per dataset (Nova: text + images or text +
    videos, never both, even across records)."""
    if len(kinds & set(MEDIA)) > 1:
        return [("mixed_media", "the file holds records with images and records with videos; "
                                "a dataset is text + images or text + videos, never both")]
    return []


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


class _Media:
    """What the media blocks of one record hold, for the record-level rules."""

    def __init__(self):
        self.kinds: set[str] = set()
        self.videos = 0
        self.uris: list[str] = []


class _ToolUse:
    """The tool calls and results of one record, in order, for the record-level rules; None
    in place of one where the format takes no tool use (bedrock-distillation)."""

    def __init__(self):
        self.events: list[tuple[str, object, str]] = []   # tool_rules.id_problems
        self.calls: list[tuple[str, object]] = []          # (label, name)
        self.blocks = False


def check_converse(obj, ctx, *, min_messages: int, ends_with_assistant: bool,
                   media_allowed: bool = True, tools_allowed: bool = False
                   ) -> list[tuple[str, str]]:
    """(reason, message) for every schema and model rule the written record breaks."""
    model = getattr(ctx, "model", None)
    if not isinstance(obj, dict):
        return [("invalid_record", f"the record is a JSON {type(obj).__name__}, not an object")]
    problems = []
    known = {"schemaVersion", "system", "messages"} | ({"toolConfig"} if tools_allowed else set())
    extra = sorted(set(obj) - known)
    if extra:
        problems.append(("invalid_record", f"unexpected keys: {', '.join(extra)}"))
    if "messages" not in obj:
        problems.append(("invalid_record", "missing keys: messages"))
    # exactly bedrock-conversation-2024, for every model: the Nova page says Nova takes any
    # string, but AWS's Nova Forge SDK (sft_dataset_validator, validate_schema_version) refuses
    # any other value or none ("must be 'bedrock-conversation-2024'"; amzn-nova-forge 1.4.10 via
    # tests/oracles/nova_forge_check.py, all four Nova models), as the distillation validator
    # does; run always writes it (docs/sources/formats-2026.md, "Nova")
    version = obj.get("schemaVersion")
    if version != SCHEMA_VERSION:
        hint = " (the docs' bullet misspells it; every example uses bedrock-conversation-2024)" \
            if version == "bedrock-conversion-2024" else ""
        problems.append(("invalid_record", f"schemaVersion is {version!r}, not "
                                           f"{SCHEMA_VERSION!r}{hint}"))
    if "system" in obj:
        problems += _system_problems(obj["system"], model)
    defined = None
    if "toolConfig" in obj and tools_allowed:
        config_problems, defined = _tool_config_problems(obj["toolConfig"])
        problems += config_problems
    messages = obj.get("messages")
    if "messages" in obj and not isinstance(messages, list):
        return problems + [("invalid_record", "messages is not a list")]
    if messages is None:
        return problems
    if len(messages) < min_messages:
        problems.append(("invalid_record", f"messages holds {len(messages)} messages; at least "
                                           f"{min_messages} {'is' if min_messages == 1 else 'are'}"
                                           f" needed"))
    media = _Media()
    uses = _ToolUse() if tools_allowed else None
    roles = []
    for position, message in enumerate(messages, 1):
        problems += _message_problems(message, position, model, media, uses)
        roles.append(message.get("role") if isinstance(message, dict) else None)
    problems += order_problems(roles, ends_with_assistant)
    problems += _media_rules(media, ctx, model, media_allowed)
    if uses is not None and (uses.blocks or "toolConfig" in obj):
        problems += _tool_use_rules(uses, defined, "toolConfig" in obj, model)
    return problems


def _tool_config_problems(config) -> tuple[list[tuple[str, str]], set | None]:
    """The toolConfig's rules: (problems, the defined names)."""
    if not isinstance(config, dict) or set(config) != {"tools"}:
        return [("invalid_record", 'toolConfig must be {"tools": [...]}')], None
    specs = config["tools"]
    # a non-empty list: Nova Forge SDK sft_dataset_validator, ToolConfig
    if not isinstance(specs, list) or not specs:
        return [("bad_tool_definition", "toolConfig.tools is not a non-empty list of tools")], None
    problems, names = [], []
    for index, tool in enumerate(specs):
        label = f"toolConfig.tools[{index}]"
        spec = tool.get("toolSpec") if isinstance(tool, dict) and set(tool) == {"toolSpec"} \
            else None
        if not isinstance(spec, dict):
            problems.append(("bad_tool_definition", f'{label} must be {{"toolSpec": {{...}}}}'))
            continue
        names.append((f"{label}.toolSpec", spec.get("name")))
        # name, description and inputSchema each required: Nova Forge SDK sft_dataset_validator,
        # ToolSpec (the Bedrock API takes no description; the SDK refuses a blank one)
        missing = [k for k in ("name", "description", "inputSchema") if k not in spec]
        extra = sorted(set(spec) - {"name", "description", "inputSchema"})
        if missing or extra:
            problems.append(("bad_tool_definition", f"{label}.toolSpec "
                             + "; ".join(([f"has no {', '.join(missing)}"] if missing else [])
                                         + ([f"has the keys {', '.join(extra)}, not taken"]
                                            if extra else []))))
        if "description" in spec and tool_rules.blank(spec["description"]):
            problems.append(("bad_tool_definition", f"{label}.toolSpec's description is "
                                                    "empty"))
        schema = spec.get("inputSchema")
        if "inputSchema" in spec:
            if not isinstance(schema, dict) or set(schema) != {"json"}:
                problems.append(("bad_tool_definition", f'{label}.toolSpec.inputSchema must be '
                                                        f'{{"json": {{...}}}}'))
            else:
                problems += tool_rules.schema_problems(schema["json"],
                                                       f"{label}.toolSpec.inputSchema.json")
    problems += tool_rules.name_problems(names)
    return problems, {n for _, n in names if isinstance(n, str)}


def _tool_use_rules(uses: _ToolUse, defined, has_config: bool, model) -> list[tuple[str, str]]:
    if model is not None and not getattr(model, "tool_use", False):
        return [("not_taken_by_model", f"{model.display} takes no tool use (toolConfig, "
                                       "toolUse, toolResult) in fine-tuning data")]
    problems = []
    if uses.blocks and not has_config:
        # Bedrock: "The toolConfig field must be defined when using toolUse and toolResult
        # content blocks"
        problems.append(("undefined_tool", "the messages hold toolUse / toolResult blocks and "
                                           "the record has no toolConfig defining the tools"))
    problems += tool_rules.id_problems(uses.events)
    return problems + tool_rules.call_name_problems(uses.calls, defined if has_config else None)


def _text_problems(block, label: str, model) -> list[tuple[str, str]]:
    if not isinstance(block, dict):
        return [("invalid_record", f"{label} is not an object")]
    if set(block) != {"text"}:
        return [("invalid_record", f"{label} must be {{\"text\": ...}}, not keys "
                                   f"{', '.join(sorted(block)) or 'none'}")]
    text = block["text"]
    if not isinstance(text, str):
        return [("invalid_record", f"{label}.text is a {type(text).__name__}, not a string")]
    if not text or text.isspace():
        return [("empty_field", f"{label}.text is empty")]
    return reserved_word_problems(text, label, model)


def _system_problems(system, model) -> list[tuple[str, str]]:
    if not isinstance(system, list):
        return [("invalid_record", f"system is a {type(system).__name__}, not a list of "
                                   f"{{\"text\": ...}} blocks")]
    problems = []
    for index, block in enumerate(system):
        problems += _text_problems(block, f"system[{index}]", model)
    limit = getattr(model, "max_system_blocks", None)
    if limit is not None and not system:   # "only one element" (Llama): run writes none empty
        problems.append(("invalid_record", f"system is an empty list; {model.display} takes "
                                           "one system block, or no system key"))
    if limit is not None and len(system) > limit:
        problems.append(("invalid_record", f"system holds {len(system)} blocks; "
                                           f"{model.display} takes at most {limit}"))
    return problems


def _message_problems(message, position: int, model, media: _Media,
                      uses: _ToolUse | None = None) -> list[tuple[str, str]]:
    if not isinstance(message, dict):
        return [("invalid_record", f"message {position} is not an object")]
    problems = []
    extra = sorted(set(message) - {"role", "content"})
    missing = sorted({"role", "content"} - set(message))
    if extra:
        problems.append(("invalid_record", f"message {position}: unexpected keys: "
                                           f"{', '.join(extra)}"))
    if missing:
        problems.append(("invalid_record", f"message {position}: missing keys: "
                                           f"{', '.join(missing)}"))
    role = message.get("role")
    problem = role_problem(role, position, _SYSTEM_HINT) if "role" in message else None
    problems += [problem] if problem else []
    if "content" not in message:
        return problems
    content = message["content"]
    if not isinstance(content, list):
        return problems + [("invalid_record", f"message {position}'s content is a "
                                              f"{type(content).__name__}, not a list of blocks")]
    if not content:
        return problems + [("empty_field", f"message {position}'s content is empty")]
    images = 0
    kinds = set()
    for index, block in enumerate(content):
        label = f"message {position} content[{index}]"
        kind = next(iter(block)) if isinstance(block, dict) and len(block) == 1 else None
        kinds.add(kind)
        if uses is not None and kind in ("toolUse", "toolResult"):
            uses.blocks = True
            problems += (_tool_use_problems if kind == "toolUse" else _tool_result_problems)(
                block[kind], label, role, model, uses)
        elif kind in MEDIA:
            problems += _media_block_problems(block[kind], kind, label, model, media)
            images += kind == "image"
            if role == "assistant":
                problems.append(("media_in_assistant_turn", f"{label} is an {kind} in an "
                                                            f"assistant turn; only user turns "
                                                            f"take media"))
        elif kind == "reasoningContent":
            problems += _reasoning_problems(block[kind], label, role, model)
        else:
            problems += _text_problems(block, label, model)
    # Nova Forge SDK sft_dataset_validator, Message: no reasoningContent with image, video or
    # document in one message ("Multimodal reasoning content is not supported")
    if "reasoningContent" in kinds and kinds & {"image", "video", "document"}:
        problems.append(("misplaced_reasoning", f"message {position} holds reasoningContent "
                                                "and media; reasoning is taken on text-only "
                                                "messages"))
    limit = getattr(model, "max_images_per_message", None)
    if limit is not None and images > limit:
        problems.append(("too_many_media", f"message {position} holds {images} images; "
                                           f"{model.display} takes at most {limit}"))
    return problems


def _media_block_problems(value, kind: str, label: str, model, media: _Media):
    shape = (f"{label} must be {{\"{kind}\": {{\"format\", \"source\": {{\"s3Location\": "
             f"{{\"uri\"}}}}}}}}")
    if not isinstance(value, dict) or set(value) != {"format", "source"}:
        return [("invalid_record", shape)]
    source = value["source"]
    location = source.get("s3Location") if isinstance(source, dict) and set(source) == {
        "s3Location"} else None
    if not isinstance(location, dict) or "uri" not in location or \
            set(location) - {"uri", "bucketOwner"}:
        return [("invalid_record", shape)]
    media.kinds.add(kind)
    media.videos += kind == "video"
    problems = []
    owner = location.get("bucketOwner")
    if owner is not None and not is_account_id(owner):
        return [("invalid_record", f"{label}: s3Location.bucketOwner {owner!r} is not a "
                                   "12-digit AWS account id")]
    problem = s3_problem(location["uri"]) or _key_problem(location["uri"], model)
    if problem:
        problems.append((problem[0], f"{label}: {problem[1]}"))
    else:
        media.uris.append(location["uri"])
    problem = missing_owner(location, model)
    problems += [(problem[0], f"{label}: {problem[1]}")] if problem else []
    media_format = value["format"]
    taken = getattr(model, f"{kind}_formats", None) or (
        tuple(IMAGE_FORMATS.values()) if kind == "image" else tuple(VIDEO_FORMATS.values()))
    if media_format not in taken:
        who = model.display if model is not None else "the Converse format"
        reason = "unsupported_image_type" if kind == "image" else "unsupported_video_type"
        problems.append((reason, f"{label}: {kind} format {media_format!r}; {who} takes "
                                 f"{', '.join(dict.fromkeys(taken))}"))
    return problems


def _reasoning_problems(value, label: str, role, model) -> list[tuple[str, str]]:
    # assistant turns only (Nova Forge SDK sft_dataset_validator, Message); Nova 2 Lite only
    # (its reasoning_content check: ModelSpec.reasoning_content)
    if role != "assistant":
        return [("misplaced_reasoning", f"{label}: reasoningContent belongs in assistant "
                                        "turns")]
    if model is not None and not model.reasoning_content:
        return [("reasoning_not_taken", f"{label}: {model.display} takes no "
                                        "reasoningContent")]
    text = value.get("reasoningText") if isinstance(value, dict) and set(value) == {
        "reasoningText"} else None
    if not isinstance(text, dict) or set(text) != {"text"} or not isinstance(text["text"], str):
        return [("invalid_record", f"{label} must be {{\"reasoningContent\": "
                                   f"{{\"reasoningText\": {{\"text\": ...}}}}}}")]
    if tool_rules.blank(text["text"]):
        return [("empty_field", f"{label}: the reasoning text is empty")]
    # reserved words in reasoning text: Nova Forge SDK, the keyword check's ReasoningText scope
    return reserved_word_problems(text["text"], label, model)


def _tool_use_problems(value, label: str, role, model, uses: _ToolUse) -> list[tuple[str, str]]:
    """One toolUse block (Nova Forge SDK sft_dataset_validator, ToolUse and Message; the
    Bedrock API reference, ToolUseBlock)."""
    problems = []
    if role != "assistant":
        problems.append(("misplaced_tool_block", f"{label} is a toolUse in a {role} turn; only "
                                                 "assistant turns make calls"))
    if not isinstance(value, dict) or set(value) != {"toolUseId", "name", "input"}:
        return problems + [("bad_tool_call", f'{label} must be {{"toolUse": {{"toolUseId", '
                                             f'"name", "input"}}}}')]
    tool_id = value["toolUseId"]
    if isinstance(tool_id, str) and tool_id.strip() and not tool_rules.TOOL_USE_ID.fullmatch(
            tool_id):
        problems.append(("bad_tool_call", f"{label}: the toolUseId {tool_id!r} is not 1-64 "
                                          "letters, digits, _ or -"))
    if not isinstance(value["input"], dict):
        problems.append(("bad_tool_call", f"{label}: input is a JSON "
                                          f"{type(value['input']).__name__}, not an object"))
    if isinstance(value["name"], str) and value["name"].strip() and \
            not tool_rules.NAME.fullmatch(value["name"]):
        problems.append(("bad_tool_call", f"{label}: the name {value['name']!r} is not 1-64 "
                                          "letters, digits, _ or -"))
    uses.events.append(("call", tool_id, label))
    uses.calls.append((label, value["name"]))
    return problems


def _tool_result_problems(value, label: str, role, model, uses: _ToolUse
                          ) -> list[tuple[str, str]]:
    """One toolResult block (Nova Forge SDK sft_dataset_validator, ToolResult,
    ToolResultContentItem and Message; "status" as the Bedrock ToolResultBlock has it)."""
    problems = []
    if role != "user":
        problems.append(("misplaced_tool_block", f"{label} is a toolResult in a {role} turn; "
                                                 "results go in user turns"))
    if not isinstance(value, dict) or not {"toolUseId", "content"} <= set(value) or \
            set(value) - {"toolUseId", "content", "status"}:
        return problems + [("bad_tool_result", f'{label} must be {{"toolResult": '
                                               f'{{"toolUseId", "content": [...]}}}}')]
    if "status" in value and value["status"] not in ("success", "error"):
        problems.append(("bad_tool_result", f"{label}: status is {value['status']!r}, not "
                                            "success or error"))
    uses.events.append(("result", value["toolUseId"], label))
    items = value["content"]
    if not isinstance(items, list) or not items:
        return problems + [("bad_tool_result", f"{label}: content is not a non-empty list of "
                                               "items")]
    for number, item in enumerate(items):
        where = f"{label} item {number}"
        # exactly one of text / json, json an object (ToolResultContentItem)
        if not isinstance(item, dict) or len(item) != 1 or not item.keys() <= {"text", "json"}:
            problems.append(("bad_tool_result", f'{where} must be exactly one of {{"text"}} / '
                                                f'{{"json"}}'))
        elif "json" in item and not isinstance(item["json"], dict):
            problems.append(("bad_tool_result", f"{where}: json is a JSON "
                                                f"{type(item['json']).__name__}, not an object"))
        elif "text" in item and not isinstance(item["text"], str):
            problems.append(("bad_tool_result", f"{where}: text is not a string"))
        elif "text" in item and tool_rules.blank(item["text"]):
            problems.append(("bad_tool_result", f"{where}: the text is empty"))
        elif "text" in item:
            # reserved words in result text: Nova Forge SDK, the keyword check's
            # ToolResultContentItem scope
            problems += reserved_word_problems(item["text"], where, model)
    return problems


def _media_rules(media: _Media, ctx, model, media_allowed: bool) -> list[tuple[str, str]]:
    if not media.kinds:
        return []
    problems = []
    if not media_allowed:
        return [("not_taken_by_model", "this format takes text prompts only, no media")]
    if model is not None:
        refused = sorted(media.kinds - set(model.media_kinds))
        if refused:
            takes = " and ".join(model.media_kinds) or "text only"
            problems.append(("not_taken_by_model", f"{model.display} takes no "
                                                   f"{' or '.join(refused)} ({takes})"))
    if len(media.kinds) > 1:
        problems.append(("mixed_media", "the record holds images and a video; a dataset is "
                                        "text + images or text + videos, never both"))
    limit = getattr(model, "max_videos_per_record", None)
    if limit is not None and media.videos > limit:
        problems.append(("too_many_media", f"the record holds {media.videos} videos; "
                                           f"{model.display} takes at most {limit}"))
    dataset = getattr(ctx, "dataset_uri", None)
    if getattr(model, "media_in_dataset_bucket", False) and isinstance(dataset, str) \
            and dataset.startswith("s3://"):
        bucket = bucket_of(dataset)
        outside = sorted({uri for uri in media.uris if bucket_of(uri) != bucket})
        if outside:
            problems.append(("media_outside_dataset_bucket",
                             f"{', '.join(outside)} is not in the dataset's bucket {bucket!r}; "
                             f"{model.display} reads media only from the dataset's bucket"))
    return problems
