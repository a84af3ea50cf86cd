"""What the run's config (core/config.py) means for the target: the model it names, from the
catalogue, its record limit, and the TargetContext every target call takes. Here, not in the
config, because the config sits below the catalogue (the layers in pyproject.toml)."""
from __future__ import annotations

from tuneprep.transforms.core.config import DEFAULT_CHUNK_CHARS, RunConfig
from tuneprep.transforms.core.context import TargetContext
from tuneprep.transforms.targets.models import ModelSpec, get_model


def model_spec(cfg: RunConfig) -> ModelSpec | None:
    return None if cfg.model is None else get_model(cfg.model)


def max_tokens(cfg: RunConfig) -> int | None:
    """The tokens a record may hold: --max-tokens, else the model's limit, else none."""
    if cfg.max_tokens is not None:
        return cfg.max_tokens
    spec = model_spec(cfg)
    return spec.max_tokens if spec is not None else None


def max_chars(cfg: RunConfig) -> int | None:
    tokens = max_tokens(cfg)
    if tokens is None:
        return None
    return int(tokens * cfg.chars_per_token * (1.0 - cfg.token_margin))


def target_context(cfg: RunConfig) -> TargetContext:
    limit = max_chars(cfg)
    chunk = cfg.chunk_chars or (min(limit, DEFAULT_CHUNK_CHARS) if limit else DEFAULT_CHUNK_CHARS)
    return TargetContext(
        model=model_spec(cfg), max_chars=limit, chunk_chars=chunk,
        template=cfg.template, placeholder_map=dict(cfg.placeholder_map),
        repair=frozenset(cfg.repair), dataset_uri=cfg.output,
        image_uri_prefix=cfg.image_uri_prefix, chars_per_token=cfg.chars_per_token,
        tokenizer=cfg.tokenizer if limit is not None else None,
        max_tokens=max_tokens(cfg),
        media_bucket_owner=cfg.media_bucket_owner,
        records_with=frozenset(cfg.records_with),
        records_without=frozenset(cfg.records_without))
