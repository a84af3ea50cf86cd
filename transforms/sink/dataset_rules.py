"""The rules over a whole dataset, as pure functions: record counts per split and together, the
validation set's minimum, the data files' sizes. `run` applies them to what it would write
(assemble.py), `tuneprep validate` to the files it is given (pipelines/validate_cmd.py): one
rule, one message, whichever command meets it.

Each problem is (rule, message): the rule names it in `validate`'s output (its reason), the
message is what both commands print (run: report.json "errors")."""
from __future__ import annotations

from tuneprep.transforms.steps.process import TRAIN, VALIDATION

RECORDS = "records"       # a split, or the two together, over or under the model's record counts
FILE_SIZE = "file_size"   # a split's data files over the model's bytes
QUOTA_HINT = " (use --sample-to-quota to down-sample deterministically)"


def split_of_path(path: str) -> str:
    """The split a data file belongs to, by the dataset layout's names: validation/… or
    validation*.jsonl is validation, every other file train (as a file given to validate)."""
    return VALIDATION if "/validation/" in path or path.rsplit("/", 1)[-1].startswith(
        VALIDATION) else TRAIN


def record_count_problems(spec, counts: dict, sampled: dict | None = None,
                          sample_to_quota: bool = False, target=None) -> list[tuple[str, str]]:
    """`counts`: split -> records (before any down-sample); `sampled`: split -> records the
    down-sample leaves out. A split's maximum is not a problem when --sample-to-quota cuts it
    to size; the total and the minimums count what is kept. The train minimum (the stricter of
    the model's and the target's own, Target.min_train_records) applies when `counts` has a
    train split (validate given a validation file alone checks no train)."""
    sampled = sampled or {}
    kept = {split: n - sampled.get(split, 0) for split, n in counts.items()}
    minimum = _train_minimum(spec, target)
    problems = []
    if minimum is not None and TRAIN in kept and kept[TRAIN] < minimum[0]:
        problems.append(f"train has {kept[TRAIN]:,} records; {minimum[1]} needs at least "
                        f"{minimum[0]:,}")
    if spec is None:
        return [(RECORDS, message) for message in problems]
    for split, limit in ((TRAIN, spec.max_train_records),
                         (VALIDATION, spec.max_validation_records)):
        if limit is not None and counts.get(split, 0) > limit and not sample_to_quota:
            problems.append(f"{split} has {counts[split]:,} records; {spec.name} takes at most "
                            f"{limit:,}{QUOTA_HINT}")
    total = kept.get(TRAIN, 0) + kept.get(VALIDATION, 0)
    if spec.max_total_records is not None and total > spec.max_total_records:
        problems.append(f"train and validation hold {total:,} records together; {spec.name} "
                        f"takes at most {spec.max_total_records:,}{QUOTA_HINT}")
    held_out = kept.get(VALIDATION, 0)
    if spec.min_validation_records is not None and 0 < held_out < spec.min_validation_records:
        problems.append(f"validation has {held_out:,} records; {spec.name} needs at least "
                        f"{spec.min_validation_records:,} when a validation set is given")
    return [(RECORDS, message) for message in problems]


def _train_minimum(spec, target) -> tuple[int, str] | None:
    """(records, who asks) of the stricter train minimum: the model's or the service's."""
    found = [(spec.min_records, spec.name)] if getattr(spec, "min_records", None) else []
    if getattr(target, "min_train_records", None):
        found.append((target.min_train_records, target.name))
    return max(found) if found else None


def file_size_problems(spec, target_kind: str, sizes: dict) -> list[tuple[str, str]]:
    """`sizes`: split -> bytes of its data files (side files such as template.json apart)."""
    if spec is None:
        return []
    limits = {TRAIN: spec.max_train_bytes, VALIDATION: spec.max_validation_bytes}
    if target_kind == "pretrain" and getattr(spec, "max_pretrain_train_bytes", None):
        limits[TRAIN] = spec.max_pretrain_train_bytes
    return [(FILE_SIZE, f"{split} data is {sizes[split]:,} bytes; {spec.name} takes at most "
                        f"{limit:,}")
            for split, limit in limits.items()
            if limit is not None and sizes.get(split, 0) > limit]
