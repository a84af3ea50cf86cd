"""Running the job: Beam's options and pipeline made from the launcher's Beam arguments, here so
that pipelines/ never imports apache_beam (pyproject.toml's beam-only contract)."""
from __future__ import annotations

from typing import Any, Callable


def pipeline_job(beam_args: list[str], add_graph: Callable[[Any], None]) -> Callable[[], None]:
    """The job as a function of no arguments: it builds a pipeline on `beam_args`'s options,
    has `add_graph` add the graph to it, and runs it to the end (Beam runs it as the `with`
    block closes), raising what the runner raises. The options are parsed now, before the
    launcher starts the job (on a thread of its own, or the main one)."""
    import apache_beam as beam   # (imported at the launch: `inspect` and `validate` never load it)
    from apache_beam.options.pipeline_options import PipelineOptions

    options = PipelineOptions(beam_args)

    def job() -> None:
        with beam.Pipeline(options=options) as p:
            add_graph(p)
    return job
