"""report.html's sections below the summary: the run, the input files, the lengths, tool use and
the dead letters with their examples. Every value goes through html_charts.e."""
from __future__ import annotations

import heapq

from tuneprep.transforms.core.records import REASONS, source_text
from tuneprep.transforms.steps.stats import CALL_BUCKETS, NEAR_LIMIT
from tuneprep.transforms.report.html_charts import (
    BLUE, CHOSEN, GREEN, GREY, RED, e, hbar_chart, number, pct, stacked_bar, token_rows, vbar_chart)
from tuneprep.transforms.report.status import CHOSEN_REASONS

FILES_SHOWN = 1000             # input files the per-file table lists (report.json: all)
EXAMPLE_RAW_CHARS = 600        # raw text shown per example (the dead-letter file has more)
TURN_BUCKETS = tuple(str(i) for i in range(1, 10)) + ("10+",)


def _size(n) -> str:
    if not isinstance(n, int):
        return "–"
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:,.1f} {unit}"
    return f"{n:,} B"


def run_html(run: dict) -> str:
    """What run this was: target, model and limits, when and how long, versions, options, and
    the files written with their sizes."""
    if not run:
        return ""
    rows = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in _run_facts(run))
    options = run.get("options") or {}
    opts = "".join(f"<tr><th>{e(k)}</th><td><code>{e(v)}</code></td></tr>"
                   for k, v in options.items() if v not in (None, [], {}, False, ""))
    return ('<h2>The run</h2><div class="grid"><div class="card"><table>' + rows + '</table>'
            + (f'<details><summary>options</summary><table>{opts}</table></details>' if opts else "")
            + '</div>' + _files_written(run.get("files") or []) + '</div>')


def _run_facts(run: dict) -> list[tuple[str, object]]:
    versions = run.get("versions") or {}
    facts = [("target", run.get("target")),
             ("model", (f"{run['model']} ({run.get('model_display')})" if run.get("model_display")
                        else run.get("model")) or "none (no model limits checked)")]
    limit = run.get("record_limit")
    if limit:
        facts.append(("per-record limit", _limit_text(limit)))
    limits = run.get("model_limits") or {}
    if limits:
        facts.append(("model limits", ", ".join(f"{k} {v:,}" if isinstance(v, int) else f"{k} {v:g}"
                                                for k, v in limits.items())))
    if run.get("started"):
        facts.append(("started", f"{run['started']} (UTC)"))
    if run.get("duration_seconds") is not None:
        facts.append(("duration", f"{run['duration_seconds']:,.1f} s"))
    facts.append(("versions", ", ".join(f"{k} {v}" for k, v in versions.items()) or "–"))
    return facts


def _limit_text(limit: dict) -> str:
    margin = limit.get("token_margin") or 0
    return (f"{limit['tokens']:,} tokens ({limit.get('from')}) ≈ "
            f"{limit['tokens'] * limit['chars_per_token']:,.0f} characters at "
            f"{limit['chars_per_token']:g} characters a token, "
            + (f"less the {margin:.0%} margin: " if margin else "no margin: ")
            + f"{limit['characters']:,} characters")


def _files_written(files: list[dict]) -> str:
    file_rows = "".join(f'<tr><td class="path">{e(f.get("path"))}</td>'
                        f'<td class="n">{number(f.get("records")) if f.get("records") is not None else "–"}</td>'
                        f'<td class="n">{_size(f.get("bytes"))}</td></tr>' for f in files)
    return ('<div class="card"><b>Files written</b><table><tr><th>file</th>'
            '<th class="n">records</th><th class="n">size</th></tr>'
            + (file_rows or '<tr><td colspan="3" class="muted">no data file</td></tr>')
            + '</table><p class="muted">With report.json, report.html and manifest.json (every '
              'file with its sha256).</p></div>')


def files_html(files: dict) -> str:
    """The per-file table: every file up to FILES_SHOWN, else the FILES_SHOWN with the most
    dead letters and one line for the rest (report.json lists them all): at 390 bytes a row
    the page of 400,000 files would be 150 MB, and building it cost the run ~2 KB a file."""
    if not files:
        return ""
    sampling = any("sampled_out_records" in f for f in files.values())
    head = ('<tr><th>input file</th><th>adapter</th><th class="n">records in</th>'
            '<th class="n">accepted</th><th class="n">dead letters</th>'
            + ('<th class="n">sampled out</th>' if sampling else "") + '<th></th></tr>')
    shown, intro, more = files.items(), "", len(files) - FILES_SHOWN
    if more > 0:   # (nsmallest holds FILES_SHOWN rows, not a sorted copy of every file)
        shown = heapq.nsmallest(FILES_SHOWN, enumerate(files.items()),
                                key=lambda row: (-row[1][1].get("dead_letter_records", 0),
                                                 row[0]))
        shown = [item for _, item in shown]
        intro = (f'<p class="muted">The {FILES_SHOWN:,} of {len(files):,} files with the most '
                 "dead letters.</p>")
    rows = [_file_row(uri, f, sampling) for uri, f in shown]
    if more > 0:
        rows.append(f'<tr><td colspan="{6 + sampling}" class="muted">and {more:,} more '
                    f"files: see report.json</td></tr>")
    return (f'<h2>Records in and out, per source file</h2><div class="card">{intro}'
            f'<table>{head}{"".join(rows)}</table></div>')


def _file_row(uri: str, f: dict, sampling: bool) -> str:
    n_in, ok, bad = (f.get("input_records", 0), f.get("accepted_records", 0),
                     f.get("dead_letter_records", 0))
    left = f.get("sampled_out_records", 0) or 0
    return (f'<tr><td class="path">{e(uri)}</td><td>{e(f.get("adapter") or "none")}</td>'
            f'<td class="n">{number(n_in)}</td><td class="n">{number(ok)}</td>'
            f'<td class="n">{number(bad)} <span class="muted">({pct(bad, n_in)})</span></td>'
            + (f'<td class="n">{number(left)}</td>' if sampling else "")
            + f'<td>{stacked_bar([(ok, GREEN), (bad, RED), (left, CHOSEN)])}</td></tr>')


def lengths_html(report: dict, limit_tokens: int | None, written: int, near: int) -> str:
    chars = report.get("chars", {}) or {}
    rows, marker = token_rows(report.get("tokens_histogram", {}) or {}, limit_tokens)
    if limit_tokens:
        note = (f"Estimated tokens per output record against the model's limit of "
                f"{limit_tokens:,} tokens. {near:,} of {written:,} records ({pct(near, written)}) "
                f"are over {NEAR_LIMIT:.0%} of the per-record limit; records over it are dead "
                f"letters <code>too_long</code>.")
    elif (report.get("run") or {}).get("model"):
        note = (f"Estimated tokens per output record ({e(report['run']['model'])} sets no "
                "per-record token limit; --max-tokens sets one).")
    else:
        note = "Estimated tokens per output record (no model limit: choose one with --model)."
    if chars.get("count"):
        mean = chars["sum"] / chars["count"]
        note += (f" Characters per record: min {chars['min']:,}, mean {mean:,.0f}, "
                 f"max {chars['max']:,}.")
    note += _token_counts_note(report)
    turns = report.get("turns_histogram", {}) or {}
    turn_rows = [(b, turns.get(b, 0), BLUE) for b in TURN_BUCKETS]
    while turn_rows and not turn_rows[-1][1]:
        turn_rows.pop()
    extra = sorted(set(turns) - set(TURN_BUCKETS))   # unexpected labels still show
    turn_rows += [(b, turns[b], BLUE) for b in extra]
    return ('<h2>Lengths</h2><div class="grid">'
            f'<div class="card"><b>Estimated tokens per record</b>'
            f'{vbar_chart(rows, marker=marker)}<p class="muted">{note}</p></div>'
            f'<div class="card"><b>Turns per conversation</b>{vbar_chart(turn_rows)}'
            '<p class="muted">Turns in the canonical record, system turns included; plain '
            'documents have none.</p></div></div>' + _read_lengths(report, limit_tokens))


def _read_lengths(report: dict, limit_tokens: int | None) -> str:
    """Under --sample-to-quota the charts above count what was written; these count every
    accepted record read, before the down-sample left some out."""
    read = report.get("read") or {}
    if not read:
        return ""
    rows, marker = token_rows(read.get("tokens_histogram", {}) or {}, limit_tokens)
    turns = read.get("turns_histogram", {}) or {}
    turn_rows = [(b, turns.get(b, 0), GREY) for b in TURN_BUCKETS]
    while turn_rows and not turn_rows[-1][1]:
        turn_rows.pop()
    count = (read.get("chars") or {}).get("count") or 0
    return ('<div class="grid">'
            f'<div class="card"><b>Estimated tokens per record, as read</b>'
            f'{vbar_chart([(b, v, GREY) for b, v, _ in rows], marker=marker)}'
            f'<p class="muted">All {count:,} accepted output records read, before '
            '--sample-to-quota kept the quota: the charts above count what was written.</p></div>'
            f'<div class="card"><b>Turns per conversation, as read</b>{vbar_chart(turn_rows)}'
            '<p class="muted">Before the down-sample.</p></div></div>')


def tool_use_html(use: dict, written: int) -> str:
    """Records with tool definitions, calls per record and reasoning (only when any has them)."""
    if not use:
        return ""
    calls = use.get("calls_histogram", {}) or {}
    rows = [(bucket, calls.get(bucket, 0), BLUE) for bucket in CALL_BUCKETS]
    with_tools = use.get("records_with_tools", 0)
    reasoning = use.get("records_with_reasoning", 0)
    return ('<h2>Tool use and reasoning</h2><div class="grid"><div class="card">'
            f'<b>Tool calls per record</b>{vbar_chart(rows)}<p class="muted">'
            f'{with_tools:,} of {written:,} written records ({pct(with_tools, written)}) define '
            f'tools; {use.get("records_with_calls", 0):,} call one, '
            f'{use.get("tool_calls", 0):,} calls in all. Records with tools or calls only.</p>'
            f'</div><div class="card"><b>Reasoning</b><p>{reasoning:,} written records '
            f'({pct(reasoning, written)}) hold reasoning on an assistant turn.</p></div></div>')


def dead_letters_html(report: dict, examples: dict) -> str:
    reasons = report.get("dead_letter_reasons", {}) or {}
    if not reasons:
        return '<h2>Dead letters</h2><div class="card">No record was refused.</div>'
    ordered = sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))
    stages = report.get("dead_letter_stages", {}) or {}
    out = ['<h2>Dead letters, by reason</h2><div class="card">',
           hbar_chart([(reason, count, CHOSEN if reason in CHOSEN_REASONS else RED)
                       for reason, count in ordered]),
           '<p class="muted">By stage: ' + e(", ".join(f"{k} {v:,}" for k, v in stages.items()))
           + ". Every refused record is in <code>dead_letter/dead_letter.jsonl</code>"
           + ("; records left out by a choice (grey: <code>not_selected</code> by "
              "--records-with / --records-without, <code>duplicate</code> by --dedup) are kept "
              "there with their reason"
              if any(r in reasons for r in CHOSEN_REASONS) else "") + ".</p></div>"]
    for reason, count in ordered:
        out.append(f'<div class="card"><details open><summary><code>{e(reason)}</code>: '
                   f'{count:,} record(s) <span class="muted">— {e(REASONS.get(reason, ""))}'
                   f'</span></summary>')
        shown = examples.get(reason, [])
        if not shown:
            out.append('<p class="muted">no example kept</p>')
        for ex in shown:
            source = ex.get("source") or {}
            raw = ex.get("raw")
            raw = "" if raw is None else str(raw)
            if len(raw) > EXAMPLE_RAW_CHARS:
                raw = raw[:EXAMPLE_RAW_CHARS] + f"… ({len(raw):,} characters kept in the file)"
            out.append(f'<p><span class="path"><code>{e(source_text(source))}</code></span>'
                       f' <span class="muted">[{e(ex.get("stage"))}]</span> '
                       f'{e(ex.get("message"))}</p><pre>{e(raw)}</pre>')
        out.append("</details></div>")
    return "".join(out)


def _token_counts_note(report: dict) -> str:
    """Which token counts are exact and which estimated (report.json "token_counts")."""
    counts = report.get("token_counts") or {}
    if counts.get("limit") == "exact":
        return (f" The per-record limit was checked on tokens counted exactly with the "
                f"{e(counts.get('tokenizer', ''))} tokenizer ({e(counts.get('counted', ''))}); "
                f"the chart's counts are {e(counts.get('histogram', 'estimated'))}.")
    if str(counts.get("limit", "")).startswith("estimated"):
        return f" The per-record limit was checked on tokens {e(counts['limit'])}, as is the chart."
    return ""

