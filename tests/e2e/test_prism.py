"""tuneprep on a runner that is not Beam's Python one: Beam's Prism runner (Go), built from the
Go module proxy by `make prism` (deploy/prism/fetch-prism.sh), with the Python SDK workers in
other processes (an EXTERNAL worker pool started here, in another folder).

This stands in for Flink: the registry this project reaches serves no Beam Flink (or Spark) job
server (README, "Running elsewhere", lists the commands tried). Prism is Beam's own portable
runner in another language: it fuses and schedules the graph itself, sends bundles to the SDK
workers over the Fn API and runs the GroupByKeys and side inputs on its side, as Flink's job
server does.

Every data file must be byte-identical to a DirectRunner run of the same command. Without the
binary the tests skip (a user's fresh machine); under CI (CI set) they fail instead."""
from __future__ import annotations

import bz2
import gzip
import os
import signal
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

import orjson
import pytest

from tuneprep.pipelines.cli import main
from tests.helpers import (AWS_TEST_ENV, REPO, SAMPLES, Service, alpaca_lines,
                           assert_same_dataset, assert_sample_split_identical, read_json,
                           read_jsonl)

pytestmark = pytest.mark.slow

BEAM_VERSION = version("apache-beam")
PRISM = Path(os.environ.get("TUNEPREP_PRISM")
             or REPO / ".cache" / "prism" / f"v{BEAM_VERSION}" / "prism")


@pytest.fixture(scope="module")
def prism():
    if not os.access(PRISM, os.X_OK):
        reason = (f"no Prism binary at {PRISM} (Beam {BEAM_VERSION}): `make prism` builds it "
                  "with go install from the Go module proxy")
        if os.environ.get("CI"):
            pytest.fail(reason + "; .ci/run should have")
        pytest.skip(reason)
    yield PRISM
    # Beam keeps the Prism process it started for the whole session and stops it at exit,
    # logging after pytest's summary: stop it here instead.
    from apache_beam.utils.subprocess_server import SubprocessServer
    cache = SubprocessServer._cache
    for key in [k for k in list(cache._cache) if k and k[0] and str(k[0][0]) == str(PRISM)]:
        cache.force_remove(*key)


def worker_env() -> dict:
    """The SDK workers' environment: this interpreter, tuneprep importable through PYTHONPATH
    only (the role of a worker image), and the S3 test server's credentials (the workers read
    and write S3 themselves; the endpoint reaches them in the run's config)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PWD") and not k.startswith("AWS_")}
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env["PYTHONPATH"] = str(REPO)
    env.update(AWS_TEST_ENV)
    env["AWS_CONFIG_FILE"] = env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    return env


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    """(worker pool endpoint, its log, its pid), started in a folder that is not the repository."""
    where = tmp_path_factory.mktemp("prism-workers")
    service = Service(["apache_beam.runners.worker.worker_pool_main", "--service_port"],
                      where, worker_env(), where / "worker_pool.log")
    try:
        yield f"localhost:{service.port}", service.log, service.proc.pid
    finally:
        service.stop()


def prism_args(prism: Path, pool: str) -> list[str]:
    # Beam keeps one Prism job server a process; one a DirectRunner made earlier (it tries
    # Prism first for pipelines Prism supports) holds no --prism_location and would try
    # GitHub: each run here starts its own, stopped by the fixture.
    return ["--runner", "PrismRunner", "--prism_location", str(prism),
            "--experiments", "disable_prism_server_singleton",
            "--environment_type", "EXTERNAL", "--environment_config", pool]


def run_cli(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def workers_started(log: Path) -> int:
    return log.read_bytes().count(b"Starting worker with command")


def both_runs(capsys, prism, pool, direct: str | Path, remote: str | Path, *args) -> dict:
    """The same command on the DirectRunner and on Prism; their wall times."""
    endpoint, log, _ = pool
    before = workers_started(log)
    started = time.monotonic()
    code, out, err = run_cli(capsys, "run", *args, "--output", direct)
    assert code == 0, err
    direct_s = time.monotonic() - started
    started = time.monotonic()
    code, out, err = run_cli(capsys, "run", *args, "--output", remote,
                             *prism_args(prism, endpoint))
    assert code == 0, err
    prism_s = time.monotonic() - started
    assert prism_s < 120
    # the DoFns ran in SDK workers the pool started, not in this process
    assert workers_started(log) > before
    return {"direct_s": direct_s, "prism_s": prism_s}


def test_sample_with_validation_split_is_identical(prism, pool, capsys, tmp_path):
    direct, remote = tmp_path / "direct", tmp_path / "prism"
    times = both_runs(capsys, prism, pool, direct, remote,
                      "--input", SAMPLES / "alpaca_sample.jsonl", "--target", "bedrock-text",
                      "--validation-split", "0.1")
    assert_sample_split_identical(direct, remote)
    print(f"sample, bedrock-text: DirectRunner {times['direct_s']:.1f}s, "
          f"Prism {times['prism_s']:.1f}s")


def adversarial_corpus(folder: Path) -> None:
    """Damaged files of most kinds beside good ones (tests/e2e/test_hardening.py has them all,
    with a 40 MiB line this test does without), split into byte ranges by --split-bytes."""
    folder.mkdir()
    good = b"".join(orjson.dumps({"instruction": f"q {i}", "input": "", "output": f"a {i}"})
                    + b"\n" for i in range(300))
    (folder / "lines.jsonl").write_bytes(b"\n".join(alpaca_lines(600)) + b"\n")
    truncated = gzip.compress(good * 5)
    (folder / "truncated.jsonl.gz").write_bytes(truncated[: len(truncated) // 2])
    (folder / "binary.jsonl").write_bytes(bytes(range(256)) * 40)
    (folder / "empty.jsonl").write_bytes(b"")
    (folder / "nul.jsonl").write_bytes(good[:200] + b"\n\x00\x00\x00\n" + good[-200:])
    (folder / "utf8.jsonl").write_bytes(b'{"instruction": "\xff\xfe", "output": "x"}\n' + good)
    (folder / "deep.jsonl").write_bytes(b'{"instruction": ' + b"[" * 5000 + b"]" * 5000
                                        + b', "output": "x"}\n' + good[:500])
    (folder / "ragged.csv").write_text('instruction,input,output\n"multi\nline",,"ok"\n'
                                       'a,b\nq,,a,extra\nplain,,fine\n')
    (folder / "mixed.jsonl").write_bytes(b"".join(orjson.dumps(o) + b"\n" for o in [
        {"instruction": 5, "input": "", "output": "n"}, {"instruction": None, "output": "n"},
        {"instruction": {"a": 1}, "output": "n"}, {"instruction": "ok", "output": "fine"}]))
    (folder / "bz.jsonl.bz2").write_bytes(bz2.compress(good))


def test_adversarial_corpus_with_dead_letters_is_identical(prism, pool, capsys, tmp_path):
    adversarial_corpus(tmp_path / "in")
    direct, remote = tmp_path / "direct", tmp_path / "prism"
    both_runs(capsys, prism, pool, direct, remote, "--input", tmp_path / "in",
              "--input-format", "alpaca", "--target", "bedrock-text", "--max-record-bytes",
              "250", "--split-bytes", "4096", "--validation-split", "0.2",
              "--keep-going")   # its hopeless files would stop the launch (tested apart)
    assert_same_dataset(direct, remote)
    report = read_json(remote / "report.json")
    for reason in ("unreadable_file", "empty_file", "invalid_json", "invalid_utf8",
                   "record_too_large", "invalid_csv", "wrong_type"):
        assert report["dead_letter_reasons"].get(reason), (reason, report["dead_letter_reasons"])
    dead = read_jsonl(remote / "dead_letter" / "dead_letter.jsonl")
    assert len(dead) == report["dead_letter_records"] > 20
    # each dead letter once: no bundle's output was counted twice
    # (a line-based file's place is its line, a JSON document's its record)
    places = {(d["source"]["uri"], d["source"].get("line"), d["source"].get("record"),
               d["reason"]) for d in dead}
    assert len(places) == len(dead)


def test_sharded_sagemaker_instruction_is_identical(prism, pool, capsys, tmp_path):
    direct, remote = tmp_path / "direct", tmp_path / "prism"
    both_runs(capsys, prism, pool, direct, remote, "--input", SAMPLES,
              "--target", "sagemaker-instruction", "--num-shards", "3",
              "--validation-split", "0.1")
    assert_same_dataset(direct, remote)
    shards = sorted(p.name for p in (remote / "train").glob("part-*.jsonl"))
    assert len(shards) == 3, shards
    assert read_json(remote / "report.json")["input_records"] > 100


def test_s3_input_and_output_is_identical(prism, pool, s3, capsys, tmp_path):
    """Inputs on the moto server, the dataset written there by the SDK workers (separate
    processes: the endpoint reaches them through --s3-endpoint-url, credentials through their
    environment). Both runs write to the same URI (training-request.json names it), the
    DirectRunner's dataset fetched before Prism's run replaces it."""
    endpoint, log, _ = pool
    for path in (SAMPLES / "alpaca_sample.jsonl", SAMPLES / "openai_toy_chat.jsonl"):
        s3.put(f"in/{path.name}", path.read_bytes())
    args = ["run", "--input", s3.uri("in/*.jsonl"), "--target", "bedrock-text",
            "--validation-split", "0.2", "--s3-endpoint-url", s3.endpoint,
            "--output", s3.uri("out"), "--overwrite"]
    fetched = {}
    for name, runner in (("direct", []), ("prism", prism_args(prism, endpoint))):
        before = workers_started(log)
        code, _, err = run_cli(capsys, *args, *runner)
        assert code == 0, err
        assert (workers_started(log) > before) == bool(runner)
        assert s3.keys("out/_SUCCESS") and not s3.keys("out/_RUNNING")
        assert not s3.keys("out/_temporary/")
        fetched[name] = s3.fetch("out/", tmp_path / name)
    assert_same_dataset(fetched["direct"], fetched["prism"])
    report = read_json(fetched["prism"] / "report.json")
    assert sorted(report["files"]) == [s3.uri("in/alpaca_sample.jsonl"),
                                       s3.uri("in/openai_toy_chat.jsonl")]
    assert report["dead_letter_records"] > 0


def children(pid: int) -> set[int]:
    """The processes whose parent is `pid` (the pool's SDK workers), from /proc."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def sockets(pid: int) -> int:
    """How many sockets the process holds open."""
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return 0
    count = 0
    for fd in fds:
        try:
            count += os.readlink(fd).startswith("socket:")
        except OSError:
            pass
    return count


def test_a_killed_sdk_worker_fails_the_run_loudly_and_a_rerun_is_identical(
        prism, pool, capsys, tmp_path):
    """SIGKILL to the SDK worker while the job runs. Prism does not retry a bundle (its source
    has no retry; Flink would, with a restart strategy): the job fails, tuneprep exits 1 and
    says so, and removes what it wrote (no _SUCCESS, no marker, no parts: "nothing was left
    there"). The same command again gives a dataset byte-identical to the DirectRunner's, every
    record once: the part files have deterministic names, so a killed run's debris could not
    add to it either."""
    endpoint, _, pool_pid = pool
    corpus = tmp_path / "big.jsonl"
    with corpus.open("wb") as f:
        for i in range(150_000):
            f.write(orjson.dumps({"instruction": f"Question {i}: explain item {i}.", "input": "",
                                  "output": f"Answer {i} " * 20}) + b"\n")
    args = ["run", "--input", str(corpus), "--target", "bedrock-text", "--quiet"]
    direct, remote = tmp_path / "direct", tmp_path / "prism"
    code, _, err = run_cli(capsys, *args, "--output", direct)
    assert code == 0, err
    before = children(pool_pid)
    run = subprocess.Popen([sys.executable, "-m", "tuneprep", *args, "--output", str(remote),
                            *prism_args(prism, endpoint)], cwd=tmp_path,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not (children(pool_pid) - before) and time.monotonic() < deadline:
        assert run.poll() is None, run.communicate()
        time.sleep(0.05)
    workers = children(pool_pid) - before
    assert workers, "no SDK worker started"
    # killed once it has connected to Prism (it holds sockets then) and has begun writing the
    # part files (the run is in the middle then, whatever stages come before the reading)
    while not any(sockets(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    while not any((remote / "_temporary").rglob("*.jsonl")) and time.monotonic() < deadline:
        assert run.poll() is None, run.communicate()
        time.sleep(0.05)
    assert run.poll() is None, "the run ended before the worker could be killed"
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    out, err = run.communicate(timeout=120)
    assert run.returncode == 1, (out, err)
    assert b"SDK worker disconnected" in err and b"is not complete (no _SUCCESS)" in err, err
    assert not (remote / "_SUCCESS").exists()
    assert b"nothing was left there" in err, err
    code, _, err = run_cli(capsys, *args, "--output", remote, *prism_args(prism, endpoint))
    assert code == 0, err
    assert_same_dataset(direct, remote)
    report = read_json(remote / "report.json")
    assert report["input_records"] == report["output_records"]["train"] == 150_000
    assert (remote / "train").joinpath("train.jsonl").read_bytes().count(b"\n") == 150_000
