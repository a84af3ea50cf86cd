"""The progress of `tuneprep run` on stderr while the job runs (transforms/steps/progress.py): a
line redrawn on a terminal; elsewhere (cron, CI, a log file) a plain line every few seconds;
nothing under --quiet. The input's total size is given when every input is a local file (one
stat each; an S3 input would cost a request each), for the percentage and the time left."""
from __future__ import annotations

import os
import sys

from tuneprep.pipelines.runner_checks import runs_elsewhere
from tuneprep.transforms.steps import progress
from tuneprep.transforms.io import storage


def status_line(args, cfg, beam_args: list[str]) -> progress.StatusLine:
    how = progress.display(sys.stderr, args.quiet)
    if how == progress.PLAIN and runs_elsewhere(beam_args):
        how = None   # the counts are the remote workers': the runner's UI shows its metrics
    inputs = cfg.inputs + cfg.validation_inputs
    return progress.StatusLine(sys.stderr, how is not None, len(inputs),
                               plain=how == progress.PLAIN,
                               bytes_total=input_bytes(inputs) if how else None)


def input_bytes(uris: list[str]) -> int | None:
    """The inputs' total size; None when one is not a local file or cannot be read."""
    total = 0
    for uri in uris:
        path = storage.local_path(uri)
        if path is None:
            return None
        try:
            total += os.path.getsize(path)
        except OSError:
            return None
    return total or None
