"""The pipeline graph: read → prepare → write. Kept apart from the command line so tests and
other launchers (a Dataflow template, an Airflow task) build the same graph."""
from __future__ import annotations

import dataclasses
import platform

import apache_beam as beam

from tuneprep.transforms.core.config import RunConfig
from tuneprep.transforms.io.listing import InputListing, of_config
from tuneprep.transforms.beam.dedup import DuplicateLosers
from tuneprep.transforms.beam.prepare import PrepareRecords
from tuneprep.transforms.beam.read import ReadBatches
from tuneprep.transforms.beam.write import WriteDataset

LISTED_KEYS = ("inputs", "validation_inputs")   # manifest entries the workers' listing fills


def versions() -> dict:
    from tuneprep import version
    return {"tuneprep": version(), "apache_beam": beam.__version__,
            "python": platform.python_version()}


def slim(cfg: RunConfig) -> RunConfig:
    """The config the DoFns hold (pickled into each): without the input files, which the
    workers list themselves (transforms/io/listing.py)."""
    return dataclasses.replace(cfg, inputs=[], validation_inputs=[])


def build(p: beam.Pipeline, cfg: RunConfig, manifest_extra: dict | None = None,
          listing: InputListing | None = None):
    """Adds the whole job to `p`; returns the PCollection holding the one report dict.

    listing: the inputs as the user named them, expanded on the workers (the launcher's:
    pipelines/worker_listing.py); default: cfg.inputs, each one file. The manifest's `inputs`
    and `validation_inputs`, when manifest_extra names them, are the workers' listing (the job
    graph does not hold the file list)."""
    listing = listing if listing is not None else of_config(cfg)
    extra = {"versions": versions(), **(manifest_extra or {})}
    listed_keys = [k for k in LISTED_KEYS if k in extra]
    for key in listed_keys:
        del extra[key]
    worker_cfg = slim(cfg)
    read = ReadBatches(worker_cfg, listing)
    batches = p | "Read" >> read
    # --dedup: a pass of its own finds the duplicates (keys and locations only), which the
    # processing step takes as a side input
    losers = p | "Dedup" >> DuplicateLosers(worker_cfg, listing) if cfg.dedup else None
    return (batches
            | "Prepare" >> PrepareRecords(worker_cfg, losers)
            | "Write" >> WriteDataset(worker_cfg, extra,
                                      listed=read.listed if listed_keys else None))
