"""report.json's accounting: input = accepted + dead letters + sampled out, in all and per file;
the figures (lengths, turns, tool use, preference pairs, RFT prompts) of what was written; the
warning about media in other buckets. Pure Python: assemble.py writes what this returns."""
from __future__ import annotations

from tuneprep.transforms.steps import preference_stats, sampling
from tuneprep.transforms.steps import stats as st
from tuneprep.transforms.io.storage import bucket_of, is_s3
from tuneprep.transforms.report import status as run_status
from tuneprep.transforms.targets import run_context


def with_media_warnings(cfg, report: dict) -> dict:
    """Sorts the media buckets and warns when media live outside the dataset's bucket: the
    training job's service role must then be allowed to read those buckets too."""
    buckets = report.get("media_buckets")
    if not buckets:
        return report
    report["media_buckets"] = dict(sorted(buckets.items()))
    if is_s3(cfg.output):
        home = bucket_of(cfg.output)
        others = {b: n for b, n in sorted(buckets.items()) if b != home}
        if others:
            where = ", ".join(f"s3://{b} ({n:,})" for b, n in others.items())
            report.setdefault("warnings", []).append(
                f"{sum(others.values()):,} media references are in another bucket than the "
                f"dataset's (s3://{home}): {where}; the training job's role needs s3:GetObject "
                "there too")
    return report


def build_report(stats: dict, sampled: dict, sampled_files: dict, errors: list[str],
            kept: dict | None = None, cfg=None) -> dict:
    """The accounting: input = accepted + dead letters + sampled out, in all and per file.
    Records --sample-to-quota left out were chosen, not refused: they are accepted records no
    longer, and no dead letters either. A failed run wrote no data: its output_records are
    empty, and what it would have written is `not_written_records`."""
    # (a copy of everything but the per-file counts: those are the bulk, one entry a file)
    report = st.merge(st.new_stats(), {k: v for k, v in stats.items() if k != "files"})
    by_split = report.pop("by_split", None) or {}
    n_sampled = sum(sampled.values())
    report["sampled_out_records"] = n_sampled
    if n_sampled:
        read = sampling.figures(report)
        written = _written_figures(by_split, kept or {}, cfg)
        if written is not None:   # the figures count what was written, and apart what was read
            report.update(written)
            report["read"] = _sorted_figures(read)
        report["accepted_records"] -= n_sampled
        for split, n in sampled.items():
            report["output_records"][split] -= n
    report["files"] = _files(stats.get("files") or {}, sampled_files if n_sampled else None)
    # the runner may merge statistics in any order: sort what is keyed by name
    for key in ("dead_letter_reasons", "dead_letter_stages", "output_records"):
        report[key] = dict(sorted(report[key].items()))
    report.update(_sorted_figures(report))
    report["status"] = run_status.FAILED if errors else run_status.SUCCEEDED   # (mark: many)
    report["errors"] = errors
    if errors and any(report["output_records"].values()):
        report["not_written_records"] = report["output_records"]
        report["output_records"] = {}
    ordered = {k: report.pop(k) for k in ("status", "errors", "input_records", "accepted_records",
                                          "output_records", "dead_letter_records",
                                          "dead_letter_reasons", "sampled_out_records")}
    return {**ordered, **report}


def _files(files: dict, sampled_files: dict | None) -> dict:
    """The per-file counts sorted by name, built once: a file's own counts are shared with
    `files` (not copied) unless --sample-to-quota left some of its records out, in which case
    its sampled_out_records are counted (per file once any file's were)."""
    out = {}
    for uri in sorted(files):
        f = files[uri]
        if sampled_files is not None:
            f = {**f, "sampled_out_records": sampled_files.get(uri, 0)}
            f["accepted_records"] -= f["sampled_out_records"]
        out[uri] = f
    return out


def _sorted_figures(figures: dict) -> dict:
    out = dict(figures)
    if "tokens_histogram" in out:
        out["tokens_histogram"] = {name: out["tokens_histogram"][name] for name in st.BUCKET_NAMES
                                   if name in out["tokens_histogram"]}
    if "turns_histogram" in out:
        out["turns_histogram"] = dict(sorted(out["turns_histogram"].items(),
                                             key=lambda kv: int(kv[0].rstrip("+"))))
    pairs = out.get(preference_stats.PREFERENCES_KEY)
    if pairs:
        out[preference_stats.PREFERENCES_KEY] = {
            **pairs, "chosen": _sorted_figures(pairs["chosen"]),
            "rejected": _sorted_figures(pairs["rejected"])}
    rft = out.get(preference_stats.RFT_KEY)
    if rft:
        out[preference_stats.RFT_KEY] = {**rft, st.GRADER_FIELDS: dict(sorted(
            (rft.get(st.GRADER_FIELDS) or {}).items()))}
    return out


def _written_figures(by_split: dict, kept: dict, cfg) -> dict | None:
    """Lengths, turns and tool use of the written records: a sampled split's from the kept
    candidates' measures, another split's as it was read. None when the measures are unknown."""
    if cfg is None:
        return None
    written = sampling.empty_figures()
    for split, figures in by_split.items():
        if split not in kept:
            st.merge(written, figures)
    for split, entries in kept.items():
        measures = [m for _, _, _, m in entries]
        if any(m is None for m in measures):
            return None
        sampling.add_measures(written, measures, cfg.chars_per_token,
                               run_context.target_context(cfg).max_chars)
    return written
