"""`tuneprep validate --check-media`: reading the media that written records name, by the rules
a run's media staging applies (a target's media.media_checker returns one of these)."""
from __future__ import annotations

from tuneprep.transforms.core.records import RecordError


class WrittenMediaChecker:
    """Each distinct medium is read once however many records name it: refs() says which media
    of a written object a run would read, check() reads one (raising RecordError)."""

    def __init__(self, model):
        self.model = model
        self._found: dict[tuple, tuple[str, str] | None] = {}

    def refs(self, obj):
        """Hashable descriptions of the media of `obj` to read, as check()'s arguments."""
        raise NotImplementedError

    def check(self, *ref) -> None:
        raise NotImplementedError

    def problems(self, obj) -> list[tuple[str, str]]:
        """(reason, message) for each medium of `obj` that breaks a rule."""
        out = []
        for ref in self.refs(obj):
            if ref not in self._found:
                try:
                    self.check(*ref)
                    self._found[ref] = None
                except RecordError as e:
                    self._found[ref] = (e.reason, e.message)
            if self._found[ref]:
                out.append(self._found[ref])
        return out
