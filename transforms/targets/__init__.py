"""Targets: the canonical Record → the training service's JSON object, and that object's rules.

The contract is the Target class (targets/base.py: its declared capabilities and hooks, each
documented once there). A target module carries everything about its target: name, kind (what
a ModelSpec's kinds match), what it reads of the Record, its layout, its training-request
builder (targets/requests_*.py) and the options only it takes (takes_template,
takes_media_owner, ...), which the launcher's checks, the sink and `tuneprep targets` read.

The registry below is one row a target class: adding a target is its module, one row in
_REGISTERED and its tests; nothing outside transforms/targets/ spells a target's name
(tests/transforms/targets/test_registry.py holds both).
"""
from __future__ import annotations

import math

from tuneprep.transforms.core import tokens as exact
from tuneprep.transforms.targets.base import Target
from tuneprep.transforms.targets.bedrock_conversation import BedrockConversation
from tuneprep.transforms.targets.bedrock_distillation import BedrockDistillation
from tuneprep.transforms.targets.bedrock_image import BedrockImage
from tuneprep.transforms.targets.bedrock_messages import BedrockMultiTurn, BedrockSingleTurn
from tuneprep.transforms.targets.bedrock_pretrain import BedrockPretrain
from tuneprep.transforms.targets.bedrock_rft import BedrockRFT
from tuneprep.transforms.targets.bedrock_text import BedrockText
from tuneprep.transforms.targets.nova_dpo import NovaDPO
from tuneprep.transforms.targets.nova_ppo import NovaPPO
from tuneprep.transforms.targets.nova_rft_multiturn import NovaRFTMultiturn
from tuneprep.transforms.targets.openai_chat import OpenAIChat
from tuneprep.transforms.targets.openai_dpo import OpenAIDPO
from tuneprep.transforms.targets.openai_rft import OpenAIRFT, OpenAIRFTAzure
from tuneprep.transforms.targets.sagemaker_ai_dpo import SagemakerAIDPO
from tuneprep.transforms.targets.sagemaker_chat import SagemakerChat
from tuneprep.transforms.targets.sagemaker_domain import SagemakerDomainAdaptation
from tuneprep.transforms.targets.sagemaker_instruction import SagemakerInstruction

_REGISTERED: tuple[type[Target], ...] = (   # in the order `tuneprep targets` lists them
    SagemakerInstruction,
    BedrockText,
    BedrockPretrain,
    BedrockImage,
    BedrockSingleTurn,
    BedrockMultiTurn,
    BedrockConversation,
    BedrockDistillation,
    OpenAIChat,
    SagemakerDomainAdaptation,
    SagemakerChat,
    BedrockRFT,
    OpenAIRFT,
    OpenAIRFTAzure,
    OpenAIDPO,
    SagemakerAIDPO,
    NovaDPO,
    NovaRFTMultiturn,
    NovaPPO,
)
# --target name -> the one instance a run uses (targets hold no per-record state)
TARGETS: dict[str, Target] = {cls.name: cls() for cls in _REGISTERED}
# the config's target where a command runs without --target (inspect): plain prompt/completion
DEFAULT_TARGET = BedrockText.name


def names_where(capable) -> str:
    """The names of the targets for which capable(target) holds, as a message or an option's
    help names them ("a, b"): read from what the targets declare, never spelt by the caller."""
    return ", ".join(name for name, target in TARGETS.items() if capable(target))


def target_kinds() -> list[str]:
    """The kinds of the registered targets, each once, in registry order (what a ModelSpec's
    kinds may name)."""
    return list(dict.fromkeys(target.kind for target in TARGETS.values()))


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
