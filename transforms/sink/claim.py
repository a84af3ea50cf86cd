"""One run at a time per output folder: a `_RUNNING` marker naming the run that writes there.

The launcher creates it exclusively (O_EXCL on disk, If-None-Match on S3), so of two runs
started into one folder only one goes on. The marker holds its schema (the proof, for
`--overwrite`, that tuneprep wrote it), the run id, and the launcher: host, process id, and the
process's start time and the machine's boot id, since a pid alone is reused within seconds and
a killed launcher lingers as a zombie until its parent reaps it. The launcher touches the marker
while the job runs (its modification time is the heartbeat; a touch never creates the file, so
a beat after the run released its marker cannot bring it back). A marker whose launcher is gone
(on this host: no process with that pid and start time, or only a zombie; elsewhere: last
touched over STALE_SECONDS ago) is a killed run's debris, which `--overwrite` may clear; a live
one is never cleared. A run whose marker was taken over anyway finds out before it writes
anything outside its own temporary folder, and fails."""
from __future__ import annotations

import os
import socket
import threading
import time

import orjson

from tuneprep.transforms.core.layout import RUNNING
from tuneprep.transforms.io.storage import filesystem, is_s3, join, local_path, open_read, open_write

MARKER = RUNNING   # (layout.py's name; claim.MARKER is how callers say "the claim")
SCHEMA = "tuneprep-claim/1"
HEARTBEAT_SECONDS = 20
# a heartbeat older than this means the launcher is gone: several missed beats, and more than
# the clock difference of two machines that share a bucket is likely to be
STALE_SECONDS = 180


class OutputTakenOver(RuntimeError):
    pass


def _content(run_id: str) -> bytes:
    me = {"schema": SCHEMA, "run_id": run_id, "host": socket.gethostname(), "pid": os.getpid(),
          "started": round(time.time(), 3)}
    launcher = _process(os.getpid())
    if launcher is not None:
        me.update(pid_start=launcher[1], boot_id=_boot_id())
    return orjson.dumps(me)


def is_tuneprep(marker: dict | None) -> bool:
    """Whether a marker (holder()) is a claim tuneprep wrote, not a file of the same name."""
    return (isinstance(marker, dict) and marker.get("schema") == SCHEMA
            and isinstance(marker.get("run_id"), str) and bool(marker["run_id"]))


def claim(output: str, run_id: str) -> bool:
    """True when this run now owns the output folder; False when another run holds it."""
    try:
        with open_write(join(output, MARKER), exclusive=True) as f:
            f.write(_content(run_id))
    except FileExistsError:
        return False
    return True


def held(output: str) -> bool:
    fs, path = filesystem(join(output, MARKER))
    return fs.exists(path)


def holder(output: str) -> dict | None:
    """What the marker says ({"run_id", "host", "pid", "started"}) and when it was last
    touched ("heartbeat", seconds since the epoch); None when there is none. A marker of an
    older tuneprep holds the run id alone."""
    uri = join(output, MARKER)
    try:
        with open_read(uri) as f:
            data = f.read()
        fs, path = filesystem(uri)
        beat = fs.modified(path).timestamp()
    except FileNotFoundError:
        return None
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        value = None
    if not isinstance(value, dict):
        value = {"run_id": data.decode(errors="replace")}
    value["heartbeat"] = beat
    return value


def is_live(marker: dict, now: float | None = None) -> bool:
    """Whether the run a marker names may still be writing."""
    beat = marker.get("heartbeat")
    if not isinstance(beat, (int, float)) or (now or time.time()) - beat > STALE_SECONDS:
        return False
    if marker.get("host") == socket.gethostname() and isinstance(marker.get("pid"), int):
        # this very process launches one run at a time: its own marker is an ended run's
        return marker["pid"] != os.getpid() and _launcher_alive(marker)
    return True


def _launcher_alive(marker: dict) -> bool:
    """The marker's launcher still runs on this host: its pid exists, is no zombie, and (when
    the marker says) started when the launcher did, since the machine booted."""
    pid = marker["pid"]
    found = _process(pid)
    if found is None:
        return _process_exists(pid) if not os.path.isdir("/proc/self") else False
    state, start = found
    if state in ("Z", "X"):   # killed, not yet reaped by its parent: it writes nothing
        return False
    if "pid_start" in marker:
        return marker["pid_start"] == start and marker.get("boot_id") == _boot_id()
    return True


def _process(pid: int) -> tuple[str, int] | None:
    """(state, start time in clock ticks after boot) of a process, from /proc/PID/stat (fields
    3 and 22); None when there is no such process or no /proc."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read().decode(errors="replace")
    except OSError:
        return None
    # the command name (field 2) may hold spaces and parentheses: count from the last ')'
    fields = stat.rsplit(")", 1)[-1].split()
    try:
        return fields[0], int(fields[19])
    except (IndexError, ValueError):
        return None


def _boot_id() -> str | None:
    try:
        with open("/proc/sys/kernel/random/boot_id") as f:
            return f.read().strip()
    except OSError:
        return None


def _process_exists(pid: int) -> bool:
    """Without /proc (macOS): whether any process has the pid."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:   # someone else's process: it exists
        return True
    return True


def describe(marker: dict) -> str:
    """'run 1a2b… (pid 42 on host h, started 2026-12-01 21:40:00 UTC)' for messages."""
    where = []
    if marker.get("pid") is not None:
        where.append(f"pid {marker['pid']}")
    if marker.get("host"):
        where.append(f"on host {marker['host']}")
    if isinstance(marker.get("started"), (int, float)):
        where.append("started " + time.strftime("%Y-%m-%d %H:%M:%S UTC",
                                                time.gmtime(marker["started"])))
    return f"run {marker.get('run_id')}" + (f" ({', '.join(where)})" if where else "")


def check(output: str, run_id: str) -> None:
    """Raises OutputTakenOver unless this run still holds the output folder."""
    marker = holder(output)
    if marker is None or marker.get("run_id") != run_id:
        raise OutputTakenOver(f"another run took over {output} (its {MARKER} marker is "
                              f"{'gone' if marker is None else describe(marker)}); this run "
                              f"{run_id} stops without touching the dataset")


def check_local(output: str, run_id: str) -> None:
    """check() for a local output, at the cost of one small read (it runs for every part): a
    killed launcher's worker processes live on for seconds, and must not write into a folder
    another run has cleared and claimed since."""
    try:
        with open(os.path.join(local_path(output), MARKER), "rb") as f:
            data = f.read()
        ours = orjson.loads(data).get("run_id") == run_id
    except (OSError, orjson.JSONDecodeError, AttributeError):
        ours = False
    if not ours:
        raise OutputTakenOver(f"the {MARKER} marker of {output} is no longer run {run_id}'s "
                              "(its launcher is gone, or another run took over): this worker "
                              "stops without writing")


def release(output: str) -> None:
    if held(output):
        fs, path = filesystem(join(output, MARKER))
        fs.rm(path)


def touch(output: str) -> bool:
    """Sets the marker's modification time to now, never creating it; False when it is gone."""
    uri = join(output, MARKER)
    fs, path = filesystem(uri)
    local = local_path(uri)
    try:
        if local is not None:
            os.utime(local)
        elif is_s3(uri):   # a copy onto itself: fails with NoSuchKey when there is no marker
            bucket, _, key = path.partition("/")
            fs.call_s3("copy_object", Bucket=bucket, Key=key, MetadataDirective="REPLACE",
                       CopySource={"Bucket": bucket, "Key": key})
        else:
            return False
    except (FileNotFoundError, OSError):
        return False
    return True


class Heartbeat:
    """While the block runs, touches this run's marker every HEARTBEAT_SECONDS, so another run
    can tell a live claim from a killed run's. Stops once the marker is gone or no longer this
    run's (released at the end, or taken over)."""

    def __init__(self, output: str, run_id: str, every: float = HEARTBEAT_SECONDS):
        self.output, self.run_id, self.every = output, run_id, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="tuneprep-heartbeat",
                                        daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=5)
        return False

    def _beat(self) -> None:
        while not self._stop.wait(self.every):
            try:
                marker = holder(self.output)
                if marker is None or marker.get("run_id") != self.run_id:
                    return
                touch(self.output)
            except Exception:   # a missed beat is no reason to fail the run; the next may pass
                continue
