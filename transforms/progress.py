"""Progress of a local run: counts bumped per batch, and one status line redrawn on a terminal.

The Beam DoFns bump COUNTERS once per batch (never per record), and only while a status line is
shown in this same process: on the DirectRunner's in-process mode the DoFns run here, so the
launcher sees the counts as they grow. Anywhere else (worker processes, remote runners) COUNTERS
stays inactive and bumping it is a no-op. Nothing is drawn unless stderr is a terminal and
--quiet is not given, so logs and pipes never get control characters.
"""
from __future__ import annotations

import threading
import time

CLEAR_LINE = "\r\x1b[K"


class Counters:
    """Files and records seen so far; plain ints bumped under the GIL (a lost race costs one
    batch in a progress display, never a count in the report, which comes from the stats)."""

    def __init__(self):
        self.active = False
        self.reset(0)

    def reset(self, files_total: int) -> None:
        self.files_total, self.files_done, self.records, self.dead = files_total, 0, 0, 0
        self.started = time.monotonic()

    def add_batch(self, records: int, dead: int) -> None:
        if self.active:
            self.records += records
            self.dead += dead

    def file_done(self) -> None:
        if self.active:
            self.files_done += 1


COUNTERS = Counters()


def compact(n: float, thousands_digits: int = 1) -> str:
    """1234 → "1,234", 45_600 → "45.6k" (or "46k" with thousands_digits=0), 2_300_000 →
    "2.3M"."""
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}M"
    if n >= 10_000:
        return f"{n / 1000:.{thousands_digits}f}k"
    return f"{n:,.0f}"


def format_elapsed(seconds: float) -> str:
    seconds = int(seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def format_status(files_done: int, files_total: int, records: int, dead: int,
                  elapsed: float) -> str:
    rate = records / elapsed if elapsed > 0 else 0.0
    return (f"files {files_done:,}/{files_total:,} · {records:,} records · "
            f"{compact(rate)} records/s · {dead:,} dead letters · {format_elapsed(elapsed)}")


def should_show(stream, quiet: bool) -> bool:
    """A status line only on a terminal, and never under --quiet."""
    if quiet:
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):   # closed or odd streams are not terminals
        return False


class StatusLine:
    """Context manager: while open (and enabled), redraws one line on `stream` every `interval`
    seconds from `counters`; draws once at start and once at the end, then clears the line so
    whatever is printed next starts on a clean line."""

    def __init__(self, stream, enabled: bool, files_total: int = 0, interval: float = 0.5,
                 counters: Counters = COUNTERS):
        self.stream, self.enabled, self.interval = stream, enabled, interval
        self.files_total, self.counters = files_total, counters
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def line(self) -> str:
        c = self.counters
        return format_status(c.files_done, c.files_total, c.records, c.dead,
                             time.monotonic() - c.started)

    def _draw(self) -> None:
        try:
            self.stream.write(CLEAR_LINE + self.line())
            self.stream.flush()
        except (OSError, ValueError):   # the terminal went away: stop drawing, keep running
            self._stop.set()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self._draw()

    def __enter__(self):
        if self.enabled:
            self.counters.reset(self.files_total)
            self.counters.active = True
            self._draw()
            self._thread = threading.Thread(target=self._loop, name="tuneprep-progress",
                                            daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc):
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self._thread = None
            self._draw()        # the final counts, briefly
            try:
                self.stream.write(CLEAR_LINE)
                self.stream.flush()
            except (OSError, ValueError):
                pass
        self.counters.active = False
        return False
