"""The model catalogue: which target kinds each model takes and its published limits.

Pure Python. Numbers come from the research notes in docs/sources/service-formats.md (§2:
Bedrock quotas, §3: SageMaker JumpStart), which give the public page of each, and
docs/sources/formats-2026.md for the newer formats; each row cites its sources. None means
"not published".
Sizes are decimal (1 GB = 10**9 bytes), the stricter reading of the AWS pages.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

# the sources cited beside each row (TABLE_DATE and LEGACY_NOTE are imported from here too)
from tuneprep.transforms.targets.model_sources import (
    _CUSTOMIZE, _REQUIREMENTS, _TEXT, _CPT, _TITAN_HP, _IMAGE, _COHERE, _COHERE_HP,
    _HAIKU_COOKBOOK, _HAIKU_HP, _HAIKU_NOTE, _JUMPSTART, _JUMPSTART_SAMPLE, _JUMPSTART_DOMAIN,
    _JUMPSTART_CHAT, _NOVA, _NOVA2, _NOVA_NOTE, _IMAGE_TEXT, _LLAMA_SAMPLE, _LLAMA3_TOKENIZER,
    _MISTRAL_TOKENIZER, _DISTILL, _SUPPORTED, TABLE_DATE, LEGACY_NOTE, _CANVAS,
    _DISTILL_VALIDATOR, _DISTILL_NOTE, _HAIKU_VALIDATOR, _NOVA1_NO_TOOLS, _NOVA2_TOOLS,
    _LLAMA31_TEXT, _TITAN_RECORDS, _RFT_OPEN, _RFT_NOVA, _RFT_IDS, _NOVA_DPO,
    _RFT_MULTITURN, _NOVA_PPO)


GB = 1_000_000_000
MB = 1_000_000

# Nova's reserved words, refused in every text block (system, user, assistant, reasoning). The
# prose docs name 7 mixed-case words in prompts only; AWS's own validator (the Nova Forge SDK's
# dataset_validator, which the Nova docs point to) checks these 13 in every block, so the
# stricter list is the default (docs/sources/formats-2026.md, "Reserved words").
NOVA_RESERVED = ("System:", "SYSTEM:", "User:", "USER:", "Bot:", "BOT:", "Assistant:",
                 "ASSISTANT:", "Thought:", "[EOS]", "<image>", "<video>", "<unk>")


@dataclass(frozen=True)
class ModelSpec:
    name: str
    display: str
    service: str                        # "bedrock" | "sagemaker"
    kinds: tuple[str, ...]
    max_tokens: int | None = None       # input + output tokens per record, at batch size 1
    chars_per_token: float | None = None    # the estimate its validator uses (None: 6)
    min_records: int | None = None
    min_validation_records: int | None = None    # when a validation set is given
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
    # Converse-format rules (bedrock-conversation, bedrock-distillation), read by the targets
    media_kinds: tuple[str, ...] = ()   # "image" / "video" a user turn may carry; () = text only
    image_formats: tuple[str, ...] = () # Converse image "format" values taken
    video_formats: tuple[str, ...] = ()
    max_images_per_message: int | None = None
    max_videos_per_record: int | None = None
    video_max_bytes: int | None = None
    video_max_seconds: float | None = None
    media_in_dataset_bucket: bool = False    # media must be in the dataset's S3 bucket
    reserved_words: tuple[str, ...] = ()     # refused anywhere in any text block
    max_system_blocks: int | None = None
    reasoning_content: bool = False          # assistant turns may hold reasoningContent blocks
    # tool definitions, calls and results in fine-tuning data (Converse toolConfig / toolUse /
    # toolResult). Nova 2 Lite only: its user guide (_NOVA2_TOOLS) says tool calling is
    # supported; for Nova 1 (Micro, Lite, Pro) the Forge SDK's converter refuses tools ("not
    # supported in Nova 1.0"), the older Nova validator refuses them and the Nova 1 page lists
    # text, image and video only (_NOVA1_NO_TOOLS), though the Forge dataset_validator itself
    # does not ask the version: the stricter reading wins (formats-2026.md, "Tool use")
    tool_use: bool = False
    # media object keys only of word characters and _ - / . (the three Nova validators check
    # `^[\w\-/\.]+$`; the docs say the same of file names): docs/sources/formats-2026.md
    word_media_keys: bool = False
    # each optional field (system, image, video, reasoning) in every record or in none, as the
    # Nova Forge validator checks the whole dataset (docs/sources/formats-2026.md)
    consistent_optional_fields: bool = False
    # s3Location.bucketOwner on every media reference: the Forge SDK requires it (S3Location
    # bucketOwner: str), the older Nova validators take it as optional (formats-2026.md);
    # a reference without it is refused, missing_bucket_owner (targets/bucket_owner.py)
    wants_bucket_owner: bool = False
    single_turn_prompts: bool = False        # distillation student takes one user prompt only
    # why the model is legacy (LEGACY_NOTE: gone from Bedrock's customization table); a legacy
    # model still runs, with a warning
    legacy: str | None = None
    # the baseModelIdentifier of CreateModelCustomizationJob (the training request written
    # beside the data): the "Model ID" column of Bedrock's customization table (_SUPPORTED, as
    # read for the training request); a legacy model's id is from the table's earlier editions
    # [verify]; a distillation student's is its fine-tuning id (_DISTILL) [verify]. None: a
    # SageMaker model
    bedrock_model_id: str | None = None
    # the tokenizer that counts this model's tokens exactly (a name of transforms/core/tokens.py
    # TOKENIZERS), where one installs from the package registry with its vocabulary
    # (_TOKENIZERS); None: tokens are estimated at --chars-per-token. No package ships a Titan,
    # Nova, Claude or Cohere tokenizer
    tokenizer: str | None = None
    sources: tuple[str, ...] = ()


def _titan_text(name: str, display: str, kinds: tuple[str, ...], cpt: bool,
                bedrock_model_id: str | None = None) -> ModelSpec:
    return ModelSpec(
        name, display, "bedrock", kinds, max_tokens=4096, bedrock_model_id=bedrock_model_id,
        max_train_bytes=1 * GB, max_validation_bytes=100 * MB,
        max_pretrain_train_bytes=10 * GB if cpt else None,
        sources=((_REQUIREMENTS, _TEXT, _CPT, _TITAN_HP, _CUSTOMIZE) if cpt
                 else (_REQUIREMENTS, _TEXT, _TITAN_HP, _CUSTOMIZE)) + (_TITAN_RECORDS,))


def _legacy(spec: ModelSpec) -> ModelSpec:
    """A model Bedrock's current customization table no longer lists: kept for the datasets and
    jobs that still use it, marked with the table's date and page."""
    return replace(spec, legacy=LEGACY_NOTE, sources=spec.sources + (_SUPPORTED,))


def _image_generator(name: str, display: str, sources: tuple[str, ...],
                     takes_validation: bool = False,
                     bedrock_model_id: str | None = None) -> ModelSpec:
    """A text-to-image model: {"image-ref", "caption"} records, JPEG or PNG, 5-10,000
    records, captions of 3-1,024 characters, images of at most 50 MB, 512-4,096 px a side,
    12,582,912 pixels, aspect 1:4-4:1. Titan Image Generator G1 has them from the requirements
    page; G1 v2 is given G1's rules (no page gives it others); Nova Canvas's own page (_CANVAS)
    prints the same numbers. The image target only: no table lists these as text-to-text."""
    return ModelSpec(
        name, display, "bedrock", ("image",), min_records=5, max_train_records=10_000,
        takes_validation=takes_validation, caption_min_chars=3, caption_max_chars=1024,
        image_max_bytes=50 * MB, image_min_px=512, image_max_px=4096,
        image_max_pixels=12_582_912, image_min_aspect=0.25, image_max_aspect=4.0,
        bedrock_model_id=bedrock_model_id, sources=sources)


def _jumpstart(name: str, display: str, kinds: tuple[str, ...] = ("instruction",),
               tokenizer: str | None = None) -> ModelSpec:
    sources = (_JUMPSTART, _JUMPSTART_SAMPLE)
    if "domain-adaptation" in kinds:
        sources += (_JUMPSTART_DOMAIN,)
    if "chat" in kinds:
        sources += (_JUMPSTART_CHAT,)
    if tokenizer is not None:
        sources += (_LLAMA3_TOKENIZER if tokenizer == "llama3" else _MISTRAL_TOKENIZER,)
    return ModelSpec(name, display, "sagemaker", kinds, tokenizer=tokenizer, sources=sources)


_NOVA_IMAGES = ("png", "jpeg", "gif")           # Nova 2.0 page: PNG, JPEG or GIF
_NOVA_VIDEOS = ("mov", "mkv", "mp4")            # Nova 2.0 page: MOV, MKV or MP4
_LLAMA_IMAGES = ("gif", "jpeg", "png", "webp")  # Llama 3.2 Vision


def _nova(name: str, display: str, media: bool, nova2: bool = False,
          bedrock_model_id: str | None = None) -> ModelSpec:
    """Amazon Nova understanding models, Converse format. Media limits as AWS's Nova validators
    check them (docs/sources/formats-2026.md): an image of at most 10 MB and at least 25 px a
    side, a video of at most 50 MB and 90 s; Nova 2.0 takes the formats its page lists, Nova 1.0 also webp images and webm videos
    (its own page lists none; the validators take them)."""
    return ModelSpec(
        name, display, "bedrock", ("conversation",),
        # train + validation at most 20,000 together, as the Forge SDK checks (formats-2026.md)
        min_records=200 if nova2 else 8, max_train_records=20_000, max_total_records=20_000,
        takes_validation=not nova2,
        media_kinds=("image", "video") if media else (),
        image_formats=(_NOVA_IMAGES + (() if nova2 else ("webp",))) if media else (),
        video_formats=(_NOVA_VIDEOS + (() if nova2 else ("webm",))) if media else (),
        image_max_bytes=10 * MB if media else None, image_min_px=25 if media else None,
        video_max_bytes=50 * MB if media else None, video_max_seconds=90 if media else None,
        max_images_per_message=10, max_videos_per_record=1, media_in_dataset_bucket=True,
        reserved_words=NOVA_RESERVED, reasoning_content=nova2, tool_use=nova2,
        word_media_keys=True, consistent_optional_fields=True, wants_bucket_owner=media,
        bedrock_model_id=bedrock_model_id,
        sources=((_NOVA2, _NOVA2_TOOLS) if nova2 else ()) + (_NOVA, _TEXT, _CUSTOMIZE, _NOVA_NOTE)
        + (() if nova2 else (_NOVA1_NO_TOOLS,)))


def _llama3(name: str, display: str, max_tokens: int = 16_000, vision: bool = False,
            prompt_completion: bool = False, bedrock_model_id: str | None = None) -> ModelSpec:
    """Meta Llama 3.1 / 3.2 on Bedrock, Converse format. "16K" is read as 16,000 tokens (the
    stricter reading); the limit is on input tokens, checked here on the whole record.
    prompt_completion: the model takes {"prompt", "completion"} only (_LLAMA31_TEXT: AWS's
    Llama validator and Bedrock's data page take Llama 3.1 8B and 70B Instruct that way)."""
    kinds = ("text-to-text",) if prompt_completion else ("conversation",)
    return ModelSpec(
        name, display, "bedrock", kinds, max_tokens=max_tokens,
        max_train_records=10_000, max_validation_records=1000,
        media_kinds=("image",) if vision else (), image_formats=_LLAMA_IMAGES if vision else (),
        image_max_bytes=10 * MB if vision else None, image_max_px=8192 if vision else None,
        max_system_blocks=1, bedrock_model_id=bedrock_model_id, tokenizer="llama3",
        sources=((_TEXT, _IMAGE_TEXT, _CUSTOMIZE, _LLAMA_SAMPLE) if vision
                 else (_TEXT, _CUSTOMIZE, _LLAMA_SAMPLE)) + (_LLAMA3_TOKENIZER,)
        + ((_LLAMA31_TEXT,) if prompt_completion else ()))


def _student(name: str, display: str, single_turn: bool,
             bedrock_model_id: str | None = None) -> ModelSpec:
    """A Bedrock Model Distillation student: prompt files in the Converse format. The
    fine-tuning limits of the same model do not apply to distillation prompts; AWS's
    distillation validator asks for at least 100 prompts and one system block at most
    (docs/sources/formats-2026.md), and input files of 1 GB at most together (_DISTILL_VALIDATOR;
    a run's train split is checked against it)."""
    llama = name.startswith("distill-llama3")
    return ModelSpec(name, display, "bedrock", ("distillation",), min_records=100,
                     max_train_bytes=1 * GB, max_system_blocks=1,
                     single_turn_prompts=single_turn, bedrock_model_id=bedrock_model_id,
                     tokenizer="llama3" if llama else None,
                     sources=(_DISTILL, _DISTILL_VALIDATOR, _DISTILL_NOTE)
                     + ((_LLAMA3_TOKENIZER,) if llama else ()))


def _rft(name: str, display: str, bedrock_model_id: str, nova: bool = False) -> ModelSpec:
    """A Bedrock reinforcement fine-tuning base model: 100-20,000 prompts, tools taken (the
    record's tools key); Nova 2 Lite's own RFT validator (Forge) asks id and tools in every
    record or in none and takes no validation set, as for its SFT."""
    return ModelSpec(name, display, "bedrock", ("rft",), min_records=100,
                     max_train_records=20_000, tool_use=True, takes_validation=not nova,
                     consistent_optional_fields=nova, bedrock_model_id=bedrock_model_id,
                     sources=(_RFT_NOVA, _NOVA2) if nova else (_RFT_OPEN, _RFT_IDS))


def _nova_dpo(name: str, display: str, media: bool, nova2: bool = False) -> ModelSpec:
    """A Nova model's DPO (nova-dpo): its Nova rules (reserved words, image limits, each
    optional field in every record or none), 8-20,000 records, images in prompts only where the
    model takes them (Micro: text) and never a video; no tool use or reasoning."""
    spec = _nova(name, display, media, nova2)
    # SageMaker AI's Nova recipes train it: no Bedrock model id
    return replace(spec, service="sagemaker", bedrock_model_id=None, kinds=("nova-dpo",),
                   min_records=8, media_kinds=("image",) if media
                   else (), video_formats=(), video_max_bytes=None, video_max_seconds=None,
                   max_videos_per_record=None, reasoning_content=False, tool_use=False,
                   sources=(_NOVA_DPO,) + spec.sources)


_BEDROCK = [
    _titan_text("titan-text-express", "Amazon Titan Text G1 - Express",
                ("text-to-text", "pretrain"), cpt=True,
                bedrock_model_id="amazon.titan-text-express-v1:0:8k"),
    _legacy(_titan_text("titan-text-lite", "Amazon Titan Text G1 - Lite",
                        ("text-to-text", "pretrain"), cpt=True,
                        bedrock_model_id="amazon.titan-text-lite-v1:0:4k")),
    _legacy(_titan_text("titan-text-premier", "Amazon Titan Text Premier", ("text-to-text",),
                        cpt=False, bedrock_model_id="amazon.titan-text-premier-v1:0:32k")),
    _image_generator("titan-image-generator", "Amazon Titan Image Generator G1",
                     (_REQUIREMENTS, _IMAGE, _CUSTOMIZE),
                     bedrock_model_id="amazon.titan-image-generator-v1:0"),
    _image_generator("titan-image-generator-v2", "Amazon Titan Image Generator G1 v2",
                     (_SUPPORTED, _REQUIREMENTS, _IMAGE, _CUSTOMIZE),
                     bedrock_model_id="amazon.titan-image-generator-v2:0"),
    # Nova Canvas: image-ref + caption lines as for Titan; its page names a validation file too
    # (bedrock-image writes a train split only)
    _image_generator("nova-canvas", "Amazon Nova Canvas", (_SUPPORTED, _CANVAS),
                     takes_validation=True, bedrock_model_id="amazon.nova-canvas-v1:0"),
    # The page prints 12,528,912 total pixels (maybe a typo for 12,582,912); we keep the
    # printed, stricter number.
    ModelSpec("titan-multimodal-embeddings", "Amazon Titan Multimodal Embeddings G1", "bedrock",
              ("image",), min_records=1000, max_train_records=500_000,
              takes_validation=False, caption_min_chars=0, caption_max_chars=2560,
              image_max_bytes=5 * MB, image_min_px=128, image_max_px=4096,
              image_max_pixels=12_528_912, image_min_aspect=0.25, image_max_aspect=4.0,
              bedrock_model_id="amazon.titan-embed-image-v1:0",
              sources=(_REQUIREMENTS, _IMAGE, _CUSTOMIZE)),
    # The Haiku validator refuses the old prompt format's turn markers inside any content and a
    # validation set outside 32-1,000 records (docs/sources/formats-2026.md)
    ModelSpec("claude-3-haiku", "Anthropic Claude 3 Haiku", "bedrock",
              ("single-turn", "multi-turn"), max_tokens=32_000, chars_per_token=3.0,
              min_records=32,
              max_train_records=10_000, min_validation_records=32, max_validation_records=1000,
              max_total_records=10_000, max_train_bytes=10 * GB, max_validation_bytes=1 * GB,
              reserved_words=("\nHuman:", "\nAssistant:"),
              bedrock_model_id="anthropic.claude-3-haiku-20240307-v1:0:200k",
              sources=(_HAIKU_NOTE, _HAIKU_VALIDATOR, _HAIKU_COOKBOOK, _HAIKU_HP, _CUSTOMIZE)),
    _legacy(ModelSpec("cohere-command", "Cohere Command", "bedrock", ("text-to-text",),
                      max_tokens=4096, min_records=32,
                      bedrock_model_id="cohere.command-text-v14:7:4k",
                      sources=(_COHERE, _COHERE_HP, _TEXT))),
    _legacy(ModelSpec("cohere-command-light", "Cohere Command Light", "bedrock",
                      ("text-to-text",), max_tokens=4096, min_records=32,
                      bedrock_model_id="cohere.command-light-text-v14:7:4k",
                      sources=(_COHERE, _COHERE_HP, _TEXT))),
    _legacy(ModelSpec("llama2-13b", "Meta Llama 2 13B", "bedrock", ("text-to-text",),
                      bedrock_model_id="meta.llama2-13b-v1:0:4k", sources=(_TEXT, _CUSTOMIZE))),
    _legacy(ModelSpec("llama2-70b", "Meta Llama 2 70B", "bedrock", ("text-to-text",),
                      bedrock_model_id="meta.llama2-70b-v1:0:4k", sources=(_TEXT, _CUSTOMIZE))),
    _nova("nova-micro", "Amazon Nova Micro", media=False,
          bedrock_model_id="amazon.nova-micro-v1:0:128k"),   # Micro accepts no media [3rd]
    _nova("nova-lite", "Amazon Nova Lite", media=True,
          bedrock_model_id="amazon.nova-lite-v1:0:300k"),
    _nova("nova-pro", "Amazon Nova Pro", media=True,
          bedrock_model_id="amazon.nova-pro-v1:0:300k"),
    _nova("nova-2-lite", "Amazon Nova 2.0 Lite", media=True, nova2=True,
          bedrock_model_id="amazon.nova-2-lite-v1:0:256k"),
    _llama3("llama3-1-8b-instruct", "Meta Llama 3.1 8B Instruct", prompt_completion=True,
            bedrock_model_id="meta.llama3-1-8b-instruct-v1:0:128k"),
    _llama3("llama3-1-70b-instruct", "Meta Llama 3.1 70B Instruct", prompt_completion=True,
            bedrock_model_id="meta.llama3-1-70b-instruct-v1:0:128k"),
    _llama3("llama3-2-1b-instruct", "Meta Llama 3.2 1B Instruct",
            bedrock_model_id="meta.llama3-2-1b-instruct-v1:0:128k"),
    _llama3("llama3-2-3b-instruct", "Meta Llama 3.2 3B Instruct",
            bedrock_model_id="meta.llama3-2-3b-instruct-v1:0:128k"),
    _llama3("llama3-2-11b-vision-instruct", "Meta Llama 3.2 11B Vision Instruct", vision=True,
            bedrock_model_id="meta.llama3-2-11b-instruct-v1:0:128k"),
    _llama3("llama3-2-90b-vision-instruct", "Meta Llama 3.2 90B Vision Instruct",
            max_tokens=10_000, vision=True,
            bedrock_model_id="meta.llama3-2-90b-instruct-v1:0:128k"),
    _student("distill-claude-3-haiku", "Anthropic Claude 3 Haiku (distillation student)", True,
             bedrock_model_id="anthropic.claude-3-haiku-20240307-v1:0:200k"),
    _student("distill-llama3-1-8b-instruct", "Meta Llama 3.1 8B Instruct (distillation student)",
             True, bedrock_model_id="meta.llama3-1-8b-instruct-v1:0:128k"),
    _student("distill-llama3-2-1b-instruct", "Meta Llama 3.2 1B Instruct (distillation student)",
             True, bedrock_model_id="meta.llama3-2-1b-instruct-v1:0:128k"),
    _student("distill-llama3-2-3b-instruct", "Meta Llama 3.2 3B Instruct (distillation student)",
             True, bedrock_model_id="meta.llama3-2-3b-instruct-v1:0:128k"),
    _student("distill-nova-micro", "Amazon Nova Micro (distillation student)", False,
             bedrock_model_id="amazon.nova-micro-v1:0:128k"),
    _student("distill-nova-lite", "Amazon Nova Lite (distillation student)", False,
             bedrock_model_id="amazon.nova-lite-v1:0:300k"),
    _student("distill-nova-pro", "Amazon Nova Pro (distillation student)", False,
             bedrock_model_id="amazon.nova-pro-v1:0:300k"),
    _nova_dpo("dpo-nova-micro", "Amazon Nova Micro (DPO)", media=False),
    _nova_dpo("dpo-nova-lite", "Amazon Nova Lite (DPO)", media=True),
    _nova_dpo("dpo-nova-pro", "Amazon Nova Pro (DPO)", media=True),
    _nova_dpo("dpo-nova-2-lite", "Amazon Nova 2.0 Lite (DPO)", media=True, nova2=True),
    _rft("rft-nova-2-lite", "Amazon Nova 2.0 Lite (reinforcement fine-tuning)",
         "amazon.nova-2-lite-v1:0:256k", nova=True),
    _rft("rft-gpt-oss-20b", "OpenAI gpt-oss-20b (reinforcement fine-tuning)",
         "openai.gpt-oss-20b-1:0"),
    _rft("rft-qwen3-32b", "Qwen3 32B (reinforcement fine-tuning)", "qwen.qwen3-32b-v1:0"),
    # SageMaker HyperPod / SMTJ serverless: no Bedrock id; text prompts, no record bounds known
    ModelSpec("rft-multiturn-nova-2-lite", "Amazon Nova 2.0 Lite (multi-turn RFT)", "sagemaker",
              ("rft-multiturn",), consistent_optional_fields=True,
              sources=(_RFT_MULTITURN,)),
    # SageMaker AI Nova recipes: no Bedrock id; text turns, no record bounds known
    *(ModelSpec(f"ppo-nova-{size}", f"Amazon Nova {size.title()} (PPO)", "sagemaker",
                ("nova-ppo",), sources=(_NOVA_PPO,)) for size in ("micro", "lite", "pro")),
]

_SAGEMAKER = [_jumpstart(f"flan-t5-{size}", f"Flan-T5 {size.upper()}")
              for size in ("small", "base", "large", "xl", "xxl")] + [
    _jumpstart("llama2-7b", "Llama 2 7B", ("instruction", "domain-adaptation")),
    _jumpstart("llama2-7b-chat", "Llama 2 7B Chat", ("instruction", "chat")),
    _jumpstart("llama2-13b-chat", "Llama 2 13B Chat", ("instruction", "chat")),
    _jumpstart("llama2-70b-chat", "Llama 2 70B Chat", ("instruction", "chat")),
    _jumpstart("llama2-7b-neuron", "Llama 2 7B (Neuron)"),
    _jumpstart("mistral-7b", "Mistral 7B", ("instruction", "domain-adaptation"), "mistral-v1"),
    _jumpstart("redpajama-incite-base-3b", "RedPajama INCITE Base 3B"),
    _jumpstart("redpajama-incite-chat-3b", "RedPajama INCITE Chat 3B"),
    _jumpstart("redpajama-incite-instruct-3b", "RedPajama INCITE Instruct 3B"),
    _jumpstart("redpajama-incite-base-7b", "RedPajama INCITE Base 7B"),
    _jumpstart("redpajama-incite-chat-7b", "RedPajama INCITE Chat 7B"),
    _jumpstart("redpajama-incite-instruct-7b", "RedPajama INCITE Instruct 7B"),
    # JumpStart Llama 3 chat fine-tuning ({"dialog": [...]}; Llama 3.1 samples add
    # chat_template="Llama3.1")
    _jumpstart("jumpstart-llama3-8b-instruct", "Meta Llama 3 8B Instruct (JumpStart)",
               ("chat",), "llama3"),
    _jumpstart("jumpstart-llama3-70b-instruct", "Meta Llama 3 70B Instruct (JumpStart)",
               ("chat",), "llama3"),
    _jumpstart("jumpstart-llama3-1-8b-instruct", "Meta Llama 3.1 8B Instruct (JumpStart)",
               ("chat",), "llama3"),
    _jumpstart("jumpstart-llama3-1-70b-instruct", "Meta Llama 3.1 70B Instruct (JumpStart)",
               ("chat",), "llama3"),
    _jumpstart("jumpstart-llama3-2-1b-instruct", "Meta Llama 3.2 1B Instruct (JumpStart)",
               ("chat",), "llama3"),
    _jumpstart("jumpstart-llama3-2-3b-instruct", "Meta Llama 3.2 3B Instruct (JumpStart)",
               ("chat",), "llama3"),
]

MODELS: dict[str, ModelSpec] = {spec.name: spec for spec in _BEDROCK + _SAGEMAKER}


def get_model(name: str) -> ModelSpec:
    try:
        return MODELS[name]
    except KeyError:
        raise KeyError(f"unknown model {name!r}; known models: {', '.join(MODELS)}") from None


def models_for_kind(kind: str) -> list[ModelSpec]:
    return [spec for spec in MODELS.values() if kind in spec.kinds]
