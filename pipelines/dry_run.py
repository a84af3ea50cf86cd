"""`tuneprep run … --dry-run`: the checks of a run and its plan, from a sample; writes nothing.

The options were already checked by settings.build_config (target, model and limits, template,
inputs expanded). Here the first SAMPLE_RECORDS records of each file go through the run's own
BatchProcessor in this process (no Beam), and the plan is printed: inputs with their format and
adapter, target and model limits, the files the run would write, and what the sample gave."""
from __future__ import annotations

import sys

from tuneprep.pipelines.options import UsageError
from tuneprep.pipelines.output_guard import plan_overwrite
from tuneprep.transforms.adapters import DETECT_SAMPLE
from tuneprep.transforms.adapters.suggest import unknown_format_hint
from tuneprep.transforms.steps import stats as st
from tuneprep.transforms.steps.batching import ReadTask, iter_batches
from tuneprep.transforms.steps.process import TRAIN, VALIDATION, BatchProcessor
from tuneprep.transforms.core.layout import planned_files
from tuneprep.transforms.io.readers import container_format, read_format
from tuneprep.transforms.report import fields_not_written
from tuneprep.transforms.sink import assembly_checks
from tuneprep.transforms.targets import get_target, run_context

SAMPLE_RECORDS = 100     # per file
SAMPLE_FILES = 100       # files sampled; the others are listed only


def _format_of(uri: str, read) -> str:
    try:
        return read_format(uri, read)
    except Exception as e:  # the sample shows the file as unreadable_file
        return f"{container_format(uri, read.file_format)}? ({type(e).__name__})"


def _layout(cfg, target) -> list[str]:
    splits = [TRAIN] + ([VALIDATION] if cfg.validation_split > 0 or cfg.validation_inputs else [])
    return planned_files(splits, target.layout == "single", cfg.num_shards,
                         target.side_files(run_context.target_context(cfg)))


def _limits(cfg) -> list[str]:
    spec = run_context.model_spec(cfg)
    lines = []
    tokens, max_chars = run_context.max_tokens(cfg), run_context.max_chars(cfg)
    if tokens:
        lines.append(f"{tokens:,} tokens a record{' (--max-tokens)' if cfg.max_tokens else ''}: "
                     f"records over {max_chars:,} characters are dead letters too_long "
                     f"({cfg.chars_per_token:g} chars/token, {cfg.token_margin:g} kept free)")
    elif cfg.model:
        lines.append(f"no per-record token limit: {cfg.model} sets none (--max-tokens sets one)")
    else:
        lines.append("no per-record limit (give --model or --max-tokens to check lengths)")
    if spec is not None:
        quota = [f"{label} {value:,}" for label, value in (
            ("at least", spec.min_records), ("train at most", spec.max_train_records),
            ("validation at most", spec.max_validation_records),
            ("together at most", spec.max_total_records)) if value]
        if quota:
            lines.append("records: " + ", ".join(quota)
                         + (" (--sample-to-quota down-samples)" if cfg.sample_to_quota else ""))
        sizes = [f"{label} {value / 1e6:,.0f} MB" for label, value in (
            ("train", spec.max_train_bytes), ("validation", spec.max_validation_bytes)) if value]
        if sizes:
            lines.append("file sizes: " + ", ".join(sizes))
    return lines


def dry_run(cfg, overwrite: bool = False, out=None) -> int:
    """Prints the plan; returns 2 when the real run would be refused for its output, else 0."""
    out = out or sys.stdout
    target = get_target(cfg.target)
    processor = BatchProcessor(cfg, upload_media=False)   # media checked, none uploaded
    checks_media = processor.stage_media is not None
    no_media = processor.stage_media   # its counts: local media checked, media left unread
    files = [(uri, None) for uri in cfg.inputs] + [(uri, VALIDATION)
                                                    for uri in cfg.validation_inputs]
    print("dry run: nothing is written", file=out)
    print(f"inputs: {len(files):,} file(s); the first {SAMPLE_RECORDS} records of each are "
          "checked", file=out)
    total = st.new_stats()
    for index, (uri, split) in enumerate(files):
        if index >= SAMPLE_FILES:
            print(f"  {uri}  (not sampled)", file=out)
        else:
            _sample_file(cfg, processor, ReadTask(index, uri, split), total, out)
    _print_plan(cfg, target, out)
    _print_sample(total, out)
    for note in _notes(cfg, target, total, no_media if checks_media else None):
        print(f"note: {note}", file=out)
    return _check_output(cfg, overwrite, out)


def _sample_file(cfg, processor, task: ReadTask, total: dict, out) -> None:
    """The first SAMPLE_RECORDS records of one file through the run's BatchProcessor: its line
    of counts (and, when no adapter reads it, the keys found), added to `total`."""
    batches = iter_batches(task, cfg, SAMPLE_RECORDS)
    batch = next(batches, None)
    batches.close()
    if batch is None:
        return
    stats = processor(batch).stats
    st.merge(total, stats)
    print(f"  {task.uri}{'  [validation]' if task.split else ''}\n"
          f"      {_format_of(task.uri, cfg.read)}, adapter "
          f"{batch.adapter or 'none (unknown_format)'}: {stats['input_records']:,} read, "
          f"{stats['accepted_records']:,} accepted, {stats['dead_letter_records']:,} dead "
          f"letters" + _reasons(stats), file=out)
    if batch.adapter is None and not cfg.input_format:
        good = [item.value for item in batch.items if item.error is None]
        if good:   # the keys found, and the --field-map that would read them
            print(f"      {unknown_format_hint(good[:DETECT_SAMPLE])}", file=out)


def _reasons(stats: dict) -> str:
    """' (too_long 2, unknown_format 1)': the dead letters by reason, or ''."""
    reasons = ", ".join(f"{k} {v:,}" for k, v in sorted(stats["dead_letter_reasons"].items()))
    return f" ({reasons})" if reasons else ""


def _print_plan(cfg, target, out) -> None:
    """The target, the model's limits, and the files the run would write."""
    print(f"target: {target.name} ({target.kind})", file=out)
    print(f"model: {cfg.model or 'none'}", file=out)
    for line in _limits(cfg):
        print(f"  {line}", file=out)
    print(f"output: {cfg.output}", file=out)
    for name in _layout(cfg, target):
        print(f"  {name}", file=out)


def _print_sample(total: dict, out) -> None:
    """What the sampled records gave, all files together."""
    splits = ", ".join(f"{k} {v:,}" for k, v in sorted(total["output_records"].items())) or "none"
    print(f"sample: {total['input_records']:,} records: {total['accepted_records']:,} accepted "
          f"(written: {splits}), {total['dead_letter_records']:,} dead letters"
          + _reasons(total), file=out)
    if total.get("near_limit_records"):
        print(f"  {total['near_limit_records']:,} written records are over 90% of the "
              "per-record limit", file=out)


def _notes(cfg, target, total: dict, media) -> list[str]:
    """The notes under the plan; `media` is the media step's counts (None: the target has no
    media)."""
    notes = ["record quotas and file sizes are checked on the whole data by the run"]
    notes.append(f"--dedup {cfg.dedup}: the run makes every record whose normalised "
                 "conversation an earlier one holds (input order) a duplicate dead letter; "
                 "duplicates are found over the whole input, so the sample does not look for "
                 "them" if cfg.dedup else "no --dedup: duplicate records are written as they come")
    notes += fields_not_written.notes(total, target.name)   # (of the sampled records)
    if media is not None:
        notes += _media_notes(cfg, media)
    n, dead = total["input_records"], total["dead_letter_records"]
    if assembly_checks.dead_letter_ratio_problems(cfg, total):   # the run's own rule
        notes.append(f"the sample's dead-letter share {dead / n:.1%} is over "
                     f"--max-dead-letter-ratio {cfg.max_dead_letter_ratio:g}: the run would "
                     "likely fail")
    if not total["accepted_records"] and n:
        notes.append("no sampled record was accepted: is --input-format or --target right?")
    return notes


def _media_notes(cfg, media) -> list[str]:
    notes = []
    if media.checked:
        notes.append(f"{media.checked:,} local image(s) checked as the run checks them "
                     "(type by content, the model's limits), none uploaded: the run uploads "
                     "them by content under --image-uri-prefix s3://bucket/folder, which needs "
                     "AWS credentials"
                     + ("" if cfg.image_uri_prefix else " (not given: the run needs it)"))
    if media.skipped:
        notes.append("images are neither checked nor uploaded in a dry run")
    return notes


def _check_output(cfg, overwrite: bool, out) -> int:
    """The run's own check of its output folder, without clearing anything: 2 when the run
    would be refused."""
    try:
        plan = plan_overwrite(cfg.output, overwrite, cfg.image_uri_prefix)
    except UsageError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if plan is not None:
        print(f"note: --overwrite: the run would replace the dataset in {cfg.output}", file=out)
    return 0
