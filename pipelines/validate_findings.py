"""What `tuneprep validate` found, told to people or to machines.

Text (the default): the first --show N problems of each reason (--all: every one), as
`file:line: reason: message` lines on stdout, grouped by reason in the order each was first met,
with a line saying how many more each has; then on stderr, for a file none of whose records
passes, the input shape tuneprep recognises in it and the `tuneprep run` command that converts
it; last, one summary line (records checked, problems by reason). `--format json`: one JSON
document on stdout with the same counts and every problem (or the first N a reason with --show).
"""
from __future__ import annotations

import shlex
import sys
from itertools import islice
from pathlib import PurePosixPath

import orjson

from tuneprep.pipelines.options import SHOW, UsageError
from tuneprep.transforms.steps.batching import Batch
from tuneprep.transforms.steps.process import BatchProcessor


def shown_per_reason(args) -> int | None:
    """Problems kept per reason: None for every one."""
    if args.show is not None and args.show < 0:
        raise UsageError("--show must be at least 0")
    if args.all:
        return None
    return args.show if args.show is not None else (SHOW if args.format == "text" else None)


class Findings:
    """The problems of the files checked: every one counted, the first `show` of each reason
    kept (all of them for show None), so a file with millions of bad lines costs no memory."""

    def __init__(self, show: int | None):
        self.show = show
        self.files: dict[str, dict] = {}    # uri -> {"records", "bad_records", "detected"}
        self.by_reason: dict[str, int] = {}
        self.kept: dict[str, list[dict]] = {}
        self.bad_records = 0
        self._last: tuple | None = None      # (uri, line) of the last problem: bad records once
        self.notes: list[str] = []

    def add(self, uri: str, line: int | None, reason: str, message: str) -> None:
        self.by_reason[reason] = self.by_reason.get(reason, 0) + 1
        kept = self.kept.setdefault(reason, [])
        if self.show is None or len(kept) < self.show:
            kept.append({"file": uri, "line": line, "reason": reason, "message": message})
        if line is not None and (uri, line) != self._last:
            self._last = (uri, line)
            self.bad_records += 1
            self.file(uri)["bad_records"] += 1

    def file(self, uri: str) -> dict:
        return self.files.setdefault(uri, {"records": 0, "bad_records": 0, "detected": None})

    @property
    def problems(self) -> int:
        return sum(self.by_reason.values())

    @property
    def records(self) -> int:
        return sum(f["records"] for f in self.files.values())

    def summary(self) -> str:
        n_files = len(self.files)
        checked = (f"checked {self.records:,} record{_s(self.records)} in {n_files:,} "
                   f"file{_s(n_files)}")
        if not self.problems:
            return f"{checked}: no problems"
        reasons = ", ".join(f"{r} {n:,}" for r, n in self.by_reason.items())
        return (f"{checked}: {self.problems:,} problem{_s(self.problems)} in "
                f"{self.bad_records:,} record{_s(self.bad_records)} ({reasons})")

    def print_text(self, out=None, err=None) -> None:
        out, err = out or sys.stdout, err or sys.stderr
        for reason, kept in self.kept.items():
            for p in kept:
                where = p["file"] if p["line"] is None else f"{p['file']}:{p['line']}"
                print(f"{where}: {reason}: {p['message']}", file=out)
            more = self.by_reason[reason] - len(kept)
            if more:
                print(f"  … {more:,} more {reason} (--show N lists N a reason, --all every one)",
                      file=out)
        out.flush()
        for uri, f in self.files.items():
            if f["detected"]:
                print(f"detected format: {f['detected']['message']}", file=err)
        for note in self.notes:
            print(note, file=err)
        print(self.summary(), file=err)

    def document(self, target: str, model: str | None) -> dict:
        """counts (records checked, records with a problem, problems, by reason), each file's
        counts and detected format, the problems listed (file, line: null for a file's own)."""
        return {"target": target, "model": model,
                "counts": {"records": self.records, "bad_records": self.bad_records,
                           "problems": self.problems, "by_reason": self.by_reason},
                "files": [{"file": uri, "records": f["records"], "bad_records": f["bad_records"],
                           "detected_format": f["detected"]} for uri, f in self.files.items()],
                "problems": [p for kept in self.kept.values() for p in kept],
                "notes": self.notes}

    def print_json(self, target: str, model: str | None, out=None) -> None:
        (out or sys.stdout).write(orjson.dumps(self.document(target, model),
                                               option=orjson.OPT_INDENT_2).decode() + "\n")


def _s(n: int) -> str:
    return "" if n == 1 else "s"


def detect_format(uri: str, cfg, target_name: str, model: str | None) -> dict | None:
    """For a file none of whose records is in the target's format: the input adapter the run
    would read it with (adapters.detect on its first records, as `inspect` does), how many of
    those records the run would write (the run's own per-record chain, BatchProcessor; media
    checked, not uploaded), and the command that converts it. None when no adapter reads it."""
    from tuneprep.transforms.adapters import DETECT_SAMPLE, detect
    from tuneprep.transforms.io.readers import read_items
    try:
        items = list(islice(read_items(uri, cfg.read), DETECT_SAMPLE))
    except Exception:   # (unreadable: the problems say so)
        return None
    adapter = detect([i.value for i in items if i.error is None], cfg.adapter)
    if adapter is None:
        return None
    chain = BatchProcessor(cfg, upload_media=False)
    written = chain(Batch(0, 0, uri, None, adapter, items)).stats["accepted_records"]
    command = convert_command(uri, target_name, model)
    line = (f"{uri} holds `{adapter}` records (tuneprep's --input-format {adapter}), not "
            f"{target_name} records; `tuneprep run` writes {written} of its first "
            f"{len(items)} as {target_name}: {command}")
    return {"input_format": adapter, "sample": len(items), "would_write": written,
            "convert": command, "message": line}


def convert_command(uri: str, target: str, model: str | None) -> str:
    """`tuneprep run --input FILE --target T [--model M] --output out/STEM`."""
    stem = PurePosixPath(uri.rsplit("/", 1)[-1]).name.split(".")[0] or "dataset"
    words = ["tuneprep", "run", "--input", uri, "--target", target]
    words += ["--model", model] if model else []
    return shlex.join(words + ["--output", f"out/{stem}"])
