"""`tuneprep targets`: the targets, the models that take each, and the models' limits."""
from __future__ import annotations

from tuneprep.transforms.targets.models import MODELS
from tuneprep.transforms.targets import TARGETS
from tuneprep.transforms.targets.conversation import printable


def _n(value) -> str:
    return "-" if value is None else f"{value:,}"


def targets_main() -> int:
    print("TARGETS")
    for name, target in TARGETS.items():
        # a legacy model (gone from Bedrock's customization table) is named with its mark
        models = [m.name + (" (legacy)" if m.legacy else "") for m in MODELS.values()
                  if target.kind in m.kinds]
        layout = "one file per split" if target.layout == "single" else "sharded + template.json"
        validation = "validation ok" if target.takes_validation else "no validation set"
        print(f"  {name:28} {target.kind:17} {layout}; {validation}")
        print(f"  {'':28} models: {', '.join(models) or '- (no catalogue model; --max-tokens sets the limit)'}")
    print("\nMODELS (limits per record in tokens; records train/validation/total; bytes train/validation)")
    for m in MODELS.values():
        print(f"  {m.name:30} {m.service:9} takes {', '.join(m.kinds)}")
        print(f"  {'':30} tokens {_n(m.max_tokens)}; records min {_n(m.min_records)}, "
              f"max {_n(m.max_train_records)}/{_n(m.max_validation_records)}/"
              f"{_n(m.max_total_records)}; bytes {_n(m.max_train_bytes)}/"
              f"{_n(m.max_validation_bytes)}"
              + ("" if m.takes_validation else "; no validation set"))
        if m.legacy:
            print(f"  {'':30} legacy: {m.legacy}")
        rules = _converse_rules(m)
        if rules:
            print(f"  {'':30} {rules}")
    return 0


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
