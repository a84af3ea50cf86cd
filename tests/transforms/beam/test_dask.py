"""Beam's DaskRunner on a dask.distributed LocalCluster with two worker processes: the current,
honest state (deploy/dask/README.md).

The DaskRunner (experimental, not FnAPI) does not keep a multi-output ParDo's outputs apart: every
element, main or tagged, reaches the consumer of one output. tuneprep's graph needs tagged
outputs twice (Beam's `with_exception_handling` safety net, and parts vs statistics when
writing), so on Dask good batches reach the failed-batch handler and the run fails: exit 1, no
_SUCCESS, never a silently wrong dataset. If a Beam release fixes this, the second test compares
counts and bytes with the DirectRunner before saying anything else.

Needs `pip install 'apache-beam[dask]'` (the `dask` extra; the `test` extra includes it)."""
from __future__ import annotations

import json

import pytest

distributed = pytest.importorskip(
    "distributed", reason="the DaskRunner needs dask.distributed: pip install 'apache-beam[dask]'")

import apache_beam as beam  # noqa: E402
from apache_beam.options.pipeline_options import PipelineOptions  # noqa: E402

from tuneprep.pipelines.cli import main  # noqa: E402
from tests.helpers import SAMPLES, assert_same_dataset  # noqa: E402

pytestmark = pytest.mark.slow   # (`pytest -m "not slow"` is the quick loop)

DASK_RUNNER = "apache_beam.runners.dask.dask_runner.DaskRunner"


@pytest.fixture(scope="module")
def cluster():
    """A LocalCluster of two worker processes; the DaskRunner's client is closed with it."""
    local = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                     dashboard_address=None)
    try:
        yield local.scheduler_address
    finally:
        # each DaskRunner run makes its own Client and leaves it open
        from distributed.client import _global_clients
        for client in list(_global_clients.values()):
            client.close()
        local.close()


class _MainAndTagged(beam.DoFn):
    def process(self, x):
        yield f"main-{x}"
        yield beam.pvalue.TaggedOutput("side", f"side-{x}")


def _append_to(path):
    def append(x):
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(x) + "\n")
        return x
    return append


def _seen(path) -> list[str]:
    return sorted(json.loads(l) for l in path.read_text().splitlines()) if path.exists() else []


def test_dask_runner_does_not_separate_tagged_outputs(cluster, tmp_path):
    """The root cause, on a three-step pipeline: one consumer gets every element, the other
    none. (On the DirectRunner each gets its own two.)"""
    main_file, side_file = tmp_path / "main.jsonl", tmp_path / "side.jsonl"
    options = PipelineOptions(["--runner", DASK_RUNNER, "--dask_client_address", cluster])
    with beam.Pipeline(options=options) as p:
        out = p | beam.Create([1, 2]) | beam.ParDo(_MainAndTagged()).with_outputs("side", main="main")
        out.main | "Main" >> beam.Map(_append_to(main_file))
        out.side | "Side" >> beam.Map(_append_to(side_file))
    every = ["main-1", "main-2", "side-1", "side-2"]
    assert sorted(_seen(main_file) + _seen(side_file)) == every
    assert {tuple(_seen(main_file)), tuple(_seen(side_file))} == {(), tuple(every)}, \
        "the DaskRunner now separates tagged outputs: rerun tuneprep on it (next test)"


def test_tuneprep_on_dask_fails_loudly_not_silently(cluster, tmp_path, capsys):
    args = ["run", "--input", str(SAMPLES / "alpaca_sample.jsonl"), "--target", "bedrock-text",
            "--validation-split", "0.1"]
    dask_out, direct_out = tmp_path / "dask", tmp_path / "direct"
    code = main([*args, "--output", str(dask_out), "--runner", DASK_RUNNER,
                 "--dask_client_address", cluster])
    err = capsys.readouterr().err
    if code == 0:   # never claim a runner works without comparing counts and bytes
        assert main([*args, "--output", str(direct_out)]) == 0
        assert_same_dataset(direct_out, dask_out)
        pytest.fail("tuneprep now completes on the DaskRunner with identical output: update "
                    "deploy/dask/README.md and turn this into the passing test")
    assert code == 1
    assert "error: the run failed: TypeError: cannot unpack non-iterable Processed object" in err
    assert not (dask_out / "_SUCCESS").exists() and not (dask_out / "report.json").exists()


def test_dask_runner_needs_its_full_name(capsys, tmp_path):
    """Beam does not list the DaskRunner among its short runner names."""
    code = main(["run", "--input", str(SAMPLES / "alpaca_sample.jsonl"), "--target",
                 "bedrock-text", "--output", str(tmp_path / "o"), "--runner", "DaskRunner",
                 "--dask_client_address", "tcp://localhost:1"])
    assert code == 2
    assert f"--runner DaskRunner: Beam knows this runner only by its full name, --runner " \
        f"{DASK_RUNNER}" in capsys.readouterr().err
