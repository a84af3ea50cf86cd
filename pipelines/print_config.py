"""`tuneprep run … --print-config`: the run's options (the command line and its --config merged)
as a job spec that `--config` takes, so a run can be written down and replayed exactly
(`run --config printed.yaml --print-config` prints the same file).

The options are checked as `run` checks them before anything is read (settings, Beam options,
the runner's path rules); nothing is listed, read or written. Only the options given are
written, not run's defaults: a default is this version's (and two defaults may exclude each
other, as --validation-input and --validation-split do). --field-map and --placeholder-map are
written as YAML mappings, --repair and --records-with/--records-without as lists, the Beam
options under `beam:`."""
from __future__ import annotations

import sys

from tuneprep.pipelines.job_spec import BEAM_KEY, _run_actions
from tuneprep.pipelines.options import LIST_OPTIONS, MAP_OPTIONS


def job_spec(args, beam_args: list[str]) -> dict:
    """The job spec of parsed `run` arguments: option key → value, in run's order."""
    from tuneprep.pipelines.settings import parse_map
    spec: dict = {}
    for key, action in _run_actions().items():
        value = getattr(args, action.dest, None)
        if value is None or value == action.default:
            continue
        if action.dest in MAP_OPTIONS:
            value = parse_map(value, action.option_strings[0])
        elif action.dest in LIST_OPTIONS:
            value = [name.strip() for name in value.split(",") if name.strip()]
        spec[key] = value
    beam = beam_options(beam_args)
    if beam:
        spec[BEAM_KEY] = beam
    return spec


def beam_options(beam_args: list[str]) -> dict:
    """`--name=value`, `--name value` and `--flag` → {name: value | true}; a repeated option
    → a list, as job_spec takes them."""
    out: dict = {}
    i = 0
    while i < len(beam_args):
        name, eq, value = beam_args[i].lstrip("-").partition("=")
        if not eq:
            has_value = i + 1 < len(beam_args) and not beam_args[i + 1].startswith("-")
            value = beam_args[i + 1] if has_value else True
            i += has_value
        i += 1
        if name in out:
            out[name] = [*out[name], value] if isinstance(out[name], list) else [out[name], value]
        else:
            out[name] = value
    return out


def to_yaml(spec: dict) -> str:
    import yaml
    return yaml.safe_dump(spec, sort_keys=False, default_flow_style=False, allow_unicode=True,
                          width=100)


def print_config(args, beam_args: list[str]) -> int:
    """Checks the options as `run` does (UsageError), prints the job spec; exit code 0."""
    from tuneprep.pipelines.runner_checks import check_paths_for_runner, refuse_beam_options
    from tuneprep.pipelines.settings import settings
    settings(args)
    refuse_beam_options(beam_args)
    check_paths_for_runner(args, beam_args)
    sys.stdout.write(to_yaml(job_spec(args, beam_args)))
    return 0
