"""Beam's pipeline options and runner names, for the launcher's checks (pipelines/runner_checks.py,
pipelines/job_spec.py): the entry points ask here, so that this package stays the only importer
of apache_beam (pyproject.toml's import contracts)."""
from __future__ import annotations


def runner_path(name: str) -> str:
    """The dotted path of the runner class a --runner name stands for, as Beam resolves it
    (a short name, with or without "Runner"); the name itself when Beam knows none."""
    # Beam exposes the name → class table only as _RUNNER_MAP (create_runner would also build
    # the runner); it is read here, in one place, rather than by the entry points.
    from apache_beam.runners.runner import _RUNNER_MAP
    return _RUNNER_MAP.get(name.lower(), _RUNNER_MAP.get(name.lower() + "runner", name))


def load_runner_module(name: str) -> None:
    """Imports the module of the runner a --runner name stands for, so that its own pipeline
    options register (DaskRunner's --dask_client_address); nothing for a name Beam knows no
    class for (Beam refuses it itself, listing the known ones). ImportError when the runner's
    extra is not installed."""
    import importlib
    path = runner_path(name)
    if "." in path:
        importlib.import_module(path.rsplit(".", 1)[0])


def option_parser():
    """A parser holding every pipeline option Beam knows now (a runner's own register when its
    module is imported), parsing as PipelineOptions itself does (no abbreviations)."""
    from apache_beam.options import pipeline_options as po
    parser = po._BeamArgumentParser(allow_abbrev=False)
    for cls in po.PipelineOptions.__subclasses__():
        cls._add_argparse_args(parser)
    return parser


def option_names(parser) -> set[str]:
    """Every name an option of `parser` goes by: its destination and its long flags."""
    return {a.dest for a in parser._actions} | {
        o[2:] for a in parser._actions for o in a.option_strings if o.startswith("--")}


def long_flags(parser) -> list[str]:
    """The --flags of `parser`, in its order."""
    return [o for a in parser._actions for o in a.option_strings if o.startswith("--")]
