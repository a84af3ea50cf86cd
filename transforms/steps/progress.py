"""Progress of a local run: counts bumped per batch, and one status line redrawn on a terminal,
or a plain line now and then elsewhere (cron, CI, a log file).

The Beam DoFns bump COUNTERS once per batch (never per record), and only while a status line is
shown. In the DirectRunner's in-process mode the DoFns run here, so the launcher sees the counts
as they grow. With local worker processes (--workers), the status line puts a folder in the
environment the workers inherit (RELAY_ENV); each worker keeps its own counts in one small file
there, and the launcher adds them up. Anywhere else (remote runners) COUNTERS stays inactive and
bumping it is a no-op. On a terminal the line is redrawn in place every half second; anywhere
else (a pipe, a file) a plain line, ending in a newline and free of control characters, is
written every PLAIN_INTERVAL seconds (PLAIN_INTERVAL_ENV sets another), so a run shorter than
that writes nothing. --quiet writes neither. Bytes are counted per file or byte range read, of
the input's total size when the launcher knows it (local inputs), which gives the percentage and
the time left.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time

CLEAR_LINE = "\r\x1b[K"
TERMINAL_INTERVAL = 0.5     # seconds between redraws on a terminal
PLAIN_INTERVAL = 10.0       # seconds between plain lines: a log gets ~6 lines a minute
PLAIN_INTERVAL_ENV = "TUNEPREP_PROGRESS_INTERVAL"   # another interval for plain lines, seconds
PLAIN_PREFIX = "progress: "


RELAY_ENV = "TUNEPREP_PROGRESS_DIR"


class Counters:
    """Files and records seen so far; plain ints bumped under the GIL (a lost race costs one
    batch in a progress display, never a count in the report, which comes from the stats)."""

    def __init__(self):
        self.active = False
        self.reset(0)

    def reset(self, files_total: int) -> None:
        self.files_total, self.files_done, self.records, self.dead = files_total, 0, 0, 0
        self.bytes_done = 0
        self.started = time.monotonic()

    def counting(self) -> bool:
        """Whether bumps count (a status line is shown, here or by the launcher of this
        worker): callers skip work done only for progress otherwise."""
        return self.active or bool(self._relay())

    def add_batch(self, records: int, dead: int) -> None:
        if self.active or self._relay():
            self.records += records
            self.dead += dead
            self._write()

    def file_done(self, nbytes: int = 0, last: bool = True) -> None:
        """A file, or a byte range of one (`last`: its file's last), read: nbytes of input."""
        if self.active or self._relay():
            self.files_done += bool(last)
            self.bytes_done += nbytes
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
                f.write(f"{self.files_done} {self.records} {self.dead} {self.bytes_done}")
            os.replace(path + ".tmp", path)
        except OSError:   # the run ended and the folder is gone: progress only
            pass

    def with_relayed(self, folder: str | None) -> tuple[int, int, int, int]:
        """(files done, records, dead letters, bytes read): these counts plus the workers' in
        `folder`."""
        totals = [self.files_done, self.records, self.dead, self.bytes_done]
        for name in os.listdir(folder) if folder else ():
            if name.endswith(".tmp"):
                continue
            try:
                with open(os.path.join(folder, name)) as f:
                    counts = [int(x) for x in f.read().split()]
            except (OSError, ValueError):
                continue
            if len(counts) == len(totals):
                totals = [t + c for t, c in zip(totals, counts)]
        files, records, dead, nbytes = totals
        return files, records, dead, nbytes


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


def format_bytes(n: float) -> str:
    """Decimal units, as the README's sizes: 950 → "950 B", 45_200 → "45.2 kB"."""
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n:.0f} B"


def format_status(files_done: int, files_total: int, records: int, dead: int,
                  elapsed: float, bytes_done: int = 0, bytes_total: int | None = None) -> str:
    """The status: files, bytes read of the total with the percentage (when the total is known),
    records, rate, dead letters, time so far and, once some bytes are read, the time left at
    the rate so far."""
    rate = records / elapsed if elapsed > 0 else 0.0
    read = ""
    left = ""
    if bytes_total:
        done = min(bytes_done, bytes_total)
        read = (f"{format_bytes(done)}/{format_bytes(bytes_total)} "
                f"({100 * done // bytes_total}%) · ")
        if 0 < done < bytes_total and elapsed > 0:
            left = f" · {format_elapsed(elapsed * (bytes_total - done) / done)} left"
    return (f"files {files_done:,}/{files_total:,} · {read}{records:,} records · "
            f"{compact(rate)} records/s · {dead:,} dead letters · {format_elapsed(elapsed)}"
            + left)


TERMINAL, PLAIN = "terminal", "plain"


def display(stream, quiet: bool) -> str | None:
    """How progress is shown on `stream`: redrawn on a TERMINAL, else PLAIN lines; None under
    --quiet or on a closed or odd stream."""
    if quiet:
        return None
    try:
        return TERMINAL if stream.isatty() else PLAIN
    except (AttributeError, ValueError, OSError):   # closed or odd streams
        return None


def should_show(stream, quiet: bool) -> bool:
    """The redrawn status line: only on a terminal, and never under --quiet."""
    return display(stream, quiet) == TERMINAL


def plain_interval() -> float:
    """Seconds between plain lines: PLAIN_INTERVAL, or PLAIN_INTERVAL_ENV's (positive) value."""
    try:
        value = float(os.environ.get(PLAIN_INTERVAL_ENV, ""))
    except ValueError:
        return PLAIN_INTERVAL
    return value if value > 0 else PLAIN_INTERVAL


class StatusLine:
    """Context manager: while open (and enabled), redraws one line on `stream` every `interval`
    seconds from `counters`; draws once at start and once at the end, then clears the line so
    whatever is printed next starts on a clean line. `plain`: a line ending in a newline every
    `interval` seconds instead (default plain_interval()), none at the start or the end, so a
    log gets no control characters and a short run no lines. `bytes_total`: the input's size,
    when known (the percentage and the time left)."""

    def __init__(self, stream, enabled: bool, files_total: int = 0,
                 interval: float | None = None, counters: Counters = COUNTERS,
                 plain: bool = False, bytes_total: int | None = None):
        self.stream, self.enabled, self.plain = stream, enabled, plain
        self.interval = interval or (plain_interval() if plain else TERMINAL_INTERVAL)
        self.files_total, self.counters, self.bytes_total = files_total, counters, bytes_total
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._relay_dir: str | None = None
        self._saved_env: str | None = None

    def line(self) -> str:
        c = self.counters
        files, records, dead, nbytes = c.with_relayed(self._relay_dir)
        return format_status(files, c.files_total, records, dead, time.monotonic() - c.started,
                             nbytes, self.bytes_total)

    def _draw(self) -> None:
        try:
            self.stream.write(PLAIN_PREFIX + self.line() + "\n" if self.plain
                              else CLEAR_LINE + self.line())
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
            if not self.plain:
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
            if not self.plain:
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
