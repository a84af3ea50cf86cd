"""Beam metrics: the run's progress as counters a runner shows while the job runs (Flink's web
UI, Dataflow's job page "Custom counters", PipelineResult.metrics()), namespace `tuneprep`.
The local progress line (transforms/steps/progress.py) counts the same things in-process; on a
remote runner only these reach the user before the job ends."""
from __future__ import annotations

from apache_beam.metrics import Metrics

NAMESPACE = "tuneprep"

FILES_LISTED = Metrics.counter(NAMESPACE, "files_listed")     # expanded on the workers
FILES_READ = Metrics.counter(NAMESPACE, "files_read")
RECORDS_READ = Metrics.counter(NAMESPACE, "records_read")
RECORDS_ACCEPTED = Metrics.counter(NAMESPACE, "records_accepted")   # before --sample-to-quota
DEAD_LETTERS = Metrics.counter(NAMESPACE, "dead_letter_records")
PARTS_WRITTEN = Metrics.counter(NAMESPACE, "parts_written")
SHARDS_WRITTEN = Metrics.counter(NAMESPACE, "shards_written")        # assembled in parallel
BYTES_COPIED_ON_S3 = Metrics.counter(NAMESPACE, "bytes_copied_on_s3")   # UploadPartCopy
BYTES_THROUGH_WORKER = Metrics.counter(NAMESPACE, "bytes_uploaded_by_worker")   # UploadPart

NAMES = ("files_listed", "files_read", "records_read", "records_accepted", "dead_letter_records",
         "parts_written", "shards_written", "bytes_copied_on_s3", "bytes_uploaded_by_worker")


def batch_done(stats: dict, parts: int) -> None:
    """One processed batch written as `parts` part files."""
    RECORDS_READ.inc(stats["input_records"])
    RECORDS_ACCEPTED.inc(stats["accepted_records"])
    DEAD_LETTERS.inc(stats["dead_letter_records"])
    PARTS_WRITTEN.inc(parts)


def counters(result) -> dict[str, int]:
    """name → committed value (attempted where the runner commits none) of a PipelineResult."""
    from apache_beam.metrics.metric import MetricsFilter
    found = result.metrics().query(MetricsFilter().with_namespace(NAMESPACE))["counters"]
    out: dict[str, int] = {}
    for c in found:
        value = c.committed if c.committed is not None else c.attempted
        out[c.key.metric.name] = out.get(c.key.metric.name, 0) + (value or 0)
    return out
