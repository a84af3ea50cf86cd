"""A run's status, said honestly: a dataset most of whose records were refused is not a plain
success. Pure Python.

    mark(report, examples) -> report   sets report["status"] (and "dead_letter_advice")

- "failed": a dataset-wide check failed (report["errors"]); no _SUCCESS, exit 1. This is what
  --max-dead-letter-ratio turns a high share into.
- "completed with many dead letters": written and complete (_SUCCESS, exit 0), but more than
  MANY_DEAD_LETTERS of the records are dead letters; the report names the top reasons, each
  with the fix its dead letters' messages give.
- "succeeded": otherwise.
"""
from __future__ import annotations

import html
import re

from tuneprep.transforms.core.records import REASONS

SUCCEEDED, FAILED = "succeeded", "failed"
MANY = "completed with many dead letters"
MANY_DEAD_LETTERS = 0.10    # share of the records in, above which the run says MANY
BADGES = {SUCCEEDED: "ok", MANY: "many", FAILED: "bad"}   # report.html's badge class (colour)
TOP_REASONS = 3             # reasons named, with their fixes, when it does
# records left out by the user's own choice (--records-with / --records-without, --dedup), not
# refused: they are shown apart, do not make a run one with many dead letters and do not count
# toward --max-dead-letter-ratio
CHOSEN_REASONS = ("not_selected", "duplicate")

_OPTION_IN_PARENS = re.compile(r"\(([^()]*--[a-z][^()]*)\)")


def refused_share(report: dict) -> float:
    """Dead letters, less those the user chose, as a share of the records in (0 for none)."""
    total = report.get("input_records") or 0
    reasons = report.get("dead_letter_reasons") or {}
    refused = (report.get("dead_letter_records") or 0) - sum(
        reasons.get(reason, 0) for reason in CHOSEN_REASONS)
    return refused / total if total else 0.0


def fix_in(message: str | None) -> str | None:
    """What a dead letter's message says to do: its clause naming an option ("try
    --field-map …", "give it with --encoding …", "--repair merge_consecutive joins them");
    None when it names none."""
    if not message:
        return None
    for clause in message.split("; ")[1:]:   # the first clause says what is wrong
        if "--" in clause:
            return clause.strip()
    found = _OPTION_IN_PARENS.search(message)
    return found.group(1).strip() if found else None


def advice(report: dict, examples: dict) -> list[dict]:
    """The TOP_REASONS commonest refusals: reason, records, share of the records in, what it
    means, and the fix its first examples give (None when their messages name none)."""
    total = report.get("input_records") or 0
    reasons = {k: v for k, v in (report.get("dead_letter_reasons") or {}).items()
               if k not in CHOSEN_REASONS}
    top = sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_REASONS]
    out = []
    for reason, count in top:
        fixes = [fix_in(example.get("message")) for example in examples.get(reason, ())]
        out.append({"reason": reason, "records": count,
                    "share": round(count / total, 4) if total else 0.0,
                    "meaning": REASONS.get(reason, ""),
                    "fix": next((fix for fix in fixes if fix), None)})
    return out


def mark(report: dict, examples: dict) -> dict:
    """report with its status set from its errors and its share of dead letters."""
    if report.get("errors"):
        report["status"] = FAILED
    elif refused_share(report) > MANY_DEAD_LETTERS:
        report["status"] = MANY
        report["dead_letter_advice"] = advice(report, examples)
    else:
        report["status"] = SUCCEEDED
    return report


def advice_line(item: dict) -> str:
    """One advice entry as words: 'not_a_conversation 30 (100.0%): FIX'."""
    what = item["fix"] or f"{item['meaning']} (see the examples in report.html)"
    return f"{item['reason']} {item['records']:,} ({item['share']:.1%}): {what}"


def advice_html(report: dict) -> str:
    """report.html's note under the title for a run with many dead letters ("" otherwise)."""
    items = report.get("dead_letter_advice")
    if report.get("status") != MANY or not items:
        return ""
    rows = "".join(f"<li>{html.escape(advice_line(item))}</li>" for item in items)
    return (f'<div class="warnings"><b>Completed with many dead letters</b> '
            f"({refused_share(report):.1%} of the records, over {MANY_DEAD_LETTERS:.0%}): the "
            "dataset is complete, but check the commonest reasons and their fixes first:"
            f"<ul>{rows}</ul></div>")


def summary_note(report: dict) -> str:
    """What the summary line adds for a run with many dead letters ("" otherwise)."""
    if report.get("status") != MANY:
        return ""
    return (f"; {MANY} ({refused_share(report):.1%} of the records, over "
            f"{MANY_DEAD_LETTERS:.0%}: see report.html)")


def advice_warnings(report: dict) -> list[str]:
    """One line a top reason, with its fix, for a run with many dead letters."""
    if report.get("status") != MANY:
        return []
    return [f"many dead letters: {advice_line(item)}"
            for item in report.get("dead_letter_advice") or ()]
