"""What the launcher of `tuneprep run` has done to the output so far, and what it says and
undoes when the run fails or is stopped: the claim released when nothing was written, the error
line's account of the dataset (never complete without _SUCCESS) and what a rerun needs."""
from __future__ import annotations

import os
import sys

from tuneprep.pipelines import interrupts
from tuneprep.pipelines.bounded_cleanup import within_one_call
from tuneprep.transforms.sink import claim
from tuneprep.transforms.io import storage
from tuneprep.transforms.core.layout import REPORT_JSON, SUCCESS, TEMPORARY
from tuneprep.transforms.sink.staged_files import temp_root
from tuneprep.transforms.io.storage import join


class RunState:
    """What the launcher has done to the output so far, for a run that fails or is stopped."""

    def __init__(self):
        self.cfg = None           # set once this run holds the output's claim
        self.created = False      # the output folder did not exist before this run
        self.started = False      # the job was handed to the runner

    def _nothing_written(self) -> bool:
        cfg = self.cfg
        return (storage.is_empty_or_missing(temp_root(cfg))
                and not storage.exists(join(cfg.output, REPORT_JSON)))

    def failed(self, job_ended: bool = False) -> None:
        """A run that wrote nothing leaves nothing: its claim goes (and the folders it made),
        so the next run needs no --overwrite. `job_ended`: the job failed and is over (no
        worker writes any more), so its own parts are debris nothing can use: they go too, and
        its claim always (a dataset it may have begun stays, for --overwrite to replace)."""
        cfg = self.cfg
        if cfg is None:
            return
        try:
            marker = claim.holder(cfg.output)
            if marker is None or marker.get("run_id") != cfg.run_id:
                return
            if job_ended:
                storage.remove_tree(temp_root(cfg))
                if storage.is_empty_or_missing(join(cfg.output, TEMPORARY)):
                    storage.remove_tree(join(cfg.output, TEMPORARY))
            elif not self._nothing_written():
                return
            claim.release(cfg.output)
            path = storage.local_path(cfg.output)
            if path is not None:   # (only empty folders go; an object store has none)
                temporary = os.path.join(path, TEMPORARY)
                for folder in (os.path.join(temporary, cfg.run_id), temporary,
                               *([path] if self.created else [])):
                    _remove_empty_folder(folder)
        except Exception:   # the store may be what failed: the claim then stays as debris
            pass

    def failure_note(self, job_ended: bool = False) -> str:
        """The error line's end once the output is claimed: the dataset is not complete, and
        what a rerun needs (the clean-up and that check within one S3 call's time)."""
        if self.cfg is None:   # nothing claimed yet: the output is as it was
            return ""
        note = within_one_call(lambda: (self.failed(job_ended), self.rerun_note())[1],
                               "; rerun with --overwrite once the store answers")
        where = storage.redact(self.cfg.output)
        return f"; the dataset at {where} is not complete (no {SUCCESS}){note}"

    def rerun_note(self) -> str:
        """After a failed job: whether the rerun needs --overwrite (or what else blocks it)."""
        cfg = self.cfg
        try:
            if storage.exists(join(cfg.output, claim.MARKER)):
                return (f"; its {claim.MARKER} marker could not be removed: rerun with "
                        "--overwrite once the store is reachable")
            if storage.is_empty_or_missing(cfg.output):
                return "; nothing was left there: rerun as it is once fixed"
        except Exception:   # the store itself may be what failed
            return "; rerun with --overwrite"
        return "; what it wrote stays: rerun with --overwrite to replace it"

    def interrupted(self, e: interrupts.Interrupted) -> int:
        terminal = None
        if self.started:   # Beam's threads would report their killed workers on stderr
            terminal = interrupts.mute_stderr()
            interrupts.stop_worker_processes()
        cfg = self.cfg
        if cfg is None:
            print(f"interrupted ({e}): nothing was written", file=sys.stderr)
            return e.exit_code
        where = storage.redact(cfg.output)
        try:
            complete = storage.exists(join(cfg.output, SUCCESS))
            if not complete:
                self.failed()
            untouched = not complete and not storage.exists(join(cfg.output, claim.MARKER))
        except Exception:
            complete, untouched = False, False
        if complete:
            message = f"the dataset at {where} was already complete ({SUCCESS})"
        elif untouched:
            message = f"nothing was written to {where}"
        else:
            message = (f"the dataset at {where} is not complete (no {SUCCESS}); rerun with "
                       "--overwrite")
        line = f"interrupted ({e}): {message}\n"
        if terminal is None:
            sys.stderr.write(line)
            sys.stderr.flush()
        else:
            os.write(terminal, line.encode(errors="replace"))
        sys.stdout.flush()
        if self.started:   # the job's threads may still run: leave without waiting for them
            os._exit(e.exit_code)
        return e.exit_code


def _remove_empty_folder(path: str) -> None:
    try:
        os.rmdir(path)
    except OSError:
        pass
