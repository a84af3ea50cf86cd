"""Progress of a local run: counts bumped per batch, and one status line redrawn on a terminal.

The Beam DoFns bump COUNTERS once per batch (never per record), and only while a status line is
shown. In the DirectRunner's in-process mode the DoFns run here, so the launcher sees the counts
as they grow. With local worker processes (--workers), the status line puts a folder in the
environment the workers inherit (RELAY_ENV); each worker keeps its own counts in one small file
there, and the launcher adds them up. Anywhere else (remote runners) COUNTERS stays inactive and
bumping it is a no-op. Nothing is drawn unless stderr is a terminal and --quiet is not given, so
logs and pipes never get control characters.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time

CLEAR_LINE = "\r\x1b[K"


RELAY_ENV = "TUNEPREP_PROGRESS_DIR"


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
        if self.active or self._relay():
            self.records += records
            self.dead += dead
            self._write()

    def file_done(self) -> None:
        if self.active or self._relay():
            self.files_done += 1
            self._write()

    def _relay(self) -> str | None:
        """In a local worker process of a run that shows progress: the folder to report to."""
        return os.environ.get(RELAY_ENV)

    def _write(self) -> None:
        folder = None if self.active else self._relay()
        if folder is None:
            return
        path = os.path.join(folder, str(os.getpid()))
        try:   # write then rename: the launcher never reads half a file
            with open(path + ".tmp", "w") as f:
                f.write(f"{self.files_done} {self.records} {self.dead}")
            os.replace(path + ".tmp", path)
        except OSError:   # the run ended and the folder is gone: progress only
            pass

    def with_relayed(self, folder: str | None) -> tuple[int, int, int]:
        """(files done, records, dead letters): these counts plus the workers' in `folder`."""
        files, records, dead = self.files_done, self.records, self.dead
        for name in os.listdir(folder) if folder else ():
            if name.endswith(".tmp"):
                continue
            try:
                with open(os.path.join(folder, name)) as f:
                    f_, r, d = (int(x) for x in f.read().split())
            except (OSError, ValueError):
                continue
            files, records, dead = files + f_, records + r, dead + d
        return files, records, dead


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
        self._relay_dir: str | None = None
        self._saved_env: str | None = None

    def line(self) -> str:
        c = self.counters
        files, records, dead = c.with_relayed(self._relay_dir)
        return format_status(files, c.files_total, records, dead, time.monotonic() - c.started)

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
            self._relay_dir = tempfile.mkdtemp(prefix="tuneprep-progress-")
            self._saved_env = os.environ.get(RELAY_ENV)
            os.environ[RELAY_ENV] = self._relay_dir   # worker processes start after this
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
        if self._relay_dir is not None:
            if self._saved_env is None:
                os.environ.pop(RELAY_ENV, None)
            else:
                os.environ[RELAY_ENV] = self._saved_env
            shutil.rmtree(self._relay_dir, ignore_errors=True)
            self._relay_dir = None
        return False
