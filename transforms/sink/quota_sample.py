"""--sample-to-quota: which accepted records a split keeps when it holds more than the model's
quota. The kept ones are the `quota` smallest by hash (transforms/steps/sampling.py), so the
choice is deterministic whatever the runner; the others are left out, counted per split and per
input file, and named in sampled_out/ by their source line (never silently dropped)."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from tuneprep.transforms.steps import sampling
from tuneprep.transforms.steps.process import TRAIN, VALIDATION
from tuneprep.transforms.io.storage import open_read
from tuneprep.transforms.targets import run_context


@dataclass(frozen=True)
class Sample:
    """What --sample-to-quota chose: per sampled split its kept candidates (with their
    measures), the kept (part key, line index) pairs, how many were left out, and per input file
    how many of its records were left out."""
    kept: dict = field(default_factory=dict)
    keeps: dict = field(default_factory=dict)
    sampled: dict = field(default_factory=dict)
    sampled_files: dict = field(default_factory=dict)


def choose(cfg, by_kind: dict, counts: dict, candidates: dict | None) -> Sample:
    """`candidates`: split -> the smallest candidates the run's combine kept; None: read them
    back from the parts."""
    kept = {}
    for split, quota in quotas(cfg, counts).items():
        if counts.get(split, 0) > quota:
            found = (candidates or {}).get(split) if candidates is not None else \
                _read_candidates(by_kind[split])
            kept[split] = _sample_keep(found or [], quota)
    keeps = {split: {(k, i) for _, k, i, _ in entries} for split, entries in kept.items()}
    sampled = {split: counts[split] - len(keep) for split, keep in keeps.items()}
    sampled_files: dict[str, int] = {}
    for split, keep in keeps.items():
        for uri, n in _sampled_per_file(by_kind[split], keep).items():
            sampled_files[uri] = sampled_files.get(uri, 0) + n
    return Sample(kept, keeps, sampled, sampled_files)


def _read_candidates(parts) -> list:
    """The candidates of transforms/steps/sampling.py read back from the parts, sorted (for a
    caller that ran no combine: the result is the same, but every line is read here)."""
    def keyed():
        for part in parts:
            with open_read(part.uri) as f:
                for i, line in enumerate(f):
                    yield (sampling.line_hash(line), part.key, i, None)
    return sorted(keyed())


def _sample_keep(candidates: list, quota: int) -> list:
    """The kept candidates: the `quota` smallest (hash, part key, line index, measures), from
    the combine's smallest ones of the split (sorted, and at least `quota` of them)."""
    return candidates[:max(quota, 0)]


def quotas(cfg, counts: dict) -> dict:
    """Records to keep per split under --sample-to-quota. Validation is capped first, and train
    gets what the total quota leaves (a split at or under its quota is not sampled)."""
    spec = run_context.model_spec(cfg)
    if spec is None or not cfg.sample_to_quota:
        return {}
    quotas = {}
    if spec.max_validation_records is not None:
        quotas[VALIDATION] = spec.max_validation_records
    kept_validation = min(counts.get(VALIDATION, 0), quotas.get(VALIDATION, math.inf))
    train_limits = [q for q in (spec.max_train_records, spec.max_total_records and
                                spec.max_total_records - kept_validation) if q is not None]
    if train_limits:
        quotas[TRAIN] = min(train_limits)
    return quotas


def _sampled_per_file(parts: list, keep: set) -> dict[str, int]:
    kept_per_part: dict[str, int] = {}
    for key, _ in keep:
        kept_per_part[key] = kept_per_part.get(key, 0) + 1
    out: dict[str, int] = {}
    for part in parts:
        left_out = part.records - kept_per_part.get(part.key, 0)
        if left_out:
            out[part.source_uri] = out.get(part.source_uri, 0) + left_out
    return out
