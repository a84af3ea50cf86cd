"""Input adapters: one raw item's value → the canonical Record (transforms/core/records.py). Pure Python.

Contract (used by transforms/steps/process.py):

    ADAPTERS: dict[str, Adapter]            every adapter by its --input-format name
    detect(values: list) -> str | None       the adapter name for a file, from its first values
    normalize(value, adapter: str, source: Source, opts: AdapterOptions) -> Record
        raises RecordError (stage "normalize") with a stable reason code; never anything else
        for any JSON-like value. The Record's id is NOT set here (process.py calls with_id()).
"""
from __future__ import annotations

from typing import Any, Callable

# (the order of the adapter modules below breaks detection ties)
from tuneprep.transforms.adapters import (alpaca, dolly, image_caption, messages, nova_dpo,
                                          openai_preference, preference, prompt_answer,
                                          prompt_completion, sharegpt, text)
from tuneprep.transforms.adapters.common import Adapter, refuse
from tuneprep.transforms.core.options import AdapterOptions
from tuneprep.transforms.core.records import NORMALIZE, Record, RecordError, Source

# nova-dpo and prompt-answer before messages, whose records they narrow (a last message of
# candidates; a reference answer and no answer message); the preference shapes after the
# adapters that read their chosen / rejected beside a conversation or an instruction
ADAPTERS: dict[str, Adapter] = {m.ADAPTER.name: m.ADAPTER for m in (
    nova_dpo, prompt_answer, messages, sharegpt, alpaca, dolly, prompt_completion, image_caption,
    text, preference, openai_preference)}
DETECT_SAMPLE = 20

__all__ = ["ADAPTERS", "Adapter", "AdapterOptions", "adapter_name", "detect", "normalize",
           "normalizer"]


def adapter_name(name: str) -> str:
    """The registry name for a user-given name: "prompt_completion" → "prompt-completion"."""
    return name.strip().lower().replace("_", "-")


def detect(values: list, opts: AdapterOptions | None = None) -> str | None:
    """The adapter of the most of the first values, each value counted for the first adapter
    (in ADAPTERS' order, the specific shapes first) that matches it; ties go to the earlier
    adapter. (Counted for every adapter it matches, an RFT file's 19 prompts and one record
    ending with an answer made 20 messages records against 19 prompt-answer ones: the whole
    file lost its reference answers.)"""
    sample = [apply_field_map(v, opts.field_map if opts else {}) for v in values[:DETECT_SAMPLE]]
    counts = dict.fromkeys(ADAPTERS, 0)
    for value in sample:
        first = next((name for name, adapter in ADAPTERS.items() if safe_match(adapter, value)),
                     None)
        if first is not None:
            counts[first] += 1
    best = max(counts, key=counts.get)   # (the first of equal counts: the earlier adapter)
    return best if counts[best] else None


def normalize(value: Any, adapter: str, source: Source,
              opts: AdapterOptions | None = None) -> Record:
    return normalizer(adapter, opts)(value, source)


def normalizer(adapter: str, opts: AdapterOptions | None = None) -> Callable[[Any, Source], Record]:
    """normalize() with the adapter looked up once: (value, source) → Record, RecordError
    for a record the adapter refuses (also for an unknown adapter, at the first record)."""
    opts = opts or AdapterOptions()
    spec = ADAPTERS.get(adapter_name(adapter))
    field_map = opts.field_map

    def unknown(value: Any, source: Source) -> Record:
        raise refuse("unknown_format", f'unknown input format "{adapter}" '
                     f"(known: {', '.join(ADAPTERS)})")

    def run(value: Any, source: Source) -> Record:
        try:
            return spec.normalize(apply_field_map(value, field_map) if field_map else value,
                                  source, opts)
        except RecordError as err:
            err.stage = err.stage or NORMALIZE
            raise
        except Exception as exc:  # odd JSON shapes must refuse the record, never crash the run
            raise refuse("wrong_type", f"{spec.name} record has an unexpected shape "
                         f"({type(exc).__name__}: {' '.join(str(exc).split())})") from exc

    return unknown if spec is None else run


def apply_field_map(value: Any, field_map: dict[str, str]) -> Any:
    """Renames source keys to canonical names in a shallow copy (canonical name -> source key)."""
    if not field_map or not isinstance(value, dict):
        return value
    renamed = dict(value)
    for canonical, source_key in field_map.items():
        if source_key in value and source_key != canonical:
            renamed[canonical] = renamed.pop(source_key)
    return renamed


def safe_match(adapter: Adapter, value: Any) -> bool:
    try:
        return bool(adapter.matches(value))
    except Exception:  # a value odd enough to break a matcher does not match it
        return False
