"""`tuneprep targets [TARGET] [--json]`: the targets, the models that take each, and the
models' limits. TARGET: that target and its models only; --json: the same, machine-readable
(every target, its kind and layout, its models with their limits, Bedrock model id and legacy
mark). The text form is in aligned columns."""
from __future__ import annotations

import dataclasses
import sys

import orjson

from tuneprep.pipelines.options import UsageError, did_you_mean
from tuneprep.transforms.targets.models import MODELS, ModelSpec
from tuneprep.transforms.targets import TARGETS
from tuneprep.transforms.targets.conversation import printable

MODELS_HEADER = ("MODELS (limits per record in tokens; records train/validation/total; "
                 "bytes train/validation)")
NO_MODEL = "- (no catalogue model; --max-tokens sets the limit)"
# ModelSpec fields that are not limits (the rest are, in the JSON form)
_NOT_LIMITS = ("name", "display", "service", "kinds", "legacy", "sources", "bedrock_model_id",
               "tokenizer")


def add_targets_arguments(p) -> None:
    p.add_argument("target", nargs="?", metavar="TARGET",
                   help="show only this target and the models it takes")
    p.add_argument("--json", action="store_true",
                   help="print JSON: every target (or TARGET), its kind, layout and models "
                   "with their limits, Bedrock model id and legacy mark")


def _n(value) -> str:
    return "-" if value is None else f"{value:,}"


def _models_of(target) -> list[ModelSpec]:
    return [m for m in MODELS.values() if target.kind in m.kinds]


def targets_main(args=None) -> int:
    name = getattr(args, "target", None)
    if name is not None and name not in TARGETS:
        raise UsageError(did_you_mean("targets", name, TARGETS, "see `tuneprep targets`"))
    targets = {name: TARGETS[name]} if name else dict(TARGETS)
    if getattr(args, "json", False):
        sys.stdout.write(orjson.dumps(catalogue(targets), option=orjson.OPT_INDENT_2).decode()
                         + "\n")
        return 0
    models = [m for m in MODELS.values() if not name or TARGETS[name].kind in m.kinds]
    for line in _text(targets, models):
        print(line)
    return 0


def catalogue(targets: dict) -> dict:
    """The JSON form: {"targets": [{name, kind, layout, takes_validation, min_train_records,
    models: [...]}]}."""
    return {"targets": [
        {"name": name, "kind": t.kind, "layout": t.layout,
         "takes_validation": t.takes_validation, "min_train_records": t.min_train_records,
         "models": [model_json(m) for m in _models_of(t)]}
        for name, t in targets.items()]}


def model_json(m: ModelSpec) -> dict:
    return {"name": m.name, "display": m.display, "service": m.service, "kinds": list(m.kinds),
            "bedrock_model_id": m.bedrock_model_id, "tokenizer": m.tokenizer,
            "legacy": m.legacy is not None,
            "legacy_note": m.legacy,
            "limits": {f.name: getattr(m, f.name) for f in dataclasses.fields(m)
                       if f.name not in _NOT_LIMITS},
            "sources": list(m.sources)}


def _text(targets: dict, models: list[ModelSpec]) -> list[str]:
    lines = ["TARGETS"]
    rows = []
    for name, target in targets.items():
        layout = "one file per split" if target.layout == "single" else "sharded"
        layout += " + template.json" if target.takes_template else ""   # as the target declares
        validation = "validation ok" if target.takes_validation else "no validation set"
        if target.min_train_records:   # the service's own minimum, whatever the model
            validation += f"; train at least {target.min_train_records:,} records"
        # a legacy model (gone from Bedrock's customization table) is named with its mark
        names = [m.name + (" (legacy)" if m.legacy else "") for m in _models_of(target)]
        rows.append((name, target.kind, f"{layout}; {validation}",
                     "models: " + (", ".join(names) or NO_MODEL)))
    w_name = max(len(r[0]) for r in rows)
    w_kind = max(len(r[1]) for r in rows)
    for name, kind, about, listed in rows:
        lines.append(f"  {name:{w_name}}  {kind:{w_kind}}  {about}")
        lines.append(f"  {'':{w_name}}  {listed}")
    if not models:
        return lines
    lines += ["", MODELS_HEADER]
    w = max(len(m.name) for m in models)
    w_service = max(len(m.service) for m in models)
    for m in models:
        pad = f"  {'':{w}}  "
        lines.append(f"  {m.name:{w}}  {m.service:{w_service}}  takes {', '.join(m.kinds)}")
        lines.append(f"{pad}tokens {_n(m.max_tokens)}; records min {_n(m.min_records)}, "
                     f"max {_n(m.max_train_records)}/{_n(m.max_validation_records)}/"
                     f"{_n(m.max_total_records)}; bytes {_n(m.max_train_bytes)}/"
                     f"{_n(m.max_validation_bytes)}"
                     + ("" if m.takes_validation else "; no validation set"))
        if m.bedrock_model_id:
            lines.append(f"{pad}bedrock id: {m.bedrock_model_id}")
        if m.legacy:
            lines.append(f"{pad}legacy: {m.legacy}")
        rules = _converse_rules(m)
        if rules:
            lines.append(f"{pad}{rules}")
    return lines


def _converse_rules(m) -> str:
    """The Converse-format rules of a model, when it has any."""
    rules = []
    if "conversation" in m.kinds or "distillation" in m.kinds:
        rules.append("media: " + (", ".join(m.media_kinds) or "none"))
    if m.image_formats:
        rules.append("images " + "/".join(m.image_formats)
                     + (f" (<= {m.max_images_per_message} a message)"
                        if m.max_images_per_message else ""))
    if m.video_formats:
        rules.append("videos " + "/".join(m.video_formats)
                     + (f" (<= {m.max_videos_per_record} a record)"
                        if m.max_videos_per_record else ""))
    if m.media_in_dataset_bucket and m.media_kinds:
        rules.append("media in the dataset's bucket")
    if m.reserved_words:
        rules.append("reserved: " + " ".join(printable(w) for w in m.reserved_words))
    if m.single_turn_prompts:
        rules.append("single-turn prompts only")
    return "; ".join(rules)
