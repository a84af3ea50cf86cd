"""How many processes Beam's local runner (the DirectRunner) uses for a run.

One process runs everything in-process: the quickest start (~1.5 s), right for small inputs.
For a large input, tuneprep runs the local runner with one SDK worker process per CPU
(`--direct_num_workers N --direct_running_mode multi_processing`), and the reading, rules and
part writing of separate files or byte ranges (transforms/io/byte_ranges.py) run side by side. Each
worker costs ~1 s to start and ~130 MiB (Beam's own import), so it is only worth it when there
are enough megabytes and pieces of work to share. Beam's options given explicitly win."""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from typing import Iterator

from tuneprep.pipelines.options import UsageError
from tuneprep.pipelines.runner_checks import option_value, runs_elsewhere
from tuneprep.transforms.io import storage
from tuneprep.transforms.io.byte_ranges import range_count

# below this much input, extra processes cost more start-up than they save
PARALLEL_MIN_BYTES = 64 * 1024 * 1024
# --workers at most this many a CPU: each is a process of ~130 MiB, and more than the CPUs only
# wait for them (--workers 1000 started 218 processes for 50 records, then ran out of memory)
WORKERS_PER_CPU = 4


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:   # not Linux
        return os.cpu_count() or 1


def worker_count(inputs: list[str], file_format: str | None, split_bytes: int,
                 cpus: int | None = None) -> int:
    """One per CPU, but no more than the pieces of work (files, or ranges of big JSON Lines
    files), and 1 when the input is under PARALLEL_MIN_BYTES."""
    cpus = cpus or cpu_count()
    if cpus <= 1:
        return 1
    total, pieces = _work(inputs, file_format, split_bytes, cpus)
    return 1 if total < PARALLEL_MIN_BYTES else max(1, min(cpus, pieces))


def _work(inputs: list[str], file_format: str | None, split_bytes: int,
          enough: int) -> tuple[int, int]:
    """(bytes, pieces of work) of the inputs, looked at until there are `enough` pieces and
    PARALLEL_MIN_BYTES."""
    total = pieces = 0
    for uri in inputs:
        fs, path = storage.filesystem(uri)
        size = fs.size(path) or 0
        total += size
        pieces += range_count(uri, size, file_format, split_bytes)
        if total >= PARALLEL_MIN_BYTES and pieces >= enough:   # no need to look further
            break
    return total, pieces


def check_workers_option(workers: int | None, beam_args: list[str]) -> None:
    """UsageError when --workers cannot apply (checked before anything is written)."""
    if workers is None:
        return
    most = cpu_count() * WORKERS_PER_CPU
    if workers > most:
        raise UsageError(f"--workers {workers:,}: at most {most} on this machine "
                         f"({WORKERS_PER_CPU} a CPU; each worker is a process of ~130 MiB)")
    if runs_elsewhere(beam_args):
        raise UsageError("--workers is for the local runner; a cluster runner sizes its workers "
                         "with its own options (--num_workers, --max_num_workers, ...)")
    if _told(beam_args):
        raise UsageError("--workers sets --direct_num_workers and --direct_running_mode; "
                         "give one or the other")


def with_local_workers(beam_args: list[str], workers: int | None, cfg,
                       note=None) -> list[str]:
    """`beam_args` plus the local runner's worker options, unless the run goes to another
    runner or the Beam options already say how the local runner runs. `note(line)` (default:
    a `note:` line on stderr) is told when --workers is lowered to the pieces of work."""
    if runs_elsewhere(beam_args) or _told(beam_args):
        return beam_args
    inputs = cfg.inputs + cfg.validation_inputs
    if workers is None:
        n = worker_count(inputs, cfg.read.file_format, cfg.split_bytes)
    else:   # no more processes than pieces of work: the others would only start and wait
        n = min(workers, _work(inputs, cfg.read.file_format, cfg.split_bytes, workers)[1])
        if n < workers:
            (note or _note)(f"--workers {workers:,}: {n} used, one per file or byte range "
                            "to read (more would only start and wait)")
    if n <= 1:
        return beam_args
    return [*beam_args, "--direct_num_workers", str(n),
            "--direct_running_mode", "multi_processing"]


@contextmanager
def worker_environment(enabled: bool) -> Iterator[None]:
    """While the job runs, the environment the worker processes start with: each worker's gRPC
    threads would otherwise get their own malloc arenas (glibc makes up to 8 a CPU); two were
    measured to take ~10 MiB off each worker at no cost in time. The user's own setting wins."""
    if not enabled or "MALLOC_ARENA_MAX" in os.environ:
        yield
        return
    os.environ["MALLOC_ARENA_MAX"] = "2"
    try:
        yield
    finally:
        os.environ.pop("MALLOC_ARENA_MAX", None)


def _note(line: str) -> None:
    print(f"note: {line}", file=sys.stderr)


def _told(beam_args: list[str]) -> bool:
    return bool(option_value(beam_args, "--direct_num_workers")
                or option_value(beam_args, "--direct_running_mode"))
