"""The input fields the output does not carry (core/unwritten_fields.py counts them), said
where a person looks: one note line at the end of `run` and of `--dry-run`, and a section of
report.html. Pure Python."""
from __future__ import annotations

import html

from tuneprep.transforms.core.unwritten_fields import KEY, OTHER_KEY
from tuneprep.transforms.targets import TARGETS, names_where

SHOWN = 10   # names on the one note line; report.json and report.html list every kept one


def _ranked(counts: dict) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def note(stats: dict, target: str) -> str:
    """'input fields not in the output (bedrock-text has no place for them): id (12 records),
    category (12); ...' ('' when every field was written). stats: report.json or run stats."""
    counts, other = stats.get(KEY) or {}, stats.get(OTHER_KEY) or 0
    if not counts:
        return ""
    ranked = _ranked(counts)
    names = ", ".join(f"{name} ({n:,}{' records' if i == 0 else ''})"
                      for i, (name, n) in enumerate(ranked[:SHOWN]))
    if len(ranked) > SHOWN:
        names += f", and {len(ranked) - SHOWN:,} more (report.json)"
    if other:
        names += f", and {other:,} more under other names"
    where = ("or name it in the template (--template)" if _takes_template(target)
             else f"or name it in a {_template_targets()} template")
    return (f"input fields not in the output ({target} has no place for them): {names}; "
            f"map one with --field-map, {where}")


def notes(stats: dict, target: str) -> list[str]:
    """note() as a list of the one line, or none."""
    text = note(stats, target)
    return [text] if text else []


def html_section(report: dict) -> str:
    """report.html's table of the fields not written ('' when every field was written)."""
    counts, other = report.get(KEY) or {}, report.get(OTHER_KEY) or 0
    if not counts:
        return ""
    target = (report.get("run") or {}).get("target") or "the target"
    rows = "".join(f'<tr><td><code>{html.escape(name)}</code></td><td class="n">{n:,}</td></tr>'
                   for name, n in _ranked(counts))
    if other:
        rows += f'<tr><td class="muted">other names</td><td class="n">{other:,}</td></tr>'
    return ("<h2>Input fields not written</h2><div class=\"card\"><table><tr><th>field</th>"
            f'<th class="n">records</th></tr>{rows}</table><p class="muted">Top-level fields '
            f"of the written records that {html.escape(target)} has no place for: they are "
            "not in the dataset (the records are). --field-map maps one to a field the "
            f"target writes; a {_template_targets()} template can name one.</p></div>")


def _takes_template(name: str) -> bool:
    target = TARGETS.get(name)
    return target is not None and target.takes_template


def _template_targets() -> str:
    """The targets whose template can name a field, as they declare it."""
    return names_where(lambda t: t.takes_template).replace(", ", " or ")
