"""An S3 endpoint that stops answering ends the run with one line and exit 1 within a bound
(TUNEPREP_S3_TIMEOUT per try, a bounded number of tries), at launch and in the middle of a run;
the timeout travels to the workers; the S3 settings of the environment (endpoint, timeout) are
checked like options. Frozen servers are real ones on 127.0.0.1: a socket server that accepts
connections and never answers, and moto's server stopped with SIGSTOP. The CLI runs in a
subprocess, so a run that hangs (as it did: minutes per call) fails the test instead of
hanging it."""
from __future__ import annotations

import os
import pickle
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import boto3
import orjson
import pytest

from tuneprep.pipelines.cli import main
from tests.helpers import s3_cli_env
from tuneprep.transforms.io import s3_config, s3_retries

pytestmark = pytest.mark.slow   # (`pytest -m "not slow"` is the quick loop)

TIMEOUT = 1   # s a try, in these tests (TUNEPREP_S3_TIMEOUT)
BOUND = 45    # s a run may take to fail: one call is 3 botocore tries x 1 s, plus backoff;
              # a failed run makes a few such calls (preflight, claim, cleanup)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(tmp_path: Path, **extra) -> dict:
    return s3_cli_env(tmp_path, TIMEOUT, **extra)


def run_cli(tmp_path: Path, env: dict, *args, timeout: float = 240) -> tuple[int, str, str, float]:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "tuneprep.pipelines.cli", "run", "--target",
                           "bedrock-text", *map(str, args)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=timeout)
    return done.returncode, done.stdout, done.stderr, time.monotonic() - started


def one_error(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    return lines[0]


class FrozenServer:
    """Accepts every connection and never answers (a hung process behind a live port)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.endpoint = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.connections: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections.append(conn)

    def close(self):
        self.sock.close()
        for conn in self.connections:
            conn.close()


@pytest.fixture
def frozen():
    server = FrozenServer()
    yield server
    server.close()


# --- a frozen endpoint ------------------------------------------------------------------------

@pytest.mark.parametrize("how", ["option", "environment"])
def test_a_frozen_endpoint_at_launch_fails_within_the_bound(how, frozen, tmp_path):
    extra = {"AWS_ENDPOINT_URL_S3": frozen.endpoint} if how == "environment" else {}
    endpoint = ["--s3-endpoint-url", frozen.endpoint] if how == "option" else []
    code, out, err, took = run_cli(tmp_path, clean_env(tmp_path, **extra), *endpoint,
                                   "--input", "s3://tp-frozen/in/a.jsonl",
                                   "--output", tmp_path / "out", timeout=120)
    assert code == 1 and out == ""
    line = one_error(err)
    assert line.startswith("error: --input s3://tp-frozen/in/a.jsonl: S3 did not answer within "
                           "the timeout (ReadTimeoutError, 1 s a try, retried)"), line
    assert "TUNEPREP_S3_TIMEOUT" in line
    assert took < BOUND, took
    assert len(frozen.connections) == 3   # 3 botocore tries, and s3fs tries no more
    assert not (tmp_path / "out").exists()


def test_aws_max_attempts_of_the_environment_is_respected(frozen, tmp_path):
    code, _, err, took = run_cli(tmp_path, clean_env(tmp_path, AWS_MAX_ATTEMPTS="1"),
                                 "--s3-endpoint-url", frozen.endpoint,
                                 "--input", "s3://tp-frozen/in/a.jsonl",
                                 "--output", tmp_path / "out", timeout=120)
    assert code == 1 and "S3 did not answer" in one_error(err)
    assert len(frozen.connections) == 1   # botocore's one try, and s3fs tries no more


@pytest.mark.parametrize("command", ["validate", "inspect"])
def test_validate_and_inspect_wait_for_a_frozen_endpoint_within_the_bound(command, frozen,
                                                                         tmp_path):
    """Importing the store sets no S3 setting (s3_config.py): these commands configure the
    bounded waits themselves, as a run does."""
    args = ["--target", "bedrock-text"] if command == "validate" else []
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "tuneprep.pipelines.cli", command, *args,
                           "s3://tp-frozen/in/a.jsonl"], cwd=tmp_path,
                          env=clean_env(tmp_path, AWS_ENDPOINT_URL_S3=frozen.endpoint),
                          capture_output=True, text=True, timeout=240)
    took = time.monotonic() - started
    assert done.returncode == 1, done.stderr
    assert "S3 did not answer within the timeout" in done.stderr and "Traceback" not in done.stderr
    assert took < BOUND, took


class MotoProcess:
    """moto's S3 server in its own process, so that it can be frozen with SIGSTOP."""

    def __init__(self, tmp_path: Path):
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log = open(tmp_path / "moto.log", "wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-p", str(self.port)],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        self.client = boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                                   aws_access_key_id="testing", aws_secret_access_key="testing")
        deadline = time.monotonic() + 60
        while True:
            try:
                self.client.list_buckets()
                return
            except Exception:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise
                time.sleep(0.2)

    def freeze(self):
        os.kill(self.proc.pid, signal.SIGSTOP)

    def close(self):
        os.kill(self.proc.pid, signal.SIGCONT)
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self.log.close()


def test_an_endpoint_that_freezes_in_the_middle_of_a_run(tmp_path):
    """The endpoint stops answering (SIGSTOP) while parts are being written: exit 1 with one
    line within the bound, no _SUCCESS; the old code waited minutes per call."""
    moto = MotoProcess(tmp_path)
    try:
        moto.client.create_bucket(Bucket="tp-midrun")
        for i in range(10):
            moto.client.put_object(Bucket="tp-midrun", Key=f"in/part-{i:02d}.jsonl", Body=b"".join(
                orjson.dumps({"prompt": f"question {i}-{j}", "completion": f"answer {j}"}) + b"\n"
                for j in range(400)))
        froze_at = []

        def freeze_after_first_parts():
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                listed = moto.client.list_objects_v2(Bucket="tp-midrun", Prefix="out/_temporary/")
                if listed.get("KeyCount", 0) >= 3:
                    moto.freeze()
                    froze_at.append(time.monotonic())
                    return
                time.sleep(0.02)

        watcher = threading.Thread(target=freeze_after_first_parts)
        watcher.start()
        code, out, err, _ = run_cli(tmp_path, clean_env(tmp_path), "--s3-endpoint-url",
                                    moto.endpoint, "--input", "s3://tp-midrun/in/*.jsonl",
                                    "--output", "s3://tp-midrun/out", "--batch-size", "40")
        ended = time.monotonic()
        watcher.join()
        assert froze_at, "the run ended before the server was frozen"
        assert code == 1, (out, err)
        line = one_error(err)
        assert line.startswith("error: the run failed: ") and "S3 did not answer" in line, line
        assert "no _SUCCESS" in line
        assert ended - froze_at[0] < BOUND, ended - froze_at[0]
        os.kill(moto.proc.pid, signal.SIGCONT)
        assert moto.client.list_objects_v2(Bucket="tp-midrun", Prefix="out/_SUCCESS")[
            "KeyCount"] == 0
    finally:
        moto.close()


# --- the timeout travels to the workers ---------------------------------------------------------

def test_the_timeout_travels_to_the_workers_in_the_run_config(tmp_path, monkeypatch):
    import argparse

    from tuneprep.pipelines.options import add_run_arguments
    from tuneprep.pipelines.settings import build_config
    from tuneprep.transforms.beam.dofns import ConfiguredDoFn

    monkeypatch.setenv("TUNEPREP_S3_TIMEOUT", "2.5")
    monkeypatch.delenv("AWS_MAX_ATTEMPTS", raising=False)
    monkeypatch.delenv("AWS_RETRY_MODE", raising=False)
    (tmp_path / "a.jsonl").write_bytes(b'{"prompt": "p", "completion": "c"}\n')
    parser = argparse.ArgumentParser()
    add_run_arguments(parser)
    cfg = build_config(parser.parse_args(["--target", "bedrock-text", "--input",
                                          str(tmp_path / "a.jsonl"), "--output",
                                          str(tmp_path / "out")]))
    assert cfg.s3_timeout == 2.5
    monkeypatch.delenv("TUNEPREP_S3_TIMEOUT")   # a remote worker: not in its environment
    try:
        s3_config.configure(None, timeout=99)
        ConfiguredDoFn(pickle.loads(pickle.dumps(cfg))).setup()
        import fsspec
        kwargs = fsspec.config.conf["s3"]["config_kwargs"]
        assert kwargs["connect_timeout"] == kwargs["read_timeout"] == 2.5
        assert kwargs["retries"] == {"total_max_attempts": 3, "mode": "standard"}
        assert fsspec.get_filesystem_class("s3").retries == s3_retries.S3FS_TRIES
    finally:
        s3_config.configure(None)


# --- the S3 settings of the environment are checked like options --------------------------------

def cli(capsys, *args) -> tuple[int, str, str]:
    code = main(["run", "--target", "bedrock-text", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("value", ["abc", "0", "-3", "inf", "nan"])
def test_a_bad_timeout_is_a_usage_error(value, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TUNEPREP_S3_TIMEOUT", value)
    code, out, err = cli(capsys, "--input", "s3://tp-any/x.jsonl", "--output", tmp_path / "out")
    assert code == 2 and out == ""
    assert one_error(err) == (f"error: TUNEPREP_S3_TIMEOUT={value}: not a positive number of "
                              "seconds")


@pytest.mark.parametrize("name", ["AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"])
@pytest.mark.parametrize("output", ["s3://tp-any/out", "local"])
def test_credentials_in_the_environments_endpoint_are_refused(name, output, tmp_path, capsys,
                                                              monkeypatch):
    for other in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"):
        monkeypatch.delenv(other, raising=False)
    monkeypatch.setenv(name, "http://AKIAEXAMPLE:very-secret-canary@127.0.0.1:5000")
    (tmp_path / "a.jsonl").write_bytes(b'{"prompt": "p", "completion": "c"}\n')
    out_uri = tmp_path / "out" if output == "local" else output
    code, out, err = cli(capsys, "--input", tmp_path / "a.jsonl", "--output", out_uri)
    assert code == 2 and out == ""
    assert one_error(err) == (f"error: {name}=http://***@127.0.0.1:5000: credentials in the "
                              "endpoint URL are not accepted; use AWS_PROFILE or "
                              "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or an instance/task "
                              "role)")
    assert "very-secret-canary" not in err
    assert not (tmp_path / "out").exists()


def test_an_environments_endpoint_that_is_not_http_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "minio:9000")
    code, _, err = cli(capsys, "--input", "s3://tp-any/x.jsonl", "--output", tmp_path / "out")
    assert code == 2
    assert one_error(err) == "error: AWS_ENDPOINT_URL_S3=minio:9000: not an http(s):// URL"
