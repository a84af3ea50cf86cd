"""The statistics' per-file counts gathered compactly (issue 28, item 7). Pure Python.

Every batch's statistics name their input file: {uri: {input_records, accepted_records,
dead_letter_records, adapter}} (stats.file_stats). Merged as dicts, and held by the runner
encoded, decoded and cached as a side input, that cost the launcher ~1 KB a file at the end of
a run. FileCounts holds them as one index a name and three arrays of counts, and pickles as a
few blobs; the assembly turns them back into stats["files"] once (`as_dict`).
"""
from __future__ import annotations

from array import array

from tuneprep.transforms.steps import stats as st

COUNTS = ("input_records", "accepted_records", "dead_letter_records")


class FileCounts:
    __slots__ = ("index", "counts", "adapters", "adapter_names", "other")

    def __init__(self):
        self.index: dict[str, int] = {}                 # uri -> its row
        self.counts = tuple(array("q") for _ in COUNTS)
        self.adapters = array("H")                      # row -> adapter_names index
        self.adapter_names: list = [None]
        self.other: dict[str, dict] = {}                # (fields beyond these, merged as is)

    def __len__(self) -> int:
        return len(self.index)

    def add(self, uri: str, f: dict) -> None:
        """Adds one file's counts, as stats.merge would."""
        row = self.index.get(uri)
        if row is None:
            row = self.index[uri] = len(self.index)
            for column in self.counts:
                column.append(0)
            self.adapters.append(0)
        for column, name in zip(self.counts, COUNTS):
            column[row] += f.get(name) or 0
        adapter = f.get("adapter")
        if adapter is not None and self.adapters[row] == 0:   # (the first one named keeps)
            if adapter not in self.adapter_names:
                self.adapter_names.append(adapter)
            self.adapters[row] = self.adapter_names.index(adapter)
        extra = {k: v for k, v in f.items() if k not in COUNTS and k != "adapter"}
        if extra:
            st.merge(self.other.setdefault(uri, {}), extra)

    def add_all(self, files: dict) -> None:
        for uri, f in files.items():
            self.add(uri, f)

    def merge(self, other: FileCounts) -> FileCounts:
        for uri, f in other.items():
            self.add(uri, f)
        return self

    def items(self):
        """(uri, its counts as stats["files"] holds them), one at a time."""
        names = self.adapter_names
        for uri, row in self.index.items():
            f = {name: column[row] for name, column in zip(COUNTS, self.counts)}
            f["adapter"] = names[self.adapters[row]]
            if uri in self.other:
                f.update(self.other[uri])
            yield uri, f

    def as_dict(self) -> dict:
        return dict(self.items())

    def __reduce__(self):
        # the names as one text, counts as bytes (a name holding NUL, no local path can: a list)
        names = "\0".join(self.index)
        if names.count("\0") != max(len(self.index) - 1, 0):
            names = list(self.index)
        return (_unpickle, (names, tuple(c.tobytes() for c in self.counts),
                            self.adapters.tobytes(), self.adapter_names, self.other))


def _unpickle(names, counts: tuple, adapters: bytes, adapter_names: list,
              other: dict) -> FileCounts:
    out = FileCounts()
    if isinstance(names, str):
        names = names.split("\0") if names else []
    out.index = {uri: row for row, uri in enumerate(names)}
    for column, data in zip(out.counts, counts):
        column.frombytes(data)
    out.adapters.frombytes(adapters)
    out.adapter_names, out.other = adapter_names, other
    return out
