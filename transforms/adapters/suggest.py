"""What to tell a user whose records no adapter reads as they are: the keys found and the
--field-map that would read them (a spreadsheet's question/answer, prompt/response,
query/response, input/output, human/bot, text/label, context/question/answer columns), and
the --field-map source keys that none of the records holds (a map given the wrong way round).
Pure Python: the run's dead letters (process.py), `inspect`, `--dry-run` and the launch-time
check of the inputs (pipelines/input_check.py) say the same.

The proposal maps to dolly's names (instruction, context, response): a record holding those
is read by the dolly adapter, whatever its other keys."""
from __future__ import annotations

from typing import Any, Iterable

from tuneprep.transforms.adapters.errors import refuse, type_name

# Source keys taken for each part, best first (compared case-insensitively).
PROMPT_KEYS = ("instruction", "question", "prompt", "query", "input", "human", "user",
               "request", "problem", "q", "source", "text")
RESPONSE_KEYS = ("response", "answer", "output", "completion", "bot", "assistant", "gpt",
                 "reply", "solution", "target", "label", "a", "result")
CONTEXT_KEYS = ("context", "input", "passage", "document")
SHOWN_KEYS = 8


def keys_of(values: Iterable[Any]) -> list[str]:
    """The keys of the object values, in order of first appearance."""
    seen: dict[str, None] = {}
    for value in values:
        if isinstance(value, dict):
            seen.update(dict.fromkeys(str(k) for k in value))
    return list(seen)


def propose_field_map(keys: list[str]) -> dict[str, str] | None:
    """canonical name -> source key for records of these keys, or None when no prompt and
    answer pair is recognised (or the pair needs no map)."""
    usable = [k for k in keys if k and k == k.strip() and not any(c in k for c in ",=")]

    def pick(names: tuple[str, ...], taken: tuple[str, ...] = ()) -> str | None:
        lower = {k.lower(): k for k in reversed(usable) if k not in taken}
        return next((lower[n] for n in names if n in lower), None)

    prompt = pick(PROMPT_KEYS)
    response = pick(RESPONSE_KEYS, (prompt,)) if prompt else None
    if not response:
        return None
    context = pick(CONTEXT_KEYS, (prompt, response))
    proposal = {"instruction": prompt, "response": response}
    if context:
        proposal["context"] = context
    proposal = {name: key for name, key in proposal.items() if name != key}
    return proposal or None


def map_text(field_map: dict[str, str]) -> str:
    return ",".join(f"{name}={key}" for name, key in field_map.items())


def shown_keys(keys: list[str]) -> str:
    more = len(keys) - SHOWN_KEYS
    return ", ".join(keys[:SHOWN_KEYS]) + (f" (and {more} more)" if more > 0 else "") or "none"


def unknown_format_hint(values: Iterable[Any]) -> str:
    """What to do about records no adapter recognises: 'its keys: …; try --field-map …'."""
    values = list(values)
    keys = keys_of(values)
    if not keys:
        kinds = sorted({type_name(v) for v in values}) or ["nothing"]
        return f"the records are {' or '.join(kinds)}; choose an adapter with --input-format"
    proposal = propose_field_map(keys)
    if proposal:
        return (f"keys: {shown_keys(keys)}; try --field-map {map_text(proposal)} "
                "(or choose an adapter with --input-format)")
    return (f"keys: {shown_keys(keys)}; name the prompt and answer keys with --field-map "
            "instruction=KEY,response=KEY, or choose an adapter with --input-format")


def unknown_format(value: Any):
    """The RecordError of a record in a file no adapter recognises (raise it)."""
    return refuse("unknown_format", "no input adapter recognises the records of this file; "
                  + unknown_format_hint([value]))


def missing_sources(field_map: dict[str, str], values: Iterable[Any]) -> list[str]:
    """The --field-map pairs (name=key) whose source key none of the object values holds."""
    keys = set(keys_of(values))
    if not keys:
        return []
    return [f"{name}={key}" for name, key in field_map.items() if key not in keys]
