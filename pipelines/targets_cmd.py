"""`tuneprep targets`: the targets, the models that take each, and the models' limits."""
from __future__ import annotations

from transforms.models import MODELS
from transforms.targets import TARGETS


def _n(value) -> str:
    return "-" if value is None else f"{value:,}"


def targets_main() -> int:
    print("TARGETS")
    for name, target in TARGETS.items():
        models = [m.name for m in MODELS.values() if target.kind in m.kinds]
        layout = "one file per split" if target.layout == "single" else "sharded + template.json"
        validation = "validation ok" if target.takes_validation else "no validation set"
        print(f"  {name:24} {target.kind:13} {layout}; {validation}")
        print(f"  {'':24} models: {', '.join(models) or '-'}")
    print("\nMODELS (limits per record in tokens; records train/validation/total; bytes train/validation)")
    for m in MODELS.values():
        print(f"  {m.name:30} {m.service:9} takes {', '.join(m.kinds)}")
        print(f"  {'':30} tokens {_n(m.max_tokens)}; records min {_n(m.min_records)}, "
              f"max {_n(m.max_train_records)}/{_n(m.max_validation_records)}/"
              f"{_n(m.max_total_records)}; bytes {_n(m.max_train_bytes)}/"
              f"{_n(m.max_validation_bytes)}"
              + ("" if m.takes_validation else "; no validation set"))
    return 0
