"""The pipeline graph: read → prepare → write. Kept apart from the command line so tests and
other launchers (a Dataflow template, an Airflow task) build the same graph."""
from __future__ import annotations

import platform

import apache_beam as beam

from tuneprep.transforms.core.config import RunConfig
from tuneprep.transforms.beam.prepare import PrepareRecords
from tuneprep.transforms.beam.read import ReadBatches
from tuneprep.transforms.beam.write import WriteDataset



def versions() -> dict:
    from tuneprep import version
    return {"tuneprep": version(), "apache_beam": beam.__version__,
            "python": platform.python_version()}


def build(p: beam.Pipeline, cfg: RunConfig, manifest_extra: dict | None = None):
    """Adds the whole job to `p`; returns the PCollection holding the one report dict."""
    extra = {"versions": versions(), **(manifest_extra or {})}
    return (p
            | "Read" >> ReadBatches(cfg)
            | "Prepare" >> PrepareRecords(cfg)
            | "Write" >> WriteDataset(cfg, extra))
