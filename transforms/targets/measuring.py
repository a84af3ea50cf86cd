"""What counts toward a model's token limit in a written object: every string but roles
(Target.measure, in characters; Target.texts, the strings themselves for an exact count)."""
from __future__ import annotations


def string_length(value, key: str | None = None) -> int:
    """The characters of every string in value but roles (a string under the key "role")."""
    if isinstance(value, str):
        return 0 if key == "role" else len(value)
    total = 0
    # a string inside is counted here rather than by a call of its own: the messages of a
    # chat object are most of its values, and a call each was most of measure()'s cost
    if isinstance(value, dict):
        for k, item in value.items():
            if type(item) is str:
                if k != "role":
                    total += len(item)
            else:
                total += string_length(item, k)
    elif isinstance(value, list):
        for item in value:
            total += len(item) if type(item) is str else string_length(item)
    return total


def strings(value, out: list, key: str | None = None) -> list:
    """The strings string_length counts (the non-empty ones), in order, added to out."""
    if isinstance(value, str):
        if key != "role" and value:
            out.append(value)
    elif isinstance(value, dict):
        for k, item in value.items():
            strings(item, out, k)
    elif isinstance(value, list):
        for item in value:
            strings(item, out)
    return out
