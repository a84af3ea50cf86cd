"""Beam's pipeline options and runner names, for the launcher's checks (pipelines/runner_checks.py,
pipelines/job_spec.py): the entry points ask here, so that this package stays the only importer
of apache_beam (pyproject.toml's import contracts). Beam's public API only: PipelineOptions'
get_all_options and apache_beam.runners.create_runner."""
from __future__ import annotations


def load_runner_module(name: str) -> None:
    """Imports the module of the runner a --runner name stands for, so that its own pipeline
    options register (DaskRunner's --dask_client_address); nothing for a name Beam knows no
    runner for (Beam refuses it itself, listing the known ones). ImportError when the runner's
    extra is not installed."""
    import importlib
    if "." in name:   # a runner named by its class's dotted path
        importlib.import_module(name.rsplit(".", 1)[0])
        return
    from apache_beam.runners import create_runner
    try:
        create_runner(name)   # (imports the runner's module; building the object starts nothing)
    except ValueError:
        pass


def known_options() -> list[str]:
    """The names (destinations) of every pipeline option Beam knows now, in its order (a
    runner's own register when its module is imported)."""
    from apache_beam.options.pipeline_options import PipelineOptions
    return list(PipelineOptions([]).get_all_options())


def unknown_flags(beam_args: list[str]) -> list[str]:
    """The flags of `beam_args` that no pipeline option Beam knows takes, as the user typed
    them (Beam itself only logs them and runs on)."""
    from apache_beam.options.pipeline_options import PipelineOptions
    known = set(known_options())
    parsed = PipelineOptions(beam_args).get_all_options(retain_unknown_options=True)
    new = {name for name in parsed if name not in known}
    return [arg.split("=", 1)[0] for arg in beam_args
            if arg.startswith("-") and _name(arg) in new]


def _name(flag: str) -> str:
    # how Beam names an unknown flag's option: "--validaton-split=1" -> "validaton_split"
    return flag.split("=", 1)[0].lstrip("-").replace("-", "_")
