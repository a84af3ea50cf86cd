"""Shared fixtures for the end-to-end tests: the repository's samples, the project's shared
corpora, running the CLI in-process, and reading what a run wrote."""
from __future__ import annotations

from pathlib import Path

import orjson
import pytest

pytest.register_assert_rewrite("tests.target_helpers")   # its asserts report like a test's

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"


@pytest.fixture(scope="session")
def samples() -> Path:
    return SAMPLES


@pytest.fixture(scope="session")
def corpora() -> Path:
    if not CORPORA.is_dir():
        pytest.skip("shared corpora not present (../shared/corpora); these tests need the "
                    "project's shared folder")
    return CORPORA


def read_jsonl(path) -> list:
    """Every line of a JSONL file, parsed; a blank or broken line fails the test."""
    data = Path(path).read_bytes()
    if not data:
        return []
    assert data.endswith(b"\n"), f"{path} does not end with a newline"
    return [orjson.loads(line) for line in data[:-1].split(b"\n")]


def read_json(path):
    return orjson.loads(Path(path).read_bytes())


def write_jsonl(path, objects) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(orjson.dumps(o) + b"\n" for o in objects))
    return path


def check_run(out, report, stdout, n_in, n_accepted, written, reasons) -> list:
    """The counts a finished `tuneprep run` reports agree with the expected ones and with each
    other (overall and per input file), the dead letters hold the expected reasons, and the
    summary line on stdout starts with the counts. Returns the dead letters."""
    from collections import Counter
    assert report["input_records"] == n_in
    assert report["accepted_records"] == n_accepted
    assert report["input_records"] == report["accepted_records"] + report["dead_letter_records"]
    assert report["output_records"] == written
    assert report["dead_letter_reasons"] == reasons
    for name, f in report["files"].items():
        assert f["input_records"] == f["accepted_records"] + f["dead_letter_records"], name
    dead = read_jsonl(Path(out) / "dead_letter/dead_letter.jsonl")
    assert Counter(d["reason"] for d in dead) == Counter(reasons)
    assert stdout.startswith(f"records in: {n_in:,}; accepted: {n_accepted:,};")
    return dead


def check_written_lines(out, target: str, ctx, written) -> None:
    """Every line a run wrote passes the target's own check (validate_line with ctx), and the
    manifest counts them: per file, and in all as the expected output records per split."""
    from tuneprep.transforms.targets import TARGETS
    out = Path(out)
    manifest = read_json(out / "manifest.json")
    lines = 0
    for entry in manifest["files"]:
        if not entry["path"].endswith(".jsonl") or entry["path"].startswith("dead_letter/"):
            continue
        data = (out / entry["path"]).read_bytes()
        assert entry["records"] == data.count(b"\n")
        for number, line in enumerate(data.splitlines(), 1):
            assert TARGETS[target].validate_line(line, ctx) == [], f"{entry['path']}:{number}"
            lines += 1
    assert lines == sum(written.values())


def layout(out) -> list[str]:
    """The files under a run's output folder, relative and sorted."""
    out = Path(out)
    return sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())


# --- a real S3-protocol server (moto) -------------------------------------------------------------

class S3Server:
    """moto's S3 server on 127.0.0.1 at a free port, run in a thread of this process.

    Its data is moto's in-process state, so a server stopped and started again on the same port
    still has it. Requests are answered over HTTP/1.0 (one connection each): after stop() no
    pooled keep-alive connection can still reach it, as when a real endpoint goes away."""

    def __init__(self, port: int | None = None):
        import socket
        if port is None:
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
        self.port = port
        self.endpoint = f"http://127.0.0.1:{port}"
        self._server = self._thread = None

    def start(self) -> "S3Server":
        import logging
        import threading
        from moto.server import DomainDispatcherApplication, create_backend_app
        from werkzeug.serving import WSGIRequestHandler, make_server

        class OneRequestPerConnection(WSGIRequestHandler):
            protocol_version = "HTTP/1.0"

        logging.getLogger("werkzeug").setLevel(logging.ERROR)   # no request lines on stderr
        app = DomainDispatcherApplication(create_backend_app)
        self._server = make_server("127.0.0.1", self.port, app, threaded=True,
                                   request_handler=OneRequestPerConnection)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()
            self._server = self._thread = None

    def client(self):
        import boto3
        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing")


@pytest.fixture(scope="session")
def s3_server():
    server = S3Server().start()
    yield server
    server.stop()


AWS_TEST_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_DEFAULT_REGION": "us-east-1", "AWS_MAX_ATTEMPTS": "1"}


def aws_test_env(monkeypatch, tmp_path) -> None:
    """Credentials for the test server only: nothing from this machine's AWS set-up leaks in."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL",
                 "AWS_ENDPOINT_URL_S3", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    for name, value in AWS_TEST_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))


class S3Bucket:
    """One fresh bucket on a test server, and helpers to put and get objects."""

    def __init__(self, server: S3Server, name: str):
        self.server, self.name, self.endpoint = server, name, server.endpoint
        self.client = server.client()
        self.client.create_bucket(Bucket=name)

    def uri(self, key: str = "") -> str:
        return f"s3://{self.name}/{key}"

    def put(self, key: str, data: bytes) -> str:
        self.client.put_object(Bucket=self.name, Key=key, Body=data)
        return self.uri(key)

    def get(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def keys(self, prefix: str = "") -> list[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name,
                                                                       Prefix=prefix)
        return sorted(o["Key"] for page in pages for o in page.get("Contents", []))


@pytest.fixture
def s3(s3_server, monkeypatch, tmp_path) -> S3Bucket:
    """A fresh bucket on the session's S3 server, with test credentials in the environment."""
    import uuid
    aws_test_env(monkeypatch, tmp_path)
    return S3Bucket(s3_server, f"tp-{uuid.uuid4().hex[:12]}")
