"""The readers' and the adapters' options: parts of the run's config (config.py), so they sit
at the bottom with it and the readers and adapters above import them from here."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass(slots=True)
class ReadOptions:
    file_format: str | None = None      # force jsonl|json|csv|tsv|parquet|text
    text_unit: str = "file"             # plain text: one record per "file", "line" or "paragraph"
    max_record_bytes: int = 16 * 1024 * 1024
    encoding: str = "utf-8"             # of text files (CSV, JSON, plain text); --encoding
    records_path: str | None = None     # JSON document: the dotted path of its list of records
    # JSON document: whether an object holding one list of objects is one record (an adapter
    # reads it) rather than a wrapper of records. Given by the config's builder: the readers know
    # no adapter. None: no object is.
    one_record: Callable[[dict[str, Any], str], bool] | None = None


@dataclass(slots=True)
class AdapterOptions:
    field_map: dict[str, str] = field(default_factory=dict)   # canonical name -> source key
    image_root: str | None = None     # base for relative image paths (default: the caption file's folder)
