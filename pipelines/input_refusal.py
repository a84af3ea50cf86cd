"""A hopeless input stopped at the launch: when the launch check reads none of an input's
sampled records as records (every one refused while reading or by its adapter), the run would
only fill dead letters with that file and leave a folder that needs --overwrite. So the run is
refused (exit 2, nothing written), naming every problem of the file at once (encoding,
delimiter, field map, adapter) and the options that fix them all, each tried on the sample
before it is proposed. --keep-going runs anyway.

Records the adapter reads but the target refuses (too long, not a conversation, ...) do not
stop the run: whether the first ones say much about the rest depends on the data; the report
says what they were."""
from __future__ import annotations

from collections import Counter
from dataclasses import replace

import orjson

from tuneprep.pipelines.options import UsageError
from tuneprep.transforms.adapters import detect
from tuneprep.transforms.adapters.suggest import (keys_of, map_text, propose_field_map,
                                                  unknown_format_hint)
from tuneprep.transforms.steps.batching import Batch, choose_adapter
from tuneprep.transforms.steps.process import DEAD_LETTER, BatchProcessor
from tuneprep.transforms.core.records import NORMALIZE, READ
from tuneprep.transforms.io.readers import encoding_guess, is_utf8_encoding, read_format
from tuneprep.transforms.io.readers.csv_rows import DELIMITERS, csv_delimiter, delimiter_name

RULE = "refused_input"
KEEP_GOING = "--keep-going"


class InputsRefused(UsageError):
    """Inputs none of whose sampled records can be read: one error line a problem."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        super().__init__("\nerror: ".join(lines))   # (main prints "error: " before the first)


def read_counts(uri: str, cfg, items: list, adapter: str | None) -> tuple[int, Counter, dict]:
    """(records the run would read, reasons of the others, reason -> (line, message) of its
    first) for the sampled items, through the run's own per-record chain (process.py; a
    record the target refuses was read all the same)."""
    reasons: Counter = Counter()
    first: dict[str, tuple[int, str]] = {}
    out = BatchProcessor(cfg, upload_media=False)(Batch(0, 0, uri, None, adapter, items))
    for letter in map(orjson.loads, out.lines.get(DEAD_LETTER, ())):
        if letter["stage"] in (READ, NORMALIZE):
            reasons[letter["reason"]] += 1
            source = letter["source"]
            first.setdefault(letter["reason"], (source.get("line", source.get("record")),
                                                letter["message"]))
    return len(items) - sum(reasons.values()), reasons, first


def is_hopeless(cfg, items: list, read: int) -> bool:
    """Nothing of the sample is read, and there was something to read (a file that holds no
    record at all loses nothing)."""
    empty = all(i.error is not None and i.error.reason == "empty_file" for i in items)
    return bool(items) and read == 0 and (not empty or bool(cfg.read.records_path))


def _with(cfg, read=None, **adapter_changes):
    changed = replace(cfg, read=read or cfg.read)
    if adapter_changes:
        input_format = adapter_changes.pop("input_format", cfg.input_format)
        changed = replace(changed, input_format=input_format,
                          adapter=replace(cfg.adapter, **adapter_changes)
                          if adapter_changes else cfg.adapter)
    return changed


def _one_column(uri: str, cfg, items: list) -> str | None:
    """The delimiter note of a CSV/TSV file read as one column whose name holds another
    delimiter (a comma file named .tsv), else None."""
    fmt = read_format(uri, cfg.read)
    values = [i.value for i in items if i.error is None]
    if fmt not in ("csv", "tsv") or not values or any(
            not isinstance(v, dict) or len(v) != 1 for v in values):
        return None
    used = csv_delimiter(uri, fmt, cfg.read)
    header = next(iter(values[0]))
    other = next((d for d in DELIMITERS if d != used and d in header), None)
    if other is None:
        return None
    why = "--file-format tsv" if cfg.read.file_format == "tsv" else "its name"
    return (f'{uri}:1: delimiter: the header is one column, "{header}": read with '
            f"{delimiter_name(used)} delimiters ({why}), though it holds {delimiter_name(other)}s; "
            "--file-format csv reads it with the delimiter its header line shows")


def fix(uri: str, cfg, items: list, head_items) -> tuple[dict, list[str], bool]:
    """(options that fix the file, notes on what else was found, whether the sample is read
    with them). `head_items(uri, cfg)` reads the sample again under changed options."""
    options: dict[str, str] = {}
    notes: list[str] = []
    cfg, items = _fix_reading(uri, cfg, items, head_items, options, notes)

    def reads(candidate) -> bool:
        return read_counts(uri, candidate, items, choose_adapter(items, candidate))[0] > 0

    if reads(cfg):
        return options, notes, True
    values = [i.value for i in items if i.error is None]
    if cfg.input_format and (found := detect(values, cfg.adapter)) and \
            found != cfg.input_format and reads(_with(cfg, input_format=found)):
        options["--input-format"] = found
        return options, notes, True
    return options, notes, _fix_field_map(uri, cfg, items, values, reads, options, notes)


def _fix_reading(uri: str, cfg, items: list, head_items, options: dict, notes: list):
    """The file's encoding, then its delimiter: (cfg, items) read again under what they need,
    the options and notes added."""
    bad = [i for i in items if i.error is not None and i.error.reason == "invalid_utf8"]
    if bad and is_utf8_encoding(cfg.read.encoding):
        raw = bad[0].raw if isinstance(bad[0].raw, bytes) else b""
        options["--encoding"] = encoding_guess(raw)
        cfg = _with(cfg, replace(cfg.read, encoding=options["--encoding"]))
        items = head_items(uri, cfg)
    note = _one_column(uri, cfg, items)
    if note:
        notes.append(note)
        options["--file-format"] = "csv"
        cfg = _with(cfg, replace(cfg.read, file_format="csv"))
        items = head_items(uri, cfg)
    return cfg, items


def _fix_field_map(uri: str, cfg, items: list, values: list, reads, options: dict,
                   notes: list) -> bool:
    """A --field-map proposed from the records' keys, if one makes them read (added to
    options, with the input format dropped when it stood in the way)."""
    proposal = propose_field_map(keys_of(values))
    if proposal and "--encoding" in options:   # the keys were hidden by the encoding
        notes.append(f"{uri}:{items[0].line}: unknown_format: read as {options['--encoding']}, "
                     f"no input adapter recognises its records; {unknown_format_hint(values)}")
    if not proposal:
        return False
    for input_format in dict.fromkeys((cfg.input_format, None)):
        mapped = _with(cfg, input_format=input_format, field_map=proposal)
        if reads(mapped):
            options["--field-map"] = map_text(proposal)
            if input_format != cfg.input_format:
                notes.append(f"{uri}: --input-format {cfg.input_format} does not read "
                             "these records: drop it")
            return True
    return False


def _rule(note: str) -> str:
    """The RULE of a "FILE:LINE: RULE: ..." note."""
    parts = note.split(": ")
    return parts[1] if len(parts) > 2 else ""


def refusal(uri: str, cfg, items: list, adapter: str | None, notes: list[str],
            head_items) -> list[str] | None:
    """The error lines of an input none of whose sampled records is read (every problem,
    then what to rerun with); None when the sample is read, or nothing is in it."""
    read, reasons, first = read_counts(uri, cfg, items, adapter)
    if not is_hopeless(cfg, items, read):
        return None
    lines = list(notes)
    options, found, verified = fix(uri, cfg, items, head_items)
    lines += [note for note in found if not any(f": {_rule(note)}: " in line for line in lines)]
    for reason, (line, message) in first.items():   # what no note above says already
        if not any(f": {reason}: " in note for note in lines):
            lines.append(f"{uri}:{line}: {reason}: {reasons[reason]} of the first {len(items)} "
                         f"records: {message}")
    counts = ", ".join(f"{reason} {n:,}" for reason, n in reasons.most_common())
    first_line = min((line for line, _ in first.values()), default=0)
    todo = (f"rerun with {' '.join(f'{k} {v}' for k, v in options.items())}" if verified
            else "fix what the lines above say and rerun")
    lines.append(f"{uri}:{first_line}: {RULE}: none of the first {len(items)} records can be "
                 f"read ({counts}), so the run was not started and nothing was written; "
                 f"{todo} (or add {KEEP_GOING} to run anyway)")
    return lines
