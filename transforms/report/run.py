"""The report's `run` section: what run this was. Pure Python.

Target, model and its limits, the options (pipelines/settings.describe, as the manifest holds
them), the tuneprep and Beam versions, when the run started and how long it took, and the files
it wrote with their sizes. The start time and duration are the only figures that differ between
two runs of the same inputs: the data files stay byte-identical."""
from __future__ import annotations

import dataclasses
import time

from tuneprep.transforms.targets import run_context

# ModelSpec fields that are the model's limits (what `tuneprep targets MODEL` prints)
_LIMIT_FIELDS = ("max_tokens", "min_records", "min_validation_records", "max_train_records",
                 "max_validation_records", "max_total_records", "max_train_bytes",
                 "max_validation_bytes", "max_pretrain_train_bytes", "caption_min_chars",
                 "caption_max_chars", "image_max_bytes", "image_min_px", "image_max_px",
                 "image_max_pixels", "image_min_aspect", "image_max_aspect",
                 "max_images_per_message", "max_videos_per_record", "video_max_bytes",
                 "video_max_seconds")


def model_limits(spec) -> dict:
    if spec is None:
        return {}
    names = {f.name for f in dataclasses.fields(spec)}
    return {name: getattr(spec, name) for name in _LIMIT_FIELDS
            if name in names and getattr(spec, name) is not None}


def iso(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def run_section(cfg, manifest_extra: dict, files: list[dict], started: float | None,
                now: float | None = None) -> dict:
    """`files`: the manifest's entries written so far (data, dead letters, side files)."""
    now = time.time() if now is None else now
    spec = run_context.model_spec(cfg)
    tokens = run_context.max_tokens(cfg)
    section = {
        "target": cfg.target,
        "model": cfg.model,
        "model_display": getattr(spec, "display", None),
        "model_limits": model_limits(spec),
        "record_limit": ({"tokens": tokens, "characters": run_context.max_chars(cfg),
                          "chars_per_token": cfg.chars_per_token,
                          "token_margin": cfg.token_margin,
                          "from": "--max-tokens" if cfg.max_tokens else "--model"}
                         if tokens else None),
        "options": manifest_extra.get("options", {}),
        "versions": manifest_extra.get("versions", {}),
        "started": iso(started) if started else None,
        "duration_seconds": round(now - started, 3) if started else None,
        "files": [{"path": f["path"], "records": f["records"], "bytes": f["bytes"]}
                  for f in files],
    }
    return section
