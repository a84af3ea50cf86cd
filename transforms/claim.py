"""One run at a time per output folder: a `_RUNNING` marker holding the run id.

The launcher creates it exclusively (O_EXCL on disk, If-None-Match on S3), so of two runs
started into one empty folder only one goes on. `--overwrite` clears a folder, marker included
(that is how a killed run's debris is taken over); a run whose marker was taken over by another
finds out before it writes anything outside its own temporary folder, and fails."""
from __future__ import annotations

from transforms.storage import filesystem, join, open_read, open_write

MARKER = "_RUNNING"


class OutputTakenOver(RuntimeError):
    pass


def claim(output: str, run_id: str) -> bool:
    """True when this run now owns the output folder; False when another run holds it."""
    try:
        with open_write(join(output, MARKER), exclusive=True) as f:
            f.write(run_id.encode())
    except FileExistsError:
        return False
    return True


def held(output: str) -> bool:
    fs, path = filesystem(join(output, MARKER))
    return fs.exists(path)


def check(output: str, run_id: str) -> None:
    """Raises OutputTakenOver unless this run still holds the output folder."""
    try:
        with open_read(join(output, MARKER)) as f:
            holder = f.read().decode(errors="replace")
    except FileNotFoundError:
        holder = None
    if holder != run_id:
        raise OutputTakenOver(f"another run took over {output} (its {MARKER} marker is "
                              f"{'gone' if holder is None else 'run ' + holder}); this run "
                              f"{run_id} stops without touching the dataset")


def release(output: str) -> None:
    if held(output):
        fs, path = filesystem(join(output, MARKER))
        fs.rm(path)
