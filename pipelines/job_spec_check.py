"""A job spec checked without running it (deploy/README.md): kept apart from job_spec.py because
it needs the whole `tuneprep run` parser, and cli.py imports job_spec.py (one direction only)."""
from __future__ import annotations

from tuneprep.pipelines import cli
from tuneprep.pipelines.job_spec import CONFIG, expand_config
from tuneprep.pipelines.runner_checks import check_paths_for_runner, refuse_beam_options
from tuneprep.pipelines.settings import settings


def validate(path: str) -> list[str]:
    """Every check that needs no input, output or cluster: the file, its keys and values, the
    `tuneprep run` parser, the run's settings as `run` makes them (settings.settings: model and
    target, template, token options...), the Beam options and the runner's path rules. Returns
    the arguments the run would get; raises UsageError."""
    argv = expand_config(["run", CONFIG, path])
    args, beam_args = cli.make_parser().parse_known_args(argv)
    settings(args)
    refuse_beam_options(beam_args)
    check_paths_for_runner(args, beam_args)
    return argv
