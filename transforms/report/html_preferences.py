"""report.html's section on preference and RFT data (issue 25 item 5), drawn only when the run
wrote such records: the pairs, their chosen / rejected lengths side by side and how often chosen
is the longer (a known preference-data bias); RFT prompts with tools and their grader fields.
Every value goes through html_charts.e (field names are the user's data)."""
from __future__ import annotations

from tuneprep.transforms.core.unwritten_fields import MAX_NAMES
from tuneprep.transforms.report.html_charts import (AMBER, GREEN, e, number, pct, token_rows,
                                                    vbar_chart)
from tuneprep.transforms.steps.preference_stats import PREFERENCES_KEY, RFT_KEY
from tuneprep.transforms.steps.stats import BOUNDED_NAMES, GRADER_FIELDS


def html_section(report: dict) -> str:
    pairs = report.get(PREFERENCES_KEY) or {}
    rft = report.get(RFT_KEY) or {}
    cards = []
    if pairs.get("pairs") or pairs.get("ranked_records"):
        cards.append(_pairs_html(pairs))
    if rft.get("records"):
        cards.append(_rft_html(rft))
    if not cards:
        return ""
    return "<h2>Preference and RFT data</h2>" + "".join(cards)


def chosen_longer(pairs: dict) -> str:
    """The bias line: "chosen longer in 131 of 300 pairs (43.7%)"."""
    n, longer = pairs.get("pairs", 0), pairs.get("chosen_longer", 0)
    return f"chosen longer in {longer:,} of {n:,} pairs ({pct(longer, n)})"


def _pairs_html(pairs: dict) -> str:
    chosen, rejected = pairs.get("chosen") or {}, pairs.get("rejected") or {}
    same, ranked = pairs.get("same_length", 0), pairs.get("ranked_records", 0)
    note = (f"{pairs.get('pairs', 0):,} chosen / rejected pairs written: "
            f"{e(chosen_longer(pairs))}, {same:,} the same length. A preference set whose chosen "
            "answers are mostly the longer teaches length as much as quality.")
    if ranked:
        note += f" {ranked:,} records hold ranked candidates instead of one pair."
    rows = {name: _rows(side, other, colour) for name, side, other, colour in (
        ("chosen", chosen, rejected, GREEN), ("rejected", rejected, chosen, AMBER))}
    top = max((value for side in rows.values() for _, value, _ in side), default=0)
    charts = "".join(   # one scale for both, so their bars compare
        f'<div class="card"><b>Estimated tokens per {name} answer</b>'
        f'{vbar_chart(rows[name], top=top)}<p class="muted">{_chars(side)}</p></div>'
        for name, side in (("chosen", chosen), ("rejected", rejected)))
    return f'<div class="card"><p>{note}</p></div><div class="grid">{charts}</div>'


def _rows(side: dict, other: dict, colour: str) -> list:
    rows, _ = token_rows(side.get("tokens_histogram") or {}, None,
                         beside=other.get("tokens_histogram") or {})
    return [(label, value, colour) for label, value, _ in rows]


def _chars(side: dict) -> str:
    chars = side.get("chars") or {}
    if not chars.get("count"):
        return "no pair"
    return (f"Characters: min {chars['min']:,}, mean {chars['sum'] / chars['count']:,.0f}, "
            f"max {chars['max']:,}.")


def _rft_html(rft: dict) -> str:
    n, tools = rft.get("records", 0), rft.get("records_with_tools", 0)
    fields = rft.get(GRADER_FIELDS) or {}
    rows = "".join(f'<tr><td><code>{e(name)}</code></td><td class="n">{number(count)}</td>'
                   f'<td class="n">{pct(count, n)}</td></tr>' for name, count in fields.items())
    other = rft.get(BOUNDED_NAMES[GRADER_FIELDS]) or 0
    if other:
        rows += (f'<tr><td colspan="3" class="muted">and {other:,} fields under other names '
                 f"(report.json keeps the first {MAX_NAMES} names)</td></tr>")
    table = (f'<table><tr><th>grader field</th><th class="n">records</th><th class="n">share'
             f"</th></tr>{rows}</table>" if rows else
             '<p class="muted">No grader field: the reference answer alone.</p>')
    return (f'<div class="card"><p>{n:,} RFT prompts written with their reference answer; '
            f"{tools:,} ({pct(tools, n)}) carry tools. The grader fields written beside "
            f"them, as given:</p>{table}</div>")
