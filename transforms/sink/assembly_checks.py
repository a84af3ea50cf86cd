"""The checks of the assembly that fail a run as a whole (no data is written, the report says
why): the model's record counts, --max-dead-letter-ratio, the target's dataset rules, an empty
train split, and the data files' sizes. The rules themselves are dataset_rules.py's (validate
applies them too); here they meet the run's config."""
from __future__ import annotations

from tuneprep.transforms.steps.process import TRAIN, VALIDATION
from tuneprep.transforms.sink import dataset_rules
from tuneprep.transforms.core.layout import DEAD_LETTER_FOLDER, REPORT_JSON
from tuneprep.transforms.report.status import CHOSEN_REASONS
from tuneprep.transforms.targets import get_target, run_context

NO_TRAIN = f"no record was accepted into {TRAIN}; see {DEAD_LETTER_FOLDER}/ and {REPORT_JSON}"


def before_writing(cfg, target, counts: dict, sampled: dict, stats: dict) -> list[str]:
    """What fails the run before any data file is written."""
    errors = quota_problems(cfg, counts, sampled) + dead_letter_ratio_problems(cfg, stats)
    errors += [f"{reason}: {message}" for reason, message in target.dataset_problems(
        stats.get("dataset_facets", {}), run_context.target_context(cfg), stats.get("faceted_records", 0))]
    if not counts.get(TRAIN):
        errors.append(NO_TRAIN)
    return errors


def quota_problems(cfg, counts: dict, sampled: dict) -> list[str]:
    counts = {TRAIN: counts.get(TRAIN, 0), VALIDATION: counts.get(VALIDATION, 0)}
    return [message for _, message in dataset_rules.record_count_problems(
        run_context.model_spec(cfg), counts, sampled, cfg.sample_to_quota, get_target(cfg.target))]


def dead_letter_ratio_problems(cfg, stats: dict) -> list[str]:
    """Rule refusals only: records left out by --sample-to-quota, --records-with / -without or
    --dedup were chosen, not refused (report/status.py CHOSEN_REASONS)."""
    limit, total = cfg.max_dead_letter_ratio, stats.get("input_records", 0)
    reasons = stats.get("dead_letter_reasons", {})
    dead = stats.get("dead_letter_records", 0) - sum(reasons.get(r, 0) for r in CHOSEN_REASONS)
    if limit is None or not total or dead / total <= limit:
        return []
    top = sorted(((k, v) for k, v in reasons.items() if k not in CHOSEN_REASONS),
                 key=lambda kv: -kv[1])[:3]
    named = ", ".join(f"{k} {v:,}" for k, v in top)
    return [f"{dead:,} of {total:,} records ({dead / total:.1%}) are dead letters, over "
            f"--max-dead-letter-ratio {limit:g} (most: {named}); is --input-format right?"]


def file_size_problems(cfg, target, files) -> list[str]:
    sizes = {split: sum(f["bytes"] for f in files if f["path"].startswith(split + "/")
                        and f["records"] is not None) for split in (TRAIN, VALIDATION)}
    return [message for _, message in dataset_rules.file_size_problems(
        run_context.model_spec(cfg), target.kind, sizes)]
