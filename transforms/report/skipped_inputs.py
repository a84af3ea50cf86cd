"""The inputs a folder or glob listing skipped, said where the records are counted. Pure Python.

A file that is never read has no records in `input_records`, so without this a folder whose
`_old/` held most of the data would look complete. pipelines/input_paths.py lists each skipped
input once with one of REASONS; report.json holds them as `skipped_inputs` (each {path, reason},
and `files` for a hidden folder: the files in it), the summary line counts them and
report.html lists them."""
from __future__ import annotations

import html
from collections import Counter

HIDDEN = "hidden name"                 # a name starting with . or _ (the folder's own notes, .git)
NO_EXTENSION = "no data extension"     # README.md, notes.txt.bak: name it to read it
NOT_UTF8 = "name not UTF-8"            # could not be written in the report: rename it
SPECIAL_FILE = "special file"          # a FIFO, socket or device: reading one blocks
BROKEN_LINK = "broken link"
UNREADABLE = "cannot be read"          # stat() failed, or a subfolder could not be listed
FOLDER_IN_GLOB = "folder matched by a glob"   # a glob names files: data/* is not data/**
REASONS = (HIDDEN, NO_EXTENSION, NOT_UTF8, SPECIAL_FILE, BROKEN_LINK, UNREADABLE, FOLDER_IN_GLOB)


def entry(path: str, reason: str, files: int | None = None) -> dict:
    assert reason in REASONS, reason
    return {"path": path, "reason": reason, **({"files": files} if files is not None else {})}


def counts(report: dict) -> Counter:
    return Counter(item["reason"] for item in report.get("skipped_inputs") or ())


def summary_note(report: dict) -> str:
    """'; skipped inputs: 2 (hidden name)' for the summary line ('' when none was skipped)."""
    by_reason = counts(report)
    if not by_reason:
        return ""
    total = sum(by_reason.values())
    reasons = (next(iter(by_reason)) if len(by_reason) == 1 else
               ", ".join(f"{reason} {n:,}" for reason, n in sorted(by_reason.items())))
    return f"; skipped inputs: {total:,} ({reasons})"


def html_section(report: dict) -> str:
    """report.html's list of the skipped inputs ('' when none was skipped)."""
    items = report.get("skipped_inputs") or ()
    if not items:
        return ""
    rows = "".join(
        f"<li><code>{html.escape(item['path'])}</code>: {html.escape(item['reason'])}"
        + (f" ({item['files']:,} file{'s' if item['files'] != 1 else ''} in it)"
           if item.get("files") is not None else "") + "</li>" for item in items)
    return (f'<div class="warnings"><b>Skipped inputs ({len(items):,}):</b> not read, so '
            f"their records are not counted above<ul>{rows}</ul></div>")
