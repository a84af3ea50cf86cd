"""The model catalogue: which target kinds each model takes and its published limits.

Pure Python. Numbers come from DESIGN.md §3 and the research notes in
shared/reference/service-formats.md §2; each row cites its sources. None means "not published".
Sizes are decimal (1 GB = 10**9 bytes), the stricter reading of the AWS pages.
"""
from __future__ import annotations

from dataclasses import dataclass

GB = 1_000_000_000
MB = 1_000_000

KINDS = ("text-to-text", "pretrain", "image", "single-turn", "multi-turn", "instruction")

_CUSTOMIZE = "https://docs.aws.amazon.com/bedrock/latest/userguide/model-customization-prepare.html"
_REQUIREMENTS = ("https://docs.aws.amazon.com/bedrock/latest/userguide/"
                 "model-training-validation-requirements.html")
_TEXT = "https://docs.aws.amazon.com/bedrock/latest/userguide/preparing-text-data.html"
_CPT = "https://docs.aws.amazon.com/bedrock/latest/userguide/dataset-prep-continued-pretraining.html"
_TITAN_HP = "https://docs.aws.amazon.com/bedrock/latest/userguide/cm-hp-titan-text.html"
_IMAGE = "https://docs.aws.amazon.com/bedrock/latest/userguide/preparing-image-generation-data.html"
_COHERE = "https://docs.cohere.com/docs/fine-tuning-cohere-models-on-amazon-bedrock"
_COHERE_HP = "https://docs.aws.amazon.com/bedrock/latest/userguide/cm-hp-cohere-command.html"
_HAIKU_COOKBOOK = "https://platform.claude.com/cookbook/finetuning-finetuning-on-bedrock"
_HAIKU_HP = "https://docs.aws.amazon.com/bedrock/latest/userguide/cm-hp-anth-claude-3.html"
_HAIKU_NOTE = ("[3rd, verify] record counts, 32,000 tokens and file sizes are constants of an "
               "unattributed sample validator (service-formats.md §2.2)")
_JUMPSTART = ("https://docs.aws.amazon.com/sagemaker/latest/dg/"
              "jumpstart-foundation-models-fine-tuning-instruction-based.html")
_JUMPSTART_SAMPLE = ("[sample] JumpStart Mistral-7B fine-tuning notebook (template.json, "
                     "service-formats.md §3.1)")


@dataclass(frozen=True)
class ModelSpec:
    name: str
    display: str
    service: str                        # "bedrock" | "sagemaker"
    kinds: tuple[str, ...]
    max_tokens: int | None = None       # input + output tokens per record, at batch size 1
    min_records: int | None = None
    max_train_records: int | None = None
    max_validation_records: int | None = None
    max_total_records: int | None = None
    max_train_bytes: int | None = None
    max_validation_bytes: int | None = None
    max_pretrain_train_bytes: int | None = None
    takes_validation: bool = True
    caption_min_chars: int | None = None
    caption_max_chars: int | None = None
    image_max_bytes: int | None = None
    image_min_px: int | None = None     # per side
    image_max_px: int | None = None     # per side
    image_max_pixels: int | None = None
    image_min_aspect: float | None = None   # width / height
    image_max_aspect: float | None = None
    sources: tuple[str, ...] = ()


def _titan_text(name: str, display: str, kinds: tuple[str, ...], cpt: bool) -> ModelSpec:
    return ModelSpec(
        name, display, "bedrock", kinds, max_tokens=4096,
        max_train_bytes=1 * GB, max_validation_bytes=100 * MB,
        max_pretrain_train_bytes=10 * GB if cpt else None,
        sources=(_REQUIREMENTS, _TEXT, _CPT, _TITAN_HP, _CUSTOMIZE) if cpt
        else (_REQUIREMENTS, _TEXT, _TITAN_HP, _CUSTOMIZE))


def _jumpstart(name: str, display: str) -> ModelSpec:
    return ModelSpec(name, display, "sagemaker", ("instruction",),
                     sources=(_JUMPSTART, _JUMPSTART_SAMPLE))


_BEDROCK = [
    _titan_text("titan-text-express", "Amazon Titan Text G1 - Express",
                ("text-to-text", "pretrain"), cpt=True),
    _titan_text("titan-text-lite", "Amazon Titan Text G1 - Lite",
                ("text-to-text", "pretrain"), cpt=True),
    _titan_text("titan-text-premier", "Amazon Titan Text Premier", ("text-to-text",), cpt=False),
    ModelSpec("titan-image-generator", "Amazon Titan Image Generator G1", "bedrock",
              ("text-to-text", "image"), min_records=5, max_train_records=10_000,
              takes_validation=False, caption_min_chars=3, caption_max_chars=1024,
              image_max_bytes=50 * MB, image_min_px=512, image_max_px=4096,
              image_max_pixels=12_582_912, image_min_aspect=0.25, image_max_aspect=4.0,
              sources=(_REQUIREMENTS, _IMAGE, _CUSTOMIZE)),
    # The page prints 12,528,912 total pixels (maybe a typo for 12,582,912); we keep the
    # printed, stricter number.
    ModelSpec("titan-multimodal-embeddings", "Amazon Titan Multimodal Embeddings G1", "bedrock",
              ("text-to-text", "image"), min_records=1000, max_train_records=500_000,
              takes_validation=False, caption_min_chars=0, caption_max_chars=2560,
              image_max_bytes=5 * MB, image_min_px=128, image_max_px=4096,
              image_max_pixels=12_528_912, image_min_aspect=0.25, image_max_aspect=4.0,
              sources=(_REQUIREMENTS, _IMAGE, _CUSTOMIZE)),
    ModelSpec("claude-3-haiku", "Anthropic Claude 3 Haiku", "bedrock",
              ("single-turn", "multi-turn"), max_tokens=32_000, min_records=32,
              max_train_records=10_000, max_validation_records=1000, max_total_records=10_000,
              max_train_bytes=10 * GB, max_validation_bytes=1 * GB,
              sources=(_HAIKU_NOTE, _HAIKU_COOKBOOK, _HAIKU_HP, _CUSTOMIZE)),
    ModelSpec("cohere-command", "Cohere Command", "bedrock", ("text-to-text",),
              max_tokens=4096, min_records=32, sources=(_COHERE, _COHERE_HP, _TEXT)),
    ModelSpec("cohere-command-light", "Cohere Command Light", "bedrock", ("text-to-text",),
              max_tokens=4096, min_records=32, sources=(_COHERE, _COHERE_HP, _TEXT)),
    ModelSpec("llama2-13b", "Meta Llama 2 13B", "bedrock", ("text-to-text",),
              sources=(_TEXT, _CUSTOMIZE)),
    ModelSpec("llama2-70b", "Meta Llama 2 70B", "bedrock", ("text-to-text",),
              sources=(_TEXT, _CUSTOMIZE)),
]

_SAGEMAKER = [_jumpstart(f"flan-t5-{size}", f"Flan-T5 {size.upper()}")
              for size in ("small", "base", "large", "xl", "xxl")] + [
    _jumpstart("llama2-7b", "Llama 2 7B"),
    _jumpstart("llama2-7b-chat", "Llama 2 7B Chat"),
    _jumpstart("llama2-13b-chat", "Llama 2 13B Chat"),
    _jumpstart("llama2-70b-chat", "Llama 2 70B Chat"),
    _jumpstart("llama2-7b-neuron", "Llama 2 7B (Neuron)"),
    _jumpstart("mistral-7b", "Mistral 7B"),
    _jumpstart("redpajama-incite-base-3b", "RedPajama INCITE Base 3B"),
    _jumpstart("redpajama-incite-chat-3b", "RedPajama INCITE Chat 3B"),
    _jumpstart("redpajama-incite-instruct-3b", "RedPajama INCITE Instruct 3B"),
    _jumpstart("redpajama-incite-base-7b", "RedPajama INCITE Base 7B"),
    _jumpstart("redpajama-incite-chat-7b", "RedPajama INCITE Chat 7B"),
    _jumpstart("redpajama-incite-instruct-7b", "RedPajama INCITE Instruct 7B"),
]

MODELS: dict[str, ModelSpec] = {spec.name: spec for spec in _BEDROCK + _SAGEMAKER}


def get_model(name: str) -> ModelSpec:
    try:
        return MODELS[name]
    except KeyError:
        raise KeyError(f"unknown model {name!r}; known models: {', '.join(MODELS)}") from None


def models_for_kind(kind: str) -> list[ModelSpec]:
    return [spec for spec in MODELS.values() if kind in spec.kinds]
