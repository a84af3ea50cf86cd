"""`tuneprep inspect URI…`: how each file is read, before a long run. No Beam, writes nothing.

Per file: the container format, the input adapter (detected from the first records, or forced),
the field map, then the first N records as canonical records and, with --target, as that target
writes them (or the dead-letter reason it would give). Uses the same readers, adapters and
targets as the run."""
from __future__ import annotations

import dataclasses
import sys
from itertools import islice

import orjson

from tuneprep.pipelines.input_paths import expand_inputs
from tuneprep.pipelines.options import UsageError
from tuneprep.pipelines.settings import settings
from tuneprep.pipelines.storage_options import refuse_credentials
from tuneprep.transforms.adapters import ADAPTERS, safe_match
from tuneprep.transforms.adapters import apply_field_map
from tuneprep.transforms.steps.batching import DETECT_SAMPLE, Batch, choose_adapter, read_head
from tuneprep.transforms.core.config import RunConfig
from tuneprep.transforms.adapters.suggest import (keys_of, map_text, propose_field_map,
                                                  shown_keys)
from tuneprep.transforms.io.readers import (container_format, is_utf8_encoding, read_format,
                                            read_items)
from tuneprep.transforms.io.readers.csv_rows import csv_delimiter, delimiter_name
from tuneprep.transforms.io.readers.json_doc import records_location
from tuneprep.pipelines.input_check import file_notes
from tuneprep.transforms.core.records import NORMALIZE, READ
from tuneprep.transforms.steps.process import BatchProcessor
from tuneprep.pipelines.sample_outcomes import outcomes
from tuneprep.transforms.targets import TARGETS

SHOW_CHARS = 300     # strings longer than this are cut in the display (--full shows them whole)


def _config(args) -> RunConfig:
    """The run's settings for these options (settings.settings: the same checks as `run`)."""
    if args.records < 1:
        raise UsageError("--records must be at least 1")
    return settings(args)


def shorten(value, limit: int | None = SHOW_CHARS):
    """A copy of a JSON-like value with long strings cut, for display."""
    if limit is None:
        return value
    if isinstance(value, str):
        return value if len(value) <= limit else value[:limit] + f"… ({len(value):,} chars)"
    if isinstance(value, dict):
        return {k: shorten(v, limit) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [shorten(v, limit) for v in value]
    return value


def canonical(record) -> dict:
    """The record's dataclass fields, empty ones left out."""
    out = {}
    for f in dataclasses.fields(record):
        value = getattr(record, f.name)
        if f.name == "source" or value in (None, "", [], {}, ()):
            continue
        out[f.name] = [list(t) for t in value] if f.name == "turns" else value
    return out


def _dump(value) -> str:
    return orjson.dumps(value, default=str).decode()


def inspect_file(uri: str, cfg: RunConfig, n: int, full: bool = False, with_target: bool = True,
                 out=None) -> None:
    out = out or sys.stdout
    try:
        fmt = read_format(uri, cfg.read)
    except Exception as e:  # an unreadable file is shown as such, read_items says why
        fmt = f"{container_format(uri, cfg.read.file_format)} ({type(e).__name__})"
    items = list(islice(read_items(uri, cfg.read), max(n, DETECT_SAMPLE)))
    adapter = _print_file(uri, fmt, cfg, items, with_target, out)
    shown = items[:n]
    # the run's own code decides each record and builds the canonical one shown (BatchProcessor,
    # media not uploaded)
    processor = BatchProcessor(cfg, upload_media=False, keep_records=True)
    results = outcomes(processor, Batch(0, 0, uri, None, adapter, shown)) if shown else {}
    show = _RecordView(TARGETS[cfg.target] if with_target else None, processor,
                       None if full else SHOW_CHARS, out)
    for item in shown:
        show(item, results.get(item.line, {}))


def _print_file(uri: str, fmt: str, cfg: RunConfig, items: list, with_target: bool,
                out) -> str | None:
    """The file's lines: container, adapter (and the keys found when none reads the records),
    field map, warnings. Returns the adapter."""
    head = [i.value for i in items[:DETECT_SAMPLE] if i.error is None]
    adapter, how = _adapter_chosen(items, cfg)
    print(f"== {uri}", file=out)
    print(f"   container: {fmt}{_how_read(uri, fmt, cfg)}", file=out)
    print(f"   adapter:   {adapter or 'none: no adapter recognises these records'}  [{how}]",
          file=out)
    if adapter is None and head:
        print(f"   keys:      {shown_keys(keys_of(head))}", file=out)
        proposal = propose_field_map(keys_of(head))
        if proposal:
            print(f"   try:       --field-map {map_text(proposal)}", file=out)
    fmap = cfg.adapter.field_map
    print(f"   field map: {', '.join(f'{k}={v}' for k, v in fmap.items()) or 'none'}", file=out)
    kind = TARGETS[cfg.target].kind if with_target else None
    for note in file_notes(uri, cfg, items[:DETECT_SAMPLE], adapter, kind, unknown=False):
        print(f"   warning:   {note}", file=out)
    return adapter


def _adapter_chosen(items: list, cfg: RunConfig) -> tuple[str | None, str]:
    """(the adapter, how it was chosen: forced, or detected with each adapter's matches)."""
    if cfg.input_format:
        return cfg.input_format, "forced with --input-format"
    adapter = choose_adapter(read_head(iter(items))[0], cfg)   # as the run chooses it
    values = [i.value for i in items if i.error is None]
    mapped = [apply_field_map(v, cfg.adapter.field_map) for v in values[:DETECT_SAMPLE]]
    votes = {name: sum(1 for v in mapped if safe_match(a, v)) for name, a in ADAPTERS.items()}
    votes = {k: v for k, v in sorted(votes.items(), key=lambda kv: -kv[1]) if v}
    return adapter, (f"detected from the first {len(mapped)} records"
                     + (f" (matches: {', '.join(f'{k} {v}' for k, v in votes.items())})"
                        if votes else ""))


@dataclasses.dataclass
class _RecordView:
    """Prints one shown record: as read (or its read or normalize dead letter), as the
    canonical record, then with a target as the run writes it (or its dead letter)."""
    target: object | None   # None: no --target, the canonical record only
    processor: BatchProcessor
    limit: int | None
    out: object

    def __call__(self, item, result: dict) -> None:
        out, limit = self.out, self.limit
        print(f"-- line {item.line}", file=out)
        letter = result.get("dead_letter")
        if letter is not None and letter["stage"] in (READ, NORMALIZE):
            if letter["stage"] == NORMALIZE:
                print(f"   raw:         {_dump(shorten(item.value, limit))}", file=out)
            _print_dead(letter, out)
            return
        record = self.processor.records[item.line].with_id()
        print(f"   canonical:   {_dump(shorten(canonical(record), limit))}", file=out)
        if self.target is None:
            return
        if letter is not None:
            _print_dead(letter, out)
            return
        self._print_written(result.get("written", []), record)

    def _print_written(self, objs: list, record) -> None:
        name, out = self.target.name, self.out
        for i, obj in enumerate(objs):
            shown = name if len(objs) == 1 else f"{name} [{i + 1}/{len(objs)}]"
            print(f"   {shown}: {_dump(shorten(obj, self.limit))}", file=out)
        unwritten = self.processor.not_written(record.unread)
        if unwritten:   # as the run's note says it
            print(f"   not written: {', '.join(unwritten)} ({name} has no place for "
                  "them)", file=out)


def _print_dead(letter: dict, out) -> None:
    print(f"   dead letter: {letter['reason']} ({letter['stage']}): {letter['message']}",
          file=out)


def _how_read(uri: str, fmt: str, cfg: RunConfig) -> str:
    """' (delimiter: semicolon)', ' (records: the list under "data")', ...: how the reader
    reads a CSV or JSON document, beside its container format."""
    parts = []
    try:
        if fmt in ("csv", "tsv"):
            parts.append(f"delimiter: {delimiter_name(csv_delimiter(uri, fmt, cfg.read))}")
        elif fmt == "json":
            parts.append(f"records: {records_location(uri, cfg.read)}")
    except Exception:   # unreadable: the records below say why
        pass
    if not is_utf8_encoding(cfg.read.encoding):
        parts.append(f"encoding: {cfg.read.encoding}")
    return f" ({', '.join(parts)})" if parts else ""


def inspect_main(args, out=None) -> int:
    for uri in args.uris:   # as run refuses them (storage_options.check_uris)
        refuse_credentials("", uri)
    cfg = _config(args)
    for uri in expand_inputs(args.uris):
        inspect_file(uri, cfg, args.records, args.full, bool(args.target), out)
    return 0
