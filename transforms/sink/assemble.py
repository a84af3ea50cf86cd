"""Turn the per-batch part files (parts.py) into the dataset layout (docs/design.md §5-6), then
the manifest, the report, the training request (training-request.json) and `_SUCCESS` (last).
Pure Python over fsspec; runs once, after every part exists.

The steps, each in its own module: quota_sample.py (--sample-to-quota), assembly_checks.py (what
fails the run), split_files.py (a split's files and shards; shards.py in parallel),
output_files.py (counted, hashed files), run_report.py (report.json's accounting).
"""
from __future__ import annotations

import orjson

from tuneprep.transforms.steps.process import DEAD_LETTER, TRAIN, VALIDATION
from tuneprep.transforms.sink import assembly_checks, claim, quota_sample, training_request
from tuneprep.transforms.sink.dataset_folder import manifest_identity
from tuneprep.transforms.core.layout import (DEAD_LETTER_FILE, MANIFEST, REPORT_HTML, REPORT_JSON,
                                           SAMPLED_OUT_FILE, SAMPLED_OUT_FOLDER, SUCCESS,
                                           TEMPORARY, TRAINING_REQUEST)
from tuneprep.transforms.sink.output_files import DeadLetterFile, OutputFile, file_entry
from tuneprep.transforms.sink.parts import by_kind, copied
from tuneprep.transforms.core.redaction import redact_all
from tuneprep.transforms.sink.run_report import build_report, with_media_warnings
from tuneprep.transforms.sink.split_files import shard_notes, side_files, write_split
from tuneprep.transforms.sink.staged_files import commit, write_staged
from tuneprep.transforms.io.storage import join, open_read, remove_tree, write_bytes
from tuneprep.transforms.report import html as report_html
from tuneprep.transforms.report import status as run_status
from tuneprep.transforms.report.run import run_section
from tuneprep.transforms.targets import get_target, run_context


def assemble(cfg, parts: list, stats: dict, manifest_extra: dict,
             candidates: dict[str, list] | None = None, started: float | None = None,
             written: dict[str, list[dict]] | None = None) -> dict:
    """Writes the dataset and returns the report. A failed check (quota, file size, nothing
    accepted) still writes the report and the dead letters, but no data and no _SUCCESS.

    `candidates`: under --sample-to-quota, split -> the smallest candidates the run's combine
    kept (transforms/steps/sampling.py); without it they are read back from the parts.
    `started`: when the run started (seconds since the epoch), for the report's `run` section.
    `written`: split -> the manifest entries of its files, written already by parallel tasks
    (transforms/sink/shards.py); the other splits are written here."""
    if cfg.claimed:
        claim.check(cfg.output, cfg.run_id)
    target = get_target(cfg.target)
    kinds = by_kind(parts)
    counts = {k: sum(p.records for p in v) for k, v in kinds.items()}
    sample = quota_sample.choose(cfg, kinds, counts, candidates)
    errors = assembly_checks.before_writing(cfg, target, counts, sample.sampled, stats)
    if errors:   # splits the parallel tasks wrote (transforms/sink/shards.py) are not a dataset
        for split in (written or {}):
            remove_tree(join(cfg.output, split))
    dead_out = _copy_dead_letters(cfg, kinds.get(DEAD_LETTER, []))
    files = []
    if not errors:
        files, size_errors = _write_data(cfg, target, kinds, sample.keeps, written or {})
        errors += size_errors
    files.insert(0, dead_out.close())
    report = _write_report(cfg, stats, sample, errors, dead_out.examples, manifest_extra, files,
                           started)
    if not errors:   # the next step, beside the data (and in the manifest), before _SUCCESS
        files += _write_training_request(cfg, target, files)
    manifest = redact_all({**manifest_identity(cfg.run_id), "files": files, **manifest_extra})
    write_staged(cfg, MANIFEST,
                 orjson.dumps(manifest, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
    commit(cfg, [f["path"] for f in files] + [REPORT_JSON, MANIFEST])
    remove_tree(join(cfg.output, TEMPORARY))
    if cfg.success_by_launcher:   # this step may yet fail or run again: the launcher decides
        return report
    if cfg.claimed:
        claim.release(cfg.output)
    if not errors:
        write_bytes(join(cfg.output, SUCCESS), b"")
    return report


def _copy_dead_letters(cfg, parts: list) -> DeadLetterFile:
    dead_out = DeadLetterFile(cfg, DEAD_LETTER_FILE)
    for part in parts:
        with open_read(part.uri) as f:
            for line in f:
                dead_out.write(line)
        copied(cfg, part)
    return dead_out


def _write_data(cfg, target, kinds: dict, keeps: dict, written: dict) -> tuple[list, list]:
    """The splits' files (and sampled_out/), with their manifest entries; or none and the size
    problems when a file is over the model's limit."""
    files = []
    sampled_out = OutputFile(cfg, SAMPLED_OUT_FILE) if keeps else None
    for split in (TRAIN, VALIDATION):
        if kinds.get(split) and split in written:   # written by parallel tasks
            files += written[split] + side_files(cfg, target, split)
        elif kinds.get(split):
            files += write_split(cfg, target, split, kinds[split], keeps.get(split), sampled_out)
    if sampled_out is not None:
        files.insert(0, sampled_out.close())
    size_errors = assembly_checks.file_size_problems(cfg, target, files)
    if size_errors:  # a failed run leaves no data that could be taken for a dataset
        for split in (TRAIN, VALIDATION, SAMPLED_OUT_FOLDER):
            remove_tree(join(cfg.output, split))
        return [], size_errors
    return files, []


def _write_report(cfg, stats: dict, sample, errors: list[str], examples: dict,
                  manifest_extra: dict, files: list[dict], started: float | None) -> dict:
    """report.json and report.html (its manifest entry appended to `files`)."""
    report = run_status.mark(build_report(stats, sample.sampled, sample.sampled_files, errors,
                                          sample.kept, cfg), examples)
    report["run"] = run_section(cfg, manifest_extra, files, started)   # what run this was
    if cfg.input_warnings:   # files the input listing skipped or read once, named in the report
        report["warnings"] = list(cfg.input_warnings)
    report["skipped_inputs"] = list(cfg.skipped_inputs)   # not read: not in input_records
    if notes := shard_notes(cfg, report["output_records"]):   # --num-shards over the records
        report.setdefault("warnings", []).extend(notes)
    report = redact_all(with_media_warnings(cfg, report))
    write_staged(cfg, REPORT_JSON, orjson.dumps(report, option=orjson.OPT_INDENT_2))
    page = report_html.render(report, examples, run_context.max_tokens(cfg)).encode()
    write_staged(cfg, REPORT_HTML, page)
    files.append(file_entry(REPORT_HTML, page))
    return report


def _write_training_request(cfg, target, files: list[dict]) -> list[dict]:
    """training-request.json (transforms/sink/training_request.py): its manifest entry, or none
    for a target no request is known for."""
    data = [f["path"] for f in files if f["path"].endswith(".jsonl")
            and f["path"].split("/", 1)[0] in (TRAIN, VALIDATION)]
    request = training_request.training_request(target, run_context.model_spec(cfg),
                                                cfg.output, data, cfg.validation_split)
    if request is None:
        return []
    body = orjson.dumps(redact_all(request), option=orjson.OPT_INDENT_2) + b"\n"
    write_staged(cfg, TRAINING_REQUEST, body)
    return [file_entry(TRAINING_REQUEST, body)]
