"""What the first records of an input file tell before a run: a --field-map source key no
record holds (a map given the wrong way round), records no adapter recognises (with the keys
found and the --field-map that would read them), question/answer-like records read as plain
documents, a ".jsonl" file that is one pretty-printed JSON document.

`file_notes` gives the lines for one file (`inspect` prints them); `check_inputs` warns of them
at launch for the first local input files (a `warning:` line each, kept in the report), and
refuses the run when none of an input's sampled records can be read (input_refusal.py)."""
from __future__ import annotations

from itertools import islice

from tuneprep.pipelines.input_refusal import InputsRefused, refusal
from tuneprep.transforms.adapters import DETECT_SAMPLE, detect
from tuneprep.transforms.adapters.suggest import (keys_of, map_text, missing_sources,
                                                  propose_field_map, shown_keys,
                                                  unknown_format_hint)
from tuneprep.transforms.io import storage
from tuneprep.transforms.io.readers import (container_format, encoding_hint, read_format,
                                            read_items)

CHECKED_FILES = 20          # local input files whose first records are looked at, at launch


def head_items(uri: str, cfg) -> list:
    """The first DETECT_SAMPLE items of the file (those the run detects its adapter from)."""
    return list(islice(read_items(uri, cfg.read), DETECT_SAMPLE))


def file_notes(uri: str, cfg, items: list, adapter: str | None, target_kind: str | None,
               unknown: bool = True) -> list[str]:
    """One line for each thing the user should know about how this file is read, each as
    "FILE:LINE: RULE: what, and what to do" (`unknown`: also that no adapter recognises its
    records, with the keys and a --field-map)."""
    good = [item for item in items if item.error is None]
    values = [item.value for item in good]
    where = f"{uri}:{good[0].line if good else 1}"
    keys = keys_of(values)
    field_map = cfg.adapter.field_map
    notes = _reading_notes(uri, cfg, items)
    for pair in missing_sources(field_map, values):
        name, key = pair.split("=", 1)
        hint = f"; the map is canonical=source: did you mean {key}={name}?" if name in keys else ""
        notes.append(f"{where}: field_map_key: --field-map {pair}: none of the first "
                     f'{len(values)} records holds the key "{key}" (keys: {shown_keys(keys)})'
                     f"{hint}")
    if adapter is None and values and unknown:
        notes.append(f"{where}: unknown_format: no input adapter recognises its records; "
                     + unknown_format_hint(values))
    elif adapter == "text" and not field_map and target_kind is not None \
            and not _reads_documents(target_kind):
        proposal = propose_field_map(keys)
        if proposal:
            notes.append(f"{where}: plain_documents: read as plain documents (adapter text), "
                         f"though its keys ({shown_keys(keys)}) look like prompt and answer: "
                         f"to read them as such, --field-map {map_text(proposal)}")
    return notes


def _reads_documents(target_kind: str) -> bool:
    """Does the target of this kind take plain documents (Target.reads, the one truth)?"""
    from tuneprep.transforms.targets import TARGETS
    return any(t.reads == "document" for t in TARGETS.values() if t.kind == target_kind)


def _reading_notes(uri: str, cfg, items: list) -> list[str]:
    """How the file's bytes are read: a pretty-printed document named as JSON Lines, bytes
    that are not UTF-8."""
    notes = []
    if (container_format(uri, cfg.read.file_format) == "jsonl" and not cfg.read.file_format
            and read_format(uri, cfg.read) == "json"):
        notes.append(f"{uri}:1: pretty_printed_json: named as JSON Lines but holds one "
                     "pretty-printed JSON document; read as JSON (--file-format json says so)")
    bad = [item for item in items if item.error is not None
           and item.error.reason == "invalid_utf8"]
    if bad and (hint := encoding_hint(bad[0].raw if isinstance(bad[0].raw, bytes) else b"",
                                      cfg.read.encoding)):
        notes.append(f"{uri}:{bad[0].line}: invalid_utf8: {len(bad)} of the first {len(items)} "
                     f"records are not UTF-8{hint}")
    return notes


def check_inputs(cfg, warn, keep_going: bool = False) -> None:
    """warn(line) of each note on the first CHECKED_FILES local inputs (a remote file is
    read by the workers only). An input none of whose sampled records can be read refuses
    the run (InputsRefused, every such input's problems at once) unless `keep_going`."""
    from tuneprep.transforms.targets import TARGETS
    kind = TARGETS[cfg.target].kind
    local = [uri for uri in cfg.inputs + cfg.validation_inputs
             if storage.local_path(uri) is not None]
    refused: list[str] = []
    for uri in local[:CHECKED_FILES]:
        try:
            items = head_items(uri, cfg)
            adapter = cfg.input_format or detect(
                [item.value for item in items if item.error is None], cfg.adapter)
            notes = file_notes(uri, cfg, items, adapter, kind)
            lines = None if keep_going else refusal(uri, cfg, items, adapter, notes, head_items)
        except Exception:   # (unreadable: the run reports it on the file's own line)
            continue
        refused += lines or []
        for note in notes if not lines else ():
            warn(note)
    if refused:
        raise InputsRefused(refused)
