"""tuneprep on a real Flink 1.19 session cluster on this machine: a JobManager, two TaskManagers
of two slots, Beam's Flink job server and a Python SDK worker pool, all started by
deploy/flink/local/cluster.sh from the classpath `make flink` resolves from Maven.

Every data file and dead letter must be byte-identical to a DirectRunner run of the same
command, also when a TaskManager is killed outright in the middle of the job (Flink restarts
the job's tasks; the parts have deterministic names, so a lost task's debris cannot add a
record). Also: S3 input and output, a sharded layout, --sample-to-quota, and the SDK worker
pool killed mid-job (a loud failure in bounded time, then an identical rerun).
Without `make flink` the tests skip; with TUNEPREP_REQUIRE_FLINK set (.ci/run sets it, after
`make flink`) they fail instead. Flink's fixed cost is about a minute a run on 2 cores."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import orjson
import pytest

from tuneprep.pipelines.cli import main
from tests.e2e.test_prism import adversarial_corpus
from tests.helpers import AWS_TEST_ENV, REPO, SAMPLES, assert_same_dataset, free_port, read_json

pytestmark = pytest.mark.slow

CLUSTER = REPO / "deploy" / "flink" / "local" / "cluster.sh"
CLASSPATH = REPO / ".cache" / "flink" / "lib"
PORTS = ("FLINK_REST_PORT", "FLINK_RPC_PORT", "BEAM_JOB_PORT", "BEAM_ARTIFACT_PORT",
         "BEAM_EXPANSION_PORT", "BEAM_WORKER_POOL_PORT")


class Cluster:
    def __init__(self, home: Path):
        self.home = home
        # the SDK workers read and write the S3 test server themselves: its credentials only
        self.env = {**{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
                    **AWS_TEST_ENV, "AWS_CONFIG_FILE": os.devnull,
                    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                    "FLINK_LOCAL_HOME": str(home), "PYTHON": sys.executable,
                    **{name: str(free_port()) for name in PORTS}}

    def run(self, *args: str, timeout: float = 180) -> str:
        done = subprocess.run([str(CLUSTER), *args], env=self.env, capture_output=True,
                              text=True, timeout=timeout)
        assert done.returncode == 0, (args, done.stdout, done.stderr)
        return done.stdout

    def runner_args(self) -> list[str]:
        return self.run("args").split()

    def pid(self, name: str) -> int:
        return int((self.home / "pids" / f"{name}.pid").read_text())

    def latest_job(self) -> dict:
        return max(self.rest("/jobs/overview")["jobs"], key=lambda j: j["start-time"])

    def rest(self, path: str):
        url = f"http://127.0.0.1:{self.env['FLINK_REST_PORT']}{path}"
        with urllib.request.urlopen(url, timeout=10) as response:
            return json.load(response)


@pytest.fixture(scope="module")
def flink(tmp_path_factory):
    if not (CLASSPATH / ".resolved").is_file():
        reason = (f"no Flink classpath at {CLASSPATH}: `make flink` resolves it from Maven "
                  "(deploy/flink/README.md)")
        if os.environ.get("TUNEPREP_REQUIRE_FLINK"):
            pytest.fail(reason + "; TUNEPREP_REQUIRE_FLINK asks for it")
        pytest.skip(reason)
    cluster = Cluster(tmp_path_factory.mktemp("flink-cluster"))
    try:
        cluster.run("start")
        yield cluster
    finally:
        print(cluster.run("stop"))
    for name in ("jobmanager", "jobserver", "workerpool"):
        assert not (cluster.home / "pids" / f"{name}.pid").exists()


def run_cli(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def both_runs(capsys, flink, direct: Path, remote: Path, *args) -> dict:
    """The same command on the DirectRunner and on the Flink cluster; their wall times."""
    started = time.monotonic()
    code, _, err = run_cli(capsys, "run", *args, "--output", direct)
    assert code == 0, err
    direct_s = time.monotonic() - started
    jobs = len(flink.rest("/jobs/overview")["jobs"])
    started = time.monotonic()
    code, _, err = run_cli(capsys, "run", *args, "--output", remote, *flink.runner_args())
    assert code == 0, err
    flink_s = time.monotonic() - started
    # the job ran on the cluster, and finished there
    overview = flink.rest("/jobs/overview")["jobs"]
    assert len(overview) == jobs + 1
    assert max(overview, key=lambda j: j["start-time"])["state"] == "FINISHED"
    return {"direct_s": direct_s, "flink_s": flink_s}


def test_adversarial_corpus_with_dead_letters_is_identical(flink, capsys, tmp_path):
    """The bundled sample with a validation split is run too (a test of its own cost a Flink job,
    ~70 s of the suite): the adversarial files beside it, its records split the same way."""
    adversarial_corpus(tmp_path / "in")
    direct, remote = tmp_path / "direct", tmp_path / "flink"
    times = both_runs(capsys, flink, direct, remote, "--input", tmp_path / "in",
                      "--input", SAMPLES / "alpaca_sample.jsonl",
                      "--input-format", "alpaca", "--target", "bedrock-text",
                      "--max-record-bytes", "250", "--split-bytes", "4096",
                      "--validation-split", "0.2",
                      # binary.jsonl alone would stop the run at the launch: it is meant to run
                      "--keep-going")
    assert_same_dataset(direct, remote)
    report = read_json(remote / "report.json")
    for reason in ("unreadable_file", "empty_file", "invalid_json", "invalid_utf8",
                   "record_too_large", "invalid_csv", "wrong_type"):
        assert report["dead_letter_reasons"].get(reason), (reason, report["dead_letter_reasons"])
    dead = [orjson.loads(line) for line in
            (remote / "dead_letter" / "dead_letter.jsonl").read_bytes().splitlines()]
    assert len(dead) == report["dead_letter_records"] > 20
    assert len({(d["source"]["uri"], d["source"]["line"], d["reason"]) for d in dead}) == len(dead)
    sample = report["files"][str(SAMPLES / "alpaca_sample.jsonl")]
    assert sample["input_records"] == 94 and sample["accepted_records"] > 0
    assert report["output_records"]["validation"] > 0
    print(f"DirectRunner {times['direct_s']:.1f}s, Flink {times['flink_s']:.1f}s")


def run_to_kill(flink, capsys, tmp_path: Path):
    """A 20k-record run on the DirectRunner, then the same on the cluster in a subprocess,
    returned once it writes its part files (the middle of the job): (args, direct, remote,
    the running process)."""
    corpus = tmp_path / "big.jsonl"
    with corpus.open("wb") as f:
        for i in range(20_000):
            f.write(orjson.dumps({"instruction": f"Question {i}: explain item {i}.", "input": "",
                                  "output": f"Answer {i} " * 20}) + b"\n")
    args = ["run", "--input", str(corpus), "--target", "bedrock-text", "--quiet",
            "--split-bytes", "1000000"]
    direct, remote = tmp_path / "direct", tmp_path / "flink"
    code, _, err = run_cli(capsys, *args, "--output", direct)
    assert code == 0, err
    run = subprocess.Popen([sys.executable, "-m", "tuneprep", *args, "--output", str(remote),
                            *flink.runner_args()], cwd=tmp_path,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 150
    while not any((remote / "_temporary").rglob("*.jsonl")) and time.monotonic() < deadline:
        assert run.poll() is None, run.communicate()
        time.sleep(0.1)
    assert run.poll() is None, "the run ended before anything could be killed"
    return args, direct, remote, run


def test_a_killed_taskmanager_is_replaced_and_the_job_is_identical(flink, capsys, tmp_path):
    """SIGKILL to a TaskManager once the job writes its part files, and a new TaskManager
    started: the JobManager notices the loss (heartbeat), restarts the job's tasks on the slots
    of the new one (restart-strategy fixed-delay in the cluster's conf) and the run completes,
    byte-identical to the DirectRunner, every record once."""
    args, direct, remote, run = run_to_kill(flink, capsys, tmp_path)
    victim = flink.pid("taskmanager-1")
    os.kill(victim, signal.SIGKILL)
    killed_at = time.monotonic()
    flink.run("taskmanager", "3")
    out, err = run.communicate(timeout=240)
    assert run.returncode == 0, (out, err)
    print(f"killed TaskManager pid {victim}; run ended {time.monotonic() - killed_at:.1f}s later")
    job = max(flink.rest("/jobs/overview")["jobs"], key=lambda j: j["start-time"])
    assert job["state"] == "FINISHED"
    # the loss was seen and survived: the job's exception history names it
    history = flink.rest(f"/jobs/{job['jid']}/exceptions")["exceptionHistory"]["entries"]
    assert history, "the job saw no failure: the kill came too late"
    assert_same_dataset(direct, remote)
    report = read_json(remote / "report.json")
    assert report["input_records"] == report["output_records"]["train"] == 20_000
    assert (remote / "train" / "train.jsonl").read_bytes().count(b"\n") == 20_000


def test_s3_sharded_sagemaker_instruction_is_identical(flink, s3, capsys, tmp_path):
    """Inputs on the moto server and a sharded sagemaker-instruction dataset with a validation
    split written back there by the SDK workers (the endpoint reaches them in the run's config,
    the credentials through the pool's environment). Both runs write to the same URI
    (training-request.json names it); the DirectRunner's dataset is fetched before Flink's run
    replaces it."""
    for path in (SAMPLES / "alpaca_sample.jsonl", SAMPLES / "openai_toy_chat.jsonl"):
        s3.put(f"in/{path.name}", path.read_bytes())
    args = ["run", "--input", s3.uri("in/*.jsonl"), "--target", "sagemaker-instruction",
            "--num-shards", "3", "--validation-split", "0.1",
            "--s3-endpoint-url", s3.endpoint, "--output", s3.uri("out"), "--overwrite"]
    fetched = {}
    for name, runner in (("direct", []), ("flink", flink.runner_args())):
        code, _, err = run_cli(capsys, *args, *runner)
        assert code == 0, err
        assert s3.keys("out/_SUCCESS") and not s3.keys("out/_RUNNING")
        assert not s3.keys("out/_temporary/")
        fetched[name] = s3.fetch("out/", tmp_path / name)
    assert flink.latest_job()["state"] == "FINISHED"
    assert_same_dataset(fetched["direct"], fetched["flink"])
    assert len(list((fetched["flink"] / "train").glob("part-*.jsonl"))) == 3
    report = read_json(fetched["flink"] / "report.json")
    assert report["output_records"]["validation"] > 0
    assert report["input_records"] == report["accepted_records"] + report["dead_letter_records"]


def test_sample_to_quota_is_identical(flink, capsys, tmp_path):
    """--sample-to-quota's smallest-N combine runs on the cluster: the same kept records and
    the same sampled-out list, byte for byte."""
    many = tmp_path / "many.jsonl"
    many.write_text("".join(
        f'{{"messages": [{{"role": "user", "content": "q{i}"}}, '
        f'{{"role": "assistant", "content": "a{i}"}}]}}\n' for i in range(10_400)))
    direct, remote = tmp_path / "direct", tmp_path / "flink"
    both_runs(capsys, flink, direct, remote, "--input", many, "--target",
              "bedrock-single-turn", "--model", "claude-3-haiku", "--sample-to-quota",
              "--validation-split", "0.15")
    assert_same_dataset(direct, remote)
    report = read_json(remote / "report.json")
    assert report["output_records"]["validation"] == 1_000 and report["sampled_out_records"] > 0
    assert report["input_records"] == report["accepted_records"] + report["sampled_out_records"]
    assert (remote / "sampled_out/sampled_out.jsonl").read_bytes() == \
        (direct / "sampled_out/sampled_out.jsonl").read_bytes()


# How long a run may take to fail once its SDK worker pool is gone: Flink's restarts (5 attempts,
# 2 s apart, in cluster.sh's conf) each fail at once when the pool refuses the connection.
POOL_LOSS_BOUND_S = 240


def test_a_killed_worker_pool_fails_the_run_loudly_and_a_rerun_is_identical(
        flink, capsys, tmp_path):
    """SIGKILL to the SDK worker pool and its workers (its process group) once the job writes
    its part files. Flink restarts the tasks, which cannot get a worker: the job fails within
    POOL_LOSS_BOUND_S, tuneprep exits 1 with one error line and no _SUCCESS, nothing hangs and
    the cluster runs no job. With the pool started again the same command gives a dataset
    byte-identical to the DirectRunner's."""
    args, direct, remote, run = run_to_kill(flink, capsys, tmp_path)
    pool = flink.pid("workerpool")
    os.killpg(pool, signal.SIGKILL)   # cluster.sh starts it in a session of its own
    killed_at = time.monotonic()
    try:
        out, err = run.communicate(timeout=POOL_LOSS_BOUND_S)
    finally:
        run.kill()
        flink.run("workerpool")
    failed_after = time.monotonic() - killed_at
    with capsys.disabled():
        print(f"\nkilled the worker pool (pid {pool}); the run ended {failed_after:.1f}s later")
    assert run.returncode == 1, (out, err)
    errors = [line for line in err.decode().splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "is not complete (no _SUCCESS)" in errors[0], err
    assert not (remote / "_SUCCESS").exists()
    assert flink.latest_job()["state"] in ("FAILED", "CANCELED")
    code, _, err = run_cli(capsys, *args, "--output", remote, *flink.runner_args())
    assert code == 0, err
    assert_same_dataset(direct, remote)
    report = read_json(remote / "report.json")
    assert report["input_records"] == report["output_records"]["train"] == 20_000
