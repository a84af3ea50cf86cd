"""Targets: the canonical Record → the training service's JSON object, and that object's rules.

Contract (used by transforms/steps/process.py, the CLI and `tuneprep validate`):

    TARGETS: dict[str, Target]               the registry; adding a target = a module + an entry
    class Target:
        name: str
        kind: str                # "text-to-text" | "pretrain" | "image" | "single-turn" |
                                 # "multi-turn" | "instruction" | "conversation" |
                                 # "distillation" | "chat" | "domain-adaptation" |
                                 # "openai-chat"  (what models.py matches on)
        layout: str              # "single" (one train.jsonl) | "sharded" (part-NNNNN-of-MMMMM.jsonl)
        takes_validation: bool
        def format(self, record: Record, ctx: TargetContext) -> list[dict]
            # one output object, or several for a chunked document; raises RecordError
            # (stage "format") with a stable reason; never anything else
        def validate(self, obj, ctx: TargetContext) -> list[tuple[str, str]]
            # (reason, message) for every rule the written object breaks; [] when it is fine.
            # Used on every formatted object and by `tuneprep validate` on existing files.
        def measure(self, obj) -> int
            # characters that count toward the model's token limit
        def side_files(self, ctx) -> dict[str, bytes]
            # extra files beside the data in each split folder (template.json); {} for most
"""
from __future__ import annotations

import math

from tuneprep.transforms.core import tokens as exact
from tuneprep.transforms.targets.base import Target
from tuneprep.transforms.targets.bedrock_conversation import BedrockConversation
from tuneprep.transforms.targets.bedrock_distillation import BedrockDistillation
from tuneprep.transforms.targets.bedrock_image import BedrockImage
from tuneprep.transforms.targets.bedrock_messages import BedrockMessages
from tuneprep.transforms.targets.bedrock_pretrain import BedrockPretrain
from tuneprep.transforms.targets.bedrock_text import BedrockText
from tuneprep.transforms.targets.openai_chat import OpenAIChat
from tuneprep.transforms.targets.sagemaker_chat import SagemakerChat
from tuneprep.transforms.targets.sagemaker_domain import SagemakerDomainAdaptation
from tuneprep.transforms.targets.sagemaker_instruction import SagemakerInstruction

TARGETS: dict[str, Target] = {target.name: target for target in (
    SagemakerInstruction(),
    BedrockText(),
    BedrockPretrain(),
    BedrockImage(),
    BedrockMessages("bedrock-single-turn", "single-turn"),
    BedrockMessages("bedrock-multi-turn", "multi-turn"),
    BedrockConversation(),
    BedrockDistillation(),
    OpenAIChat(),
    SagemakerDomainAdaptation(),
    SagemakerChat(),
)}


def get_target(name: str) -> Target:
    try:
        return TARGETS[name]
    except KeyError:
        raise KeyError(f"unknown target {name!r}; known targets: {', '.join(TARGETS)}") from None


def check_limits(target: Target, obj, ctx, size: int | None = None) -> list[tuple[str, str]]:
    """The per-record length limits of ctx, measured the target's way (size: if measured).
    With a tokenizer (ctx.tokenizer), the tokens of target.texts(obj) counted exactly against
    ctx.max_tokens; else size characters against ctx.max_chars (the estimate)."""
    if ctx is None or ctx.max_chars is None:
        return []
    tokenizer = getattr(ctx, "tokenizer", None)
    if tokenizer is not None:
        if size is not None and exact.cannot_reach(size, ctx.max_tokens):
            return []   # nothing to count: too few characters to reach the limit
        count = exact.over_limit(tokenizer, target.texts(obj), ctx.max_tokens)
        if count is None:
            return []
        return [("too_long", f"record has {count:,} tokens, counted exactly with the "
                             f"{exact.TOKENIZERS[tokenizer].display} tokenizer; the limit is "
                             f"{ctx.max_tokens:,} tokens")]
    if size is None:
        size = target.measure(obj)
    if size > ctx.max_chars:
        per_token = ctx.chars_per_token
        tokens = math.ceil(size / per_token)
        return [("too_long", f"record has {size:,} characters (about {tokens:,} tokens at "
                             f"{per_token:g} chars/token); the limit is "
                             f"{ctx.max_chars:,} characters{_margin_note(ctx)}")]
    return []


def _margin_note(ctx) -> str:
    """How the character limit comes from the token limit: " (limit 2,000 tokens ≈ 12,000
    characters at 6 characters a token, less the 10% margin)"; "" when the token limit is not
    known here."""
    limit = getattr(ctx, "max_tokens", None)
    if not limit:
        return ""
    chars = limit * ctx.chars_per_token
    margin = 1 - ctx.max_chars / chars if chars else 0
    kept = (f"less the {margin:.0%} margin" if round(margin, 3) > 0 else "no margin")
    return (f" (limit {limit:,} tokens ≈ {chars:,.0f} characters at {ctx.chars_per_token:g} "
            f"characters a token, {kept})")
