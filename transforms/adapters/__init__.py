"""Input adapters: one raw item's value → the canonical Record (transforms/records.py). Pure Python.

Contract (used by transforms/process.py):

    ADAPTERS: dict[str, Adapter]            every adapter by its --input-format name
    detect(values: list) -> str | None       the adapter name for a file, from its first values
    normalize(value, adapter: str, source: Source, opts: AdapterOptions) -> Record
        raises RecordError (stage "normalize") with a stable reason code; never anything else
        for any JSON-like value. The Record's id is NOT set here (process.py calls with_id()).
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class AdapterOptions:
    field_map: dict[str, str] = field(default_factory=dict)   # canonical name -> source key
    image_root: str | None = None     # base for relative image paths (default: the caption file's folder)
