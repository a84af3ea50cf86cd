# SDK worker image for portable runners (Flink, Spark, Kubernetes worker-pool sidecar, EMR with
# --environment_type DOCKER): Beam's Python SDK image + tuneprep. Build context: the repository
# root:  docker build -f deploy/worker.Dockerfile -t tuneprep-worker:0.1.0 .
# The Beam version must equal the launcher's and the job server's: requirements.lock's (every
# dependency is installed at its locked version; tests/test_deploy.py checks the ARG).
ARG BEAM_VERSION=2.77.0
FROM apache/beam_python3.11_sdk:${BEAM_VERSION}
ARG BEAM_VERSION
WORKDIR /opt/tuneprep
COPY setup.py pyproject.toml README.md requirements.lock /opt/tuneprep/
COPY tuneprep /opt/tuneprep/tuneprep
COPY pipelines /opt/tuneprep/pipelines
COPY transforms /opt/tuneprep/transforms
RUN pip install --no-cache-dir -c requirements.lock /opt/tuneprep \
    && python -c "import tuneprep.pipelines.cli, tuneprep.transforms.steps.process"
# /opt/apache/beam/boot: `--worker_pool` makes it the EXTERNAL worker pool (port 50000);
# without it, a DOCKER-environment worker. The launcher image can be this one too:
#   docker run --entrypoint tuneprep tuneprep-worker:0.1.0 run --config /jobs/job.yaml
ENTRYPOINT ["/opt/apache/beam/boot"]
