"""Beam: the base of tuneprep's DoFns. Each holds the run's config and configures the store on
the worker it runs on (setup runs once per DoFn instance, on remote workers too, whose
environment may not name the S3 endpoint)."""
from __future__ import annotations

import apache_beam as beam

from tuneprep.transforms.io import s3_config


class ConfiguredDoFn(beam.DoFn):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg

    def setup(self):
        s3_config.configure(self.cfg.s3_endpoint_url, timeout=self.cfg.s3_timeout)
