"""report.json → report.html: one self-contained page a person can read at a glance. Pure Python.

    render(report: dict, examples: dict[str, list[dict]], limit_tokens: int | None) -> str

`examples` holds a few dead-letter lines (parsed) per reason code. Record text is untrusted: every
string taken from the report or the data goes through `html.escape`, the page holds no <script>,
and a Content-Security-Policy forbids scripts, network requests and external resources, so the
file renders the same offline and nothing in the data can run. Charts are inline SVG drawn here.
"""
from __future__ import annotations

import html
import math

from tuneprep.transforms.core.progress import compact
from tuneprep.transforms.core.records import REASONS, source_text
from tuneprep.transforms.core.stats import CALL_BUCKETS, NEAR_LIMIT, TOKEN_BUCKETS
from tuneprep.transforms.report import skipped_inputs
from tuneprep.transforms.report.status import BADGES, CHOSEN_REASONS, FAILED, advice_html

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
EXAMPLE_RAW_CHARS = 600        # raw text shown per example (the dead-letter file has more)
TURN_BUCKETS = tuple(str(i) for i in range(1, 10)) + ("10+",)

GREEN, RED, BLUE, AMBER, GREY = "#2e7d4f", "#c0392b", "#3b6fb6", "#d98e04", "#9aa5b1"
# records left out by the user's own choice (--sample-to-quota, --records-with/-without), not
# refused: a neutral colour, never the dead letters' red
CHOSEN = "#8e9aaf"

_STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1f2933;
background:#f5f7fa}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 10px}
.sub{color:#52606d;margin:0 0 16px}
.badge{display:inline-block;padding:2px 10px;border-radius:12px;color:#fff;font-size:13px;
vertical-align:middle;margin-left:8px}
.ok{background:#2e7d4f}.bad{background:#c0392b}.many{background:#d98e04}
.tiles{display:flex;flex-wrap:wrap;gap:12px}
.tile{background:#fff;border:1px solid #d9e2ec;border-radius:8px;padding:10px 14px;flex:1 1 0;
min-width:110px}
.tile b{display:block;font-size:22px;white-space:nowrap}.tile small{font-size:13px;color:#52606d}.tile span{color:#52606d;font-size:12px}
.card{background:#fff;border:1px solid #d9e2ec;border-radius:8px;padding:14px 16px;margin-bottom:12px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #e4e7eb;vertical-align:top}
th{color:#52606d;font-weight:600;font-size:12px}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
td.path{word-break:break-all;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
pre{white-space:pre-wrap;word-break:break-all;background:#f0f4f8;border-radius:4px;padding:6px 8px;
margin:4px 0 10px;font-size:12px;max-height:160px;overflow:auto}
.errors{background:#fdecea;border:1px solid #f5b7b1;border-radius:8px;padding:10px 16px}
.warnings{background:#fef9e7;border:1px solid #f9e79f;border-radius:8px;padding:10px 16px}
.muted{color:#7b8794}
.grid{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:12px}
td.n{white-space:nowrap}
details summary{cursor:pointer;font-weight:600}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
svg text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
"""


def e(value) -> str:
    """Escaped text of any value: the one way data reaches the page."""
    return html.escape("" if value is None else str(value), quote=True)


def _n(value) -> str:
    return f"{value:,}" if isinstance(value, int) else e(value)


def _pct(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "–"


# ---------------------------------------------------------------- charts (inline SVG)

def hbar_chart(rows: list[tuple[str, int, str]], width: int = 640, bar: int = 20,
               label_width: int = 170) -> str:
    """Horizontal bars: (label, value, colour) per row, the value printed after the bar."""
    if not rows:
        return '<p class="muted">nothing to show</p>'
    top = max(v for _, v, _ in rows) or 1
    room = width - label_width - 70
    height = len(rows) * (bar + 6) + 4
    out = [_svg_open(width, height)]
    for i, (label, value, colour) in enumerate(rows):
        y = i * (bar + 6) + 2
        w = max(1.0, room * value / top) if value else 0
        short = label if len(label) <= 26 else label[:25] + "…"
        out.append(f'<text x="{label_width - 6}" y="{y + bar * 0.72:.1f}" text-anchor="end" '
                   f'font-size="12" fill="#1f2933">{e(short)}<title>{e(label)}</title></text>'
                   f'<rect x="{label_width}" y="{y}" width="{w:.1f}" height="{bar}" rx="3" '
                   f'fill="{colour}"><title>{e(label)}: {value:,}</title></rect>'
                   f'<text x="{label_width + w + 6:.1f}" y="{y + bar * 0.72:.1f}" font-size="12" '
                   f'fill="#52606d">{value:,}</text>')
    out.append("</svg>")
    return "".join(out)


def vbar_chart(rows: list[tuple[str, int, str]], width: int = 520, height: int = 200,
               marker: tuple[float, str] | None = None) -> str:
    """Vertical bars (a histogram): (bucket label, count, colour). `marker` = (position in bars,
    label) draws a dashed vertical line, e.g. the model's limit between two buckets."""
    if not rows:
        return '<p class="muted">nothing to show</p>'
    top = max(v for _, v, _ in rows) or 1
    left, bottom, head = 8, 34, (34 if marker is not None else 18)
    plot_h = height - bottom - head
    step = (width - 2 * left) / len(rows)
    bar = step * 0.78
    out = [_svg_open(width, height),
           f'<line x1="{left}" y1="{head + plot_h}" x2="{width - left}" y2="{head + plot_h}" '
           f'stroke="{GREY}"/>']
    for i, (label, value, colour) in enumerate(rows):
        x = left + i * step + (step - bar) / 2
        h = plot_h * value / top if value else 0
        if value and h < 1.5:
            h = 1.5
        y = head + plot_h - h
        out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" rx="2" '
                   f'fill="{colour}"><title>{e(label)}: {value:,}</title></rect>')
        if value:
            out.append(f'<text x="{x + bar / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" '
                       f'font-size="11" fill="#52606d">{compact(value, thousands_digits=0)}</text>')
        out.append(f'<text x="{x + bar / 2:.1f}" y="{head + plot_h + 14}" text-anchor="middle" '
                   f'font-size="{10 if len(rows) > 9 else 11}" fill="#1f2933">{e(label)}</text>')
    if marker is not None:
        pos, text = marker
        x = left + pos * step
        anchor = "end" if pos > len(rows) * 0.6 else "start"
        dx = -4 if anchor == "end" else 4
        out.append(f'<line x1="{x:.1f}" y1="{head - 14}" x2="{x:.1f}" y2="{head + plot_h}" '
                   f'stroke="{RED}" stroke-width="2" stroke-dasharray="5 3"/>'
                   f'<text x="{x + dx:.1f}" y="{head - 18}" text-anchor="{anchor}" font-size="11" '
                   f'fill="{RED}">{e(text)}</text>')
    out.append("</svg>")
    return "".join(out)


def _svg_open(width: int, height: int) -> str:
    """A chart that shrinks with its column and never grows past its drawn size."""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="100%" style="max-width:{width}px;height:auto" role="img">')


def stacked_bar(parts: list[tuple[int, str]], width: int = 160, height: int = 12) -> str:
    total = sum(v for v, _ in parts)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}">',
           f'<rect width="{width}" height="{height}" rx="2" fill="#e4e7eb"/>']
    x = 0.0
    for value, colour in parts:
        if total and value:
            w = width * value / total
            out.append(f'<rect x="{x:.1f}" width="{w:.1f}" height="{height}" fill="{colour}"/>')
            x += w
    out.append("</svg>")
    return "".join(out)


def _bound_label(n: int) -> str:
    """Token bucket bounds are powers of two: 1024 reads better as 1k than as 1,024."""
    return f"{n // 1024}k" if n >= 1024 and n % 1024 == 0 else f"{n:,}"




# ---------------------------------------------------------------- token histogram

def _bucket_bound(label: str) -> float:
    return float(label[2:]) if label.startswith("<=") else math.inf


def token_rows(histogram: dict, limit_tokens: int | None) -> tuple[list, tuple | None]:
    """Every bucket from the first to the last non-empty one (and up to the limit), coloured by
    whether it is under, near or over the limit; plus the limit marker's position."""
    labels = [f"<={b}" for b in TOKEN_BUCKETS] + [f">{TOKEN_BUCKETS[-1]}"]
    used = [i for i, label in enumerate(labels) if histogram.get(label)]
    if not used:
        return [], None
    first, last = used[0], used[-1]
    limit_index = None
    if limit_tokens:
        limit_index = next((i for i, b in enumerate(TOKEN_BUCKETS) if limit_tokens <= b),
                           len(TOKEN_BUCKETS))
        last = max(last, min(limit_index + 1, len(labels) - 1))
        first = min(first, limit_index)
    rows = []
    for i in range(first, last + 1):
        label = labels[i]
        colour = BLUE
        if limit_tokens:
            upper = _bucket_bound(label)
            lower = 0 if i == 0 else TOKEN_BUCKETS[i - 1]
            if lower >= limit_tokens:
                colour = RED
            elif upper > NEAR_LIMIT * limit_tokens:
                colour = AMBER
        rows.append(("≤" + _bound_label(int(label[2:])) if label.startswith("<=")
                     else ">" + _bound_label(TOKEN_BUCKETS[-1]), histogram.get(label, 0), colour))
    marker = None
    if limit_tokens and limit_index is not None:
        lower = 0 if limit_index == 0 else TOKEN_BUCKETS[limit_index - 1]
        upper = TOKEN_BUCKETS[limit_index] if limit_index < len(TOKEN_BUCKETS) else lower * 2
        pos = (limit_index - first) + (limit_tokens - lower) / (upper - lower)
        marker = (pos, f"model limit {limit_tokens:,} tokens")
    return rows, marker


# ---------------------------------------------------------------- the page

def render(report: dict, examples: dict[str, list[dict]], limit_tokens: int | None) -> str:
    status = report.get("status", "unknown")
    n_in = report.get("input_records", 0) or 0
    accepted = report.get("accepted_records", 0) or 0
    dead = report.get("dead_letter_records", 0) or 0
    sampled = report.get("sampled_out_records", 0) or 0
    outputs = report.get("output_records", {}) or {}
    chars = report.get("chars", {}) or {}
    written = chars.get("count") or sum(outputs.values())
    near = report.get("near_limit_records", 0) or 0
    body = []

    badge = BADGES.get(status, "bad")
    body.append(f'<h1>tuneprep dataset report<span class="badge {badge}">{e(status)}</span></h1>')
    body.append(f'<p class="sub">{n_in:,} records read from {len(report.get("files", {})):,} '
                f'file(s): {accepted:,} accepted, {dead:,} dead letters ({_pct(dead, n_in)})'
                + (f', {sampled:,} sampled out ({_pct(sampled, n_in)}, --sample-to-quota)'
                   if sampled else "") + '.</p>')
    if report.get("errors"):
        items = "".join(f"<li>{e(err)}</li>" for err in report["errors"])
        body.append(f'<div class="errors"><b>The run failed:</b><ul>{items}</ul></div>')
    if report.get("warnings"):
        items = "".join(f"<li>{e(text)}</li>" for text in report["warnings"])
        body.append(f'<div class="warnings"><b>Warnings:</b><ul>{items}</ul></div>')
    body.append(skipped_inputs.html_section(report))
    body.append(advice_html(report))

    tiles = [("records in", f"{n_in:,}"), ("accepted", f"{accepted:,}")]
    tiles += [(f"written: {split}", f"{count:,}") for split, count in outputs.items()]
    if not outputs and status == FAILED:   # a failed run writes no data
        tiles.append(("written", "nothing"))
    tiles.append(("dead letters", f"{dead:,} <small>{_pct(dead, n_in)}</small>"))
    if sampled:
        tiles.append(("sampled out", f"{sampled:,} <small>{_pct(sampled, n_in)}</small>"))
    if limit_tokens:
        tiles.append((f"near the limit (>{NEAR_LIMIT:.0%})",
                      f"{near:,} <small>{_pct(near, written)}</small>"))
    body.append('<div class="tiles">' + "".join(
        f'<div class="tile"><b>{value}</b><span>{e(name)}</span></div>'
        for name, value in tiles) + "</div>")

    # records in and out per split
    split_colours = {"train": GREEN, "validation": BLUE}
    rows = [(split, count, split_colours.get(split, GREEN)) for split, count in outputs.items()]
    rows.append(("dead letters", dead, RED))
    if sampled:
        rows.append(("sampled out", sampled, CHOSEN))
    note = "Output records are lines written; a chunked document gives several."
    if sampled:
        note += (f" {sampled:,} accepted records were left out by the deterministic down-sample "
                 "to the model's quota (--sample-to-quota): chosen, not refused, they are no "
                 "dead letters; <code>sampled_out/sampled_out.jsonl</code> names their source "
                 "lines. Records in = accepted + dead letters + sampled out.")
    else:
        note += " Records in = accepted + dead letters."
    if not outputs and status == FAILED and report.get("not_written_records"):
        kept = ", ".join(f"{k} {v:,}" for k, v in report["not_written_records"].items())
        note += f" The run failed, so nothing was written (it had accepted: {e(kept)})."
    body.append('<h2>Records out, per split</h2><div class="card">' + hbar_chart(rows)
                + f'<p class="muted">{note}</p></div>')

    body.append(_run_section(report.get("run") or {}))
    body.append(_files_section(report.get("files", {}) or {}))
    body.append(_lengths_section(report, limit_tokens, written, near))
    body.append(_tool_use_section(report.get("tool_use") or {}, written))
    body.append(_dead_letters_section(report, examples or {}))

    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>tuneprep report: {e(status)}</title><style>{_STYLE}</style></head>"
            f"<body><main>{''.join(body)}</main></body></html>\n")


def _size(n) -> str:
    if not isinstance(n, int):
        return "–"
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:,.1f} {unit}"
    return f"{n:,} B"


def _run_section(run: dict) -> str:
    """What run this was: target, model and limits, when and how long, versions, options, and
    the files written with their sizes."""
    if not run:
        return ""
    versions = run.get("versions") or {}
    facts = [("target", run.get("target")),
             ("model", (f"{run['model']} ({run.get('model_display')})" if run.get("model_display")
                        else run.get("model")) or "none (no model limits checked)")]
    limit = run.get("record_limit")
    if limit:
        margin = limit.get("token_margin") or 0
        facts.append(("per-record limit",
                      f"{limit['tokens']:,} tokens ({limit.get('from')}) ≈ "
                      f"{limit['tokens'] * limit['chars_per_token']:,.0f} characters at "
                      f"{limit['chars_per_token']:g} characters a token, "
                      + (f"less the {margin:.0%} margin: " if margin else "no margin: ")
                      + f"{limit['characters']:,} characters"))
    limits = run.get("model_limits") or {}
    if limits:
        facts.append(("model limits", ", ".join(f"{k} {v:,}" if isinstance(v, int) else f"{k} {v:g}"
                                                for k, v in limits.items())))
    if run.get("started"):
        facts.append(("started", f"{run['started']} (UTC)"))
    if run.get("duration_seconds") is not None:
        facts.append(("duration", f"{run['duration_seconds']:,.1f} s"))
    facts.append(("versions", ", ".join(f"{k} {v}" for k, v in versions.items()) or "–"))
    rows = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in facts)
    options = run.get("options") or {}
    opts = "".join(f"<tr><th>{e(k)}</th><td><code>{e(v)}</code></td></tr>"
                   for k, v in options.items() if v not in (None, [], {}, False, ""))
    files = run.get("files") or []
    file_rows = "".join(f'<tr><td class="path">{e(f.get("path"))}</td>'
                        f'<td class="n">{_n(f.get("records")) if f.get("records") is not None else "–"}</td>'
                        f'<td class="n">{_size(f.get("bytes"))}</td></tr>' for f in files)
    return ('<h2>The run</h2><div class="grid"><div class="card"><table>' + rows + '</table>'
            + (f'<details><summary>options</summary><table>{opts}</table></details>' if opts else "")
            + '</div><div class="card"><b>Files written</b><table><tr><th>file</th>'
              '<th class="n">records</th><th class="n">size</th></tr>'
            + (file_rows or '<tr><td colspan="3" class="muted">no data file</td></tr>')
            + '</table><p class="muted">With report.json, report.html and manifest.json (every '
              'file with its sha256).</p></div></div>')


def _files_section(files: dict) -> str:
    if not files:
        return ""
    sampling = any("sampled_out_records" in f for f in files.values())
    head = ('<tr><th>input file</th><th>adapter</th><th class="n">records in</th>'
            '<th class="n">accepted</th><th class="n">dead letters</th>'
            + ('<th class="n">sampled out</th>' if sampling else "") + '<th></th></tr>')
    rows = []
    for uri, f in files.items():
        n_in, ok, bad = (f.get("input_records", 0), f.get("accepted_records", 0),
                         f.get("dead_letter_records", 0))
        left = f.get("sampled_out_records", 0) or 0
        rows.append(f'<tr><td class="path">{e(uri)}</td><td>{e(f.get("adapter") or "none")}</td>'
                    f'<td class="n">{_n(n_in)}</td><td class="n">{_n(ok)}</td>'
                    f'<td class="n">{_n(bad)} <span class="muted">({_pct(bad, n_in)})</span></td>'
                    + (f'<td class="n">{_n(left)}</td>' if sampling else "")
                    + f'<td>{stacked_bar([(ok, GREEN), (bad, RED), (left, CHOSEN)])}</td></tr>')
    return (f'<h2>Records in and out, per source file</h2><div class="card"><table>{head}'
            f'{"".join(rows)}</table></div>')


def _lengths_section(report: dict, limit_tokens: int | None, written: int, near: int) -> str:
    chars = report.get("chars", {}) or {}
    rows, marker = token_rows(report.get("tokens_histogram", {}) or {}, limit_tokens)
    if limit_tokens:
        note = (f"Estimated tokens per output record against the model's limit of "
                f"{limit_tokens:,} tokens. {near:,} of {written:,} records ({_pct(near, written)}) "
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


def _tool_use_section(use: dict, written: int) -> str:
    """Records with tool definitions, calls per record and reasoning (only when any has them)."""
    if not use:
        return ""
    calls = use.get("calls_histogram", {}) or {}
    rows = [(bucket, calls.get(bucket, 0), BLUE) for bucket in CALL_BUCKETS]
    with_tools = use.get("records_with_tools", 0)
    reasoning = use.get("records_with_reasoning", 0)
    return ('<h2>Tool use and reasoning</h2><div class="grid"><div class="card">'
            f'<b>Tool calls per record</b>{vbar_chart(rows)}<p class="muted">'
            f'{with_tools:,} of {written:,} written records ({_pct(with_tools, written)}) define '
            f'tools; {use.get("records_with_calls", 0):,} call one, '
            f'{use.get("tool_calls", 0):,} calls in all. Records with tools or calls only.</p>'
            f'</div><div class="card"><b>Reasoning</b><p>{reasoning:,} written records '
            f'({_pct(reasoning, written)}) hold reasoning on an assistant turn.</p></div></div>')


def _dead_letters_section(report: dict, examples: dict) -> str:
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
           + ("; <code>not_selected</code> records were left out by --records-with / "
              "--records-without, a choice (grey), and are kept there with their reason"
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
