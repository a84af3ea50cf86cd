"""Airflow DAG: a nightly tuneprep run through the Apache Beam provider
(`pip install apache-airflow-providers-apache-beam`).

BeamRunPythonPipelineOperator runs `PY_INTERPRETER PY_FILE --runner=RUNNER --key=value ...`;
PY_FILE is tuneprep's `tuneprep/pipelines/launch.py` (= `tuneprep run`), installed with tuneprep
in its own virtual environment on the Airflow workers (`/opt/tuneprep`). The job spec holds the
options; the options given here (the dated output folder, the runner) win over the spec's."""
from __future__ import annotations

import datetime as dt

from airflow import DAG
from airflow.providers.apache.beam.operators.beam import BeamRunPythonPipelineOperator

TUNEPREP_VENV = "/opt/tuneprep"
LAUNCH = f"{TUNEPREP_VENV}/lib/python3.11/site-packages/tuneprep/pipelines/launch.py"
JOB_SPEC = "/opt/tuneprep/jobs/job.yaml"   # deploy/airflow/job.yaml

with DAG(
    dag_id="tuneprep_nightly",
    schedule="0 2 * * *",
    start_date=dt.datetime(2024, 1, 1),
    catchup=False,
    max_active_runs=1,          # one run per output folder (tuneprep's _RUNNING claim refuses a second)
    default_args={"retries": 1, "retry_delay": dt.timedelta(minutes=10)},
    tags=["tuneprep", "beam"],
) as dag:
    BeamRunPythonPipelineOperator(
        task_id="build_dataset",
        runner="DirectRunner",  # or PortableRunner with a job_endpoint (deploy/flink/)
        py_file=LAUNCH,
        py_interpreter=f"{TUNEPREP_VENV}/bin/python",
        pipeline_options={
            "config": JOB_SPEC,
            "output": "s3://my-dataset-bucket/datasets/titan-alpaca/{{ ds_nodash }}",
        },
    )
