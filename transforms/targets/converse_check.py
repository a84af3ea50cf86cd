"""check_converse: a written Converse record against the schema and the model's rules
(ctx.model, a ModelSpec): the top-level keys and schemaVersion, the system blocks, each message
and its blocks (text, media, reasoning, tool use), the turn order; the media and tool rules are
converse_media_rules.py's and converse_tool_checks.py's."""
from __future__ import annotations

from tuneprep.transforms.core import shape_rules
from tuneprep.transforms.targets import tool_rules
from tuneprep.transforms.targets.conversation import (order_problems, reserved_word_problems,
                                                      role_problem)
from tuneprep.transforms.targets.converse import SCHEMA_VERSION
from tuneprep.transforms.targets.converse_media_blocks import MEDIA
from tuneprep.transforms.targets.converse_media_rules import (MediaSeen, media_block_problems,
                                                              media_rules)
from tuneprep.transforms.targets.converse_tool_checks import (ToolUses, tool_config_problems,
                                                              tool_result_problems,
                                                              tool_use_problems, tool_use_rules)

_SYSTEM_HINT = "the system prompt belongs in the top-level 'system' list"
# the content blocks Converse takes (a tool block where the target takes tools)
_KINDS = ("text", *MEDIA, "reasoningContent", "toolUse", "toolResult")


def check_converse(obj, ctx, *, min_messages: int, ends_with_assistant: bool,
                   media_allowed: bool = True, tools_allowed: bool = False
                   ) -> list[tuple[str, str]]:
    """(reason, message) for every schema and model rule the written record breaks."""
    model = getattr(ctx, "model", None)
    if not isinstance(obj, dict):
        return [("invalid_record", f"the record is a JSON {type(obj).__name__}, not an object")]
    problems = _top_level_problems(obj, tools_allowed)
    if "system" in obj:
        problems += _system_problems(obj["system"], model)
    defined = None
    if "toolConfig" in obj and tools_allowed:
        config_problems, defined = tool_config_problems(obj["toolConfig"])
        problems += config_problems
    messages = obj.get("messages")
    if "messages" in obj and not isinstance(messages, list):
        return problems + [shape_rules.wrong_type("messages", messages, "a list")]
    if messages is None:
        return problems
    if not messages:   # the rule `run` refuses an empty input list with, named alike
        return problems + [shape_rules.empty("messages")]
    media = MediaSeen()
    uses = ToolUses() if tools_allowed else None
    roles = []
    before = len(problems)
    for position, message in enumerate(messages, 1):
        problems += _message_problems(message, position, model, media, uses)
        roles.append(message.get("role") if isinstance(message, dict) else None)
    problems += order_problems(roles, ends_with_assistant)
    # too few messages is its own problem only when no message or order rule says what is
    # missing: one user message is ends_with_user, as run refuses it
    if len(messages) < min_messages and len(problems) == before:
        problems.append(("invalid_record", f"messages holds {len(messages)} messages; at least "
                                           f"{min_messages} {'is' if min_messages == 1 else 'are'}"
                                           f" needed"))
    problems += media_rules(media, ctx, model, media_allowed)
    if uses is not None and (uses.blocks or "toolConfig" in obj):
        problems += tool_use_rules(uses, defined, "toolConfig" in obj, model)
    return problems


def _top_level_problems(obj: dict, tools_allowed: bool) -> list[tuple[str, str]]:
    """The record's keys and its schemaVersion."""
    problems = []
    known = {"schemaVersion", "system", "messages"} | ({"toolConfig"} if tools_allowed else set())
    extra = sorted(set(obj) - known)
    if extra:
        problems.append(("invalid_record", f"unexpected keys: {', '.join(extra)}"))
    if "messages" not in obj:   # as run's messages adapter refuses it
        problems.append(shape_rules.missing("messages"))
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
    return problems


def _text_problems(block, label: str, model) -> list[tuple[str, str]]:
    if not isinstance(block, dict):
        return [("invalid_record", f"{label} is not an object")]
    problem = shape_rules.block_keys(block, label)   # {} and {"text", "foo"}, as run reads them
    if problem:
        return [problem]
    if set(block) != {"text"}:
        return [("invalid_record", f"{label} must be {{\"text\": ...}}, not keys "
                                   f"{', '.join(sorted(block)) or 'none'}")]
    text = block["text"]
    if not isinstance(text, str):
        return [shape_rules.wrong_type(f"{label}.text", text, "a string")]
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


def _message_problems(message, position: int, model, media: MediaSeen,
                      uses: ToolUses | None = None) -> list[tuple[str, str]]:
    if not isinstance(message, dict):
        return [shape_rules.wrong_type(f"message {position}", message, "an object")]
    problems = _message_key_problems(message, position)
    if "content" not in message:
        return problems
    content = message["content"]
    if not isinstance(content, list):
        return problems + [("invalid_record", f"message {position}'s content is a "
                                              f"{type(content).__name__}, not a list of blocks")]
    if not content:
        return problems + [shape_rules.empty(f"message {position}'s content")]
    role = message.get("role")
    kinds = []
    for index, block in enumerate(content):
        kind = next(iter(block)) if isinstance(block, dict) and len(block) == 1 else None
        kinds.append(kind)
        problems += _block_problems(block, kind, f"message {position} content[{index}]", role,
                                    model, media, uses)
    # Nova Forge SDK sft_dataset_validator, Message: no reasoningContent with image, video or
    # document in one message ("Multimodal reasoning content is not supported")
    if "reasoningContent" in kinds and set(kinds) & {"image", "video", "document"}:
        problems.append(("misplaced_reasoning", f"message {position} holds reasoningContent "
                                                "and media; reasoning is taken on text-only "
                                                "messages"))
    images = kinds.count("image")
    limit = getattr(model, "max_images_per_message", None)
    if limit is not None and images > limit:
        problems.append(("too_many_media", f"message {position} holds {images} images; "
                                           f"{model.display} takes at most {limit}"))
    return problems


def _message_key_problems(message: dict, position: int) -> list[tuple[str, str]]:
    """A message's keys (role and content, nothing else) and its role."""
    problems = []
    extra = sorted(set(message) - {"role", "content"})
    missing = sorted({"role", "content"} - set(message))
    if extra:
        problems.append(("invalid_record", f"message {position}: unexpected keys: "
                                           f"{', '.join(extra)}"))
    problems += [shape_rules.missing(f"message {position}'s {key}") for key in missing]
    problem = role_problem(message["role"], position, _SYSTEM_HINT) if "role" in message \
        else None
    return problems + ([problem] if problem else [])


def _block_problems(block, kind, label: str, role, model, media: MediaSeen,
                    uses: ToolUses | None) -> list[tuple[str, str]]:
    """One content block, by its kind (its only key; None when it has several or none)."""
    if uses is not None and kind in ("toolUse", "toolResult"):
        uses.blocks = True
        return (tool_use_problems if kind == "toolUse" else tool_result_problems)(
            block[kind], label, role, model, uses)
    if kind in MEDIA:
        # a block's side first, alone, as run reads it: a medium in an assistant turn must
        # move, whatever it holds
        if role == "assistant":
            return [("media_in_assistant_turn", f"{label} is an {kind} in an assistant turn; "
                                                "only user turns take media")]
        return media_block_problems(block[kind], kind, label, model, media)
    if kind == "reasoningContent":
        return _reasoning_problems(block[kind], label, role, model)
    if kind is not None and kind not in _KINDS:   # as `run` refuses a part it cannot read
        return [shape_rules.unknown_part(label, kind, ", ".join(_KINDS))]
    return _text_problems(block, label, model)


def _reasoning_problems(value, label: str, role, model) -> list[tuple[str, str]]:
    # assistant turns only (Nova Forge SDK sft_dataset_validator, Message); Nova 2 Lite only
    # (its reasoning_content check: ModelSpec.reasoning_content). The order is run's: the
    # block's side, then its shape (the adapter reads it), then the model's taking it (the
    # target), so an empty reasoning text is empty_field for every model
    if role != "assistant":
        return [("misplaced_reasoning", f"{label}: reasoningContent belongs in assistant "
                                        "turns")]
    text = value.get("reasoningText") if isinstance(value, dict) and set(value) == {
        "reasoningText"} else None
    if not isinstance(text, dict) or set(text) != {"text"} or not isinstance(text["text"], str):
        return [("invalid_record", f"{label} must be {{\"reasoningContent\": "
                                   f"{{\"reasoningText\": {{\"text\": ...}}}}}}")]
    if tool_rules.blank(text["text"]):
        return [("empty_field", f"{label}: the reasoning text is empty")]
    if model is not None and not model.reasoning_content:
        return [("reasoning_not_taken", f"{label}: {model.display} takes no "
                                        "reasoningContent")]
    # reserved words in reasoning text: Nova Forge SDK, the keyword check's ReasoningText scope
    return reserved_word_problems(text["text"], label, model)
