"""report.json → report.html: one self-contained page a person can read at a glance. Pure Python.

    render(report: dict, examples: dict[str, list[dict]], limit_tokens: int | None) -> str

`examples` holds a few dead-letter lines (parsed) per reason code. Record text is untrusted: every
string taken from the report or the data goes through `html.escape`, the page holds no <script>,
and a Content-Security-Policy forbids scripts, network requests and external resources, so the
file renders the same offline and nothing in the data can run. Charts are inline SVG drawn here.
"""
from __future__ import annotations

from tuneprep.transforms.steps.stats import NEAR_LIMIT
from tuneprep.transforms.report import fields_not_written
from tuneprep.transforms.report import html_preferences
from tuneprep.transforms.report import html_sections as sections
from tuneprep.transforms.report import skipped_inputs
from tuneprep.transforms.report.html_charts import (
    BLUE, CHOSEN, GREEN, RED, e, hbar_chart, pct)
from tuneprep.transforms.report.status import BADGES, FAILED, advice_html

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

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


def render(report: dict, examples: dict[str, list[dict]], limit_tokens: int | None) -> str:
    status = report.get("status", "unknown")
    outputs = report.get("output_records", {}) or {}
    written = (report.get("chars", {}) or {}).get("count") or sum(outputs.values())
    near = report.get("near_limit_records", 0) or 0
    body = [_title(report, status), skipped_inputs.html_section(report), advice_html(report),
            _tiles(report, status, outputs, limit_tokens, written, near),
            _records_out(report, status, outputs), fields_not_written.html_section(report),
            sections.run_html(report.get("run") or {}),
            sections.files_html(report.get("files", {}) or {}),
            sections.lengths_html(report, limit_tokens, written, near),
            sections.tool_use_html(report.get("tool_use") or {}, written),
            html_preferences.html_section(report),
            sections.dead_letters_html(report, examples or {})]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>tuneprep report: {e(status)}</title><style>{_STYLE}</style></head>"
            f"<body><main>{''.join(body)}</main></body></html>\n")


def _counts(report: dict) -> tuple[int, int, int, int]:
    """Records in, accepted, dead letters, sampled out (0 when absent)."""
    return tuple(report.get(key, 0) or 0 for key in (
        "input_records", "accepted_records", "dead_letter_records", "sampled_out_records"))


def _title(report: dict, status: str) -> str:
    """The title with its status badge, the one-line summary, the errors and warnings."""
    n_in, accepted, dead, sampled = _counts(report)
    badge = BADGES.get(status, "bad")
    out = [f'<h1>tuneprep dataset report<span class="badge {badge}">{e(status)}</span></h1>',
           f'<p class="sub">{n_in:,} records read from {len(report.get("files", {})):,} '
           f'file(s): {accepted:,} accepted, {dead:,} dead letters ({pct(dead, n_in)})'
           + (f', {sampled:,} sampled out ({pct(sampled, n_in)}, --sample-to-quota)'
              if sampled else "") + '.</p>']
    if report.get("errors"):
        items = "".join(f"<li>{e(err)}</li>" for err in report["errors"])
        out.append(f'<div class="errors"><b>The run failed:</b><ul>{items}</ul></div>')
    if report.get("warnings"):
        items = "".join(f"<li>{e(text)}</li>" for text in report["warnings"])
        out.append(f'<div class="warnings"><b>Warnings:</b><ul>{items}</ul></div>')
    return "".join(out)


def _tiles(report: dict, status: str, outputs: dict, limit_tokens: int | None, written: int,
           near: int) -> str:
    n_in, accepted, dead, sampled = _counts(report)
    tiles = [("records in", f"{n_in:,}"), ("accepted", f"{accepted:,}")]
    tiles += [(f"written: {split}", f"{count:,}") for split, count in outputs.items()]
    if not outputs and status == FAILED:   # a failed run writes no data
        tiles.append(("written", "nothing"))
    tiles.append(("dead letters", f"{dead:,} <small>{pct(dead, n_in)}</small>"))
    if sampled:
        tiles.append(("sampled out", f"{sampled:,} <small>{pct(sampled, n_in)}</small>"))
    if limit_tokens:
        tiles.append((f"near the limit (>{NEAR_LIMIT:.0%})",
                      f"{near:,} <small>{pct(near, written)}</small>"))
    return '<div class="tiles">' + "".join(
        f'<div class="tile"><b>{value}</b><span>{e(name)}</span></div>'
        for name, value in tiles) + "</div>"


def _records_out(report: dict, status: str, outputs: dict) -> str:
    """Records in and out per split, with the note that makes the counts add up."""
    _, _, dead, sampled = _counts(report)
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
    return ('<h2>Records out, per split</h2><div class="card">' + hbar_chart(rows)
            + f'<p class="muted">{note}</p></div>')
