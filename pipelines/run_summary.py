"""What `tuneprep run` prints when the job has ended: the summary line of its report, the
warnings not printed at launch, and the next step (training-request.json)."""
from __future__ import annotations

import sys

import orjson

from tuneprep.transforms.io import storage
from tuneprep.transforms.core.layout import (DEAD_LETTER_FOLDER, MANIFEST, REPORT_HTML, REPORT_JSON,
                                           SAMPLED_OUT_FOLDER, SUCCESS, TRAINING_REQUEST)
from tuneprep.transforms.report import fields_not_written, skipped_inputs
from tuneprep.transforms.report.status import advice_warnings, summary_note


def summarize(cfg, complete: bool | None = None) -> int:
    """The summary of a finished run (stdout), its warnings and errors (stderr); its exit code.
    complete: whether the launcher wrote _SUCCESS (None: look). With _SUCCESS written the exit
    code is 0 whatever the store answers now: the two must agree."""
    if not complete:
        return _summarize(cfg, complete)
    try:
        return _summarize(cfg, complete)
    except Exception as e:
        if storage.failure(e) is None:
            raise
        print(f"warning: the dataset is complete ({SUCCESS}), but its report could not be read "
              f"back: {storage.failure(e)}", file=sys.stderr)
        print(f"dataset: {cfg.output}")
        return 0


def _summarize(cfg, complete: bool | None) -> int:
    report_uri = storage.join(cfg.output, REPORT_JSON)
    if not storage.exists(report_uri):
        print(f"error: the run ended without a report at {report_uri}", file=sys.stderr)
        return 1
    with storage.open_read(report_uri) as f:
        report = orjson.loads(f.read())
    print(summary_line(report))
    for line in advice_warnings(report):   # many dead letters: the top reasons, their fixes
        print(f"warning: {line}", file=sys.stderr)
    for warning in [w for w in report.get("warnings", [])
                    if w not in cfg.input_warnings]:   # (those were printed at launch)
        print(f"warning: {warning}", file=sys.stderr)
    unwritten = fields_not_written.note(report, cfg.target)   # fields with no place to go
    if unwritten:
        print(f"note: {unwritten}", file=sys.stderr)
    ok = complete if complete is not None else storage.exists(storage.join(cfg.output, SUCCESS))
    if ok:
        print(f"dataset: {cfg.output} ({REPORT_HTML}, {REPORT_JSON}, {MANIFEST}, "
              f"{DEAD_LETTER_FOLDER}/"
              + (f", {SAMPLED_OUT_FOLDER}/" if report.get("sampled_out_records") else "") + ")")
        print_next_step(cfg)
        return 0
    for err in report.get("errors", []):
        print(f"error: {err}", file=sys.stderr)
    print(f"error: the dataset at {cfg.output} is not complete (no {SUCCESS})", file=sys.stderr)
    return 1


def summary_line(report: dict) -> str:
    """records in = accepted + dead letters + sampled out; what was written, or that nothing
    was (a failed run writes no data, whatever it accepted)."""
    splits = ", ".join(f"{k} {v:,}" for k, v in sorted(report["output_records"].items()))
    if not splits and report.get("status") == "failed":
        splits = "nothing (the run failed)"
    reasons = ", ".join(f"{k} {v:,}" for k, v in sorted(report["dead_letter_reasons"].items()))
    sampled = report.get("sampled_out_records") or 0
    return (f"records in: {report['input_records']:,}; accepted: {report['accepted_records']:,}; "
            f"written: {splits or 'none'}; dead letters: {report['dead_letter_records']:,}"
            + (f" ({reasons})" if reasons else "")
            + (f"; sampled out: {sampled:,} (--sample-to-quota)" if sampled else "")
            + skipped_inputs.summary_note(report)
            + summary_note(report))


def print_next_step(cfg) -> None:
    """One line naming training-request.json, when the run wrote one."""
    uri = storage.join(cfg.output, TRAINING_REQUEST)
    if not storage.exists(uri):
        return
    with storage.open_read(uri) as f:
        request = orjson.loads(f.read())
    todo = len(request.get("placeholders", []))
    print(f"next step: {uri} (the {request['api']} request"
          + (f"; fill in its {todo} <...> placeholders" if todo else "") + ")")
