"""Helpers the tests share (one module: test modules never import each other): paths of
the repository and its samples, reading what a run wrote and checking its counts, a real
S3-protocol server (moto) on 127.0.0.1, Beam job services for the portable runner, and
formatting records for the target tests. Fixtures are in conftest.py."""
from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

from tuneprep.transforms.core.records import FORMAT, REASONS, Record, RecordError, Source
from tuneprep.transforms.targets import TARGETS, get_target
from tuneprep.transforms.core.context import TargetContext

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"


def locked_versions() -> dict[str, str]:
    """requirements.lock as {distribution name: version} (names lower-case, `_` as `-`)."""
    versions = {}
    for line in (REPO / "requirements.lock").read_text().splitlines():
        name, sep, version = line.partition("==")
        if sep and not line.startswith((" ", "#")):
            versions[name.strip().lower().replace("_", "-")] = version.strip()
    return versions


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
    check_accounting(report)
    if report["status"] == "failed":   # nothing was written: what it accepted is not_written
        assert report["output_records"] == {}
        assert report.get("not_written_records", {}) == {k: v for k, v in written.items() if v}
        assert "; written: nothing (the run failed); " in stdout.splitlines()[0]
    else:
        assert report["output_records"] == written
    assert report["dead_letter_reasons"] == reasons
    dead = read_jsonl(Path(out) / "dead_letter/dead_letter.jsonl")
    assert Counter(d["reason"] for d in dead) == Counter(reasons)
    assert stdout.startswith(f"records in: {n_in:,}; accepted: {n_accepted:,};")
    return dead


def check_written_lines(out, target: str, ctx, written) -> None:
    """Every line a run wrote passes the target's own check (validate_line with ctx), and the
    manifest counts them: per file, and in all as the expected output records per split."""
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


def s3_cli_env(tmp_path, timeout: float, **extra) -> dict:
    """The environment of a CLI run in a subprocess against a test server: this machine's
    without its AWS set-up, with the test server's keys, TUNEPREP_S3_TIMEOUT=`timeout` and
    without AWS_MAX_ATTEMPTS (the tries are tuneprep's own)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TUNEPREP_"))}
    env.update(AWS_TEST_ENV, PYTHONPATH=str(REPO), TUNEPREP_S3_TIMEOUT=str(timeout),
               AWS_CONFIG_FILE=str(tmp_path / "no-aws-config"),
               AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "no-aws-credentials"))
    env.pop("AWS_MAX_ATTEMPTS")
    env["TUNEPREP_PROGRESS_INTERVAL"] = "3600"   # no clock-dependent progress line (conftest)
    env.update(extra)
    return env


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

    def fetch(self, prefix: str, folder: Path) -> Path:
        """Every object under `prefix` copied into `folder`, at its key's path below the prefix
        (a dataset on the server, to compare with a local one)."""
        for key in self.keys(prefix):
            path = folder / key[len(prefix):]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(self.get(key))
        return folder

    def keys(self, prefix: str = "") -> list[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name,
                                                                       Prefix=prefix)
        return sorted(o["Key"] for page in pages for o in page.get("Contents", []))
CTX = TargetContext()


def rec(turns=(), **kwargs):
    """A canonical record with these (role, content) turns and any other fields."""
    return Record(Source("mem://t.jsonl", 1), turns=list(turns), **kwargs)
ROLE_ORDER_CASES = [
    (rec([("user", "a"), ("user", "b"), ("assistant", "c")]), "consecutive_roles"),
    (rec([("assistant", "x"), ("user", "a"), ("assistant", "b")]), "starts_with_assistant"),
    (rec([("user", "a"), ("assistant", "b"), ("user", "c")]), "ends_with_user"),
    (rec([("user", "a"), ("system", "s"), ("assistant", "b")]), "system_not_first"),
    (rec([("user", "a"), ("tool", "t"), ("assistant", "b")]), "tool_turn"),
    (rec(text="a document"), "not_a_conversation"),
]


def formatted(name, record, ctx=CTX):
    """The target's objects for the record, each checked by validate and validate_line."""
    target = get_target(name)
    objs = target.format(record, ctx)
    for obj in objs:
        assert target.validate(obj, ctx) == []
        assert target.validate_line(orjson.dumps(obj), ctx) == []
    return objs


def reason(name, record, ctx=CTX):
    """The reason the target refuses the record with (a RecordError at the format stage)."""
    with pytest.raises(RecordError) as error:
        get_target(name).format(record, ctx)
    assert error.value.stage == FORMAT
    return error.value.reason


def reasons(name, obj, ctx=CTX):
    """The reasons of every rule the written object breaks ([] when it is fine)."""
    return [r for r, _ in get_target(name).validate(obj, ctx)]


ISSUE25_FIXTURES = REPO / "tests" / "fixtures" / "issue25"   # preference and RFT inputs
# the records of ISSUE25_FIXTURES a pair-writing target (openai-dpo, sagemaker-ai-dpo) refuses,
# (file, position) -> reason: every other one is a pair and is written
PAIR_TARGET_REFUSED = {
    ("trl_preference.jsonl", 4): "identical_preference",
    ("trl_preference.jsonl", 5): "prompt_mismatch",
    ("openai_preference.jsonl", 2): "identical_preference",
    ("nova_dpo.jsonl", 2): "missing_label",
    ("llamafactory_dpo.json", 2): "identical_preference",
    ("llamafactory_kto.json", 1): "no_preference_pair",      # a KTO label: one answer, no pair
    ("llamafactory_kto.json", 2): "no_preference_pair",
    ("rft_messages.jsonl", 1): "no_preference_pair",         # a grader's reference, no pair
    ("rft_messages.jsonl", 2): "no_preference_pair",
    ("rft_messages.jsonl", 3): "empty_reference_answer",
    ("prompt_answer.jsonl", 1): "no_preference_pair",
    ("prompt_answer.jsonl", 2): "no_preference_pair",
}


def reasons_by_place(dead: list[dict]) -> dict:
    """(file name, line or record) -> reason of each dead letter (one entry a place: a caller
    compares its length with the dead letters' to see each refused once)."""
    return {(Path(d["source"]["uri"]).name, d["source"].get("line", d["source"].get("record"))):
            d["reason"] for d in dead}


def check_accounting(report: dict) -> None:
    """input = accepted + dead letters + sampled out (--sample-to-quota), in all and per file."""
    assert report["input_records"] == (report["accepted_records"] + report["dead_letter_records"]
                                       + report["sampled_out_records"])
    for name, f in report["files"].items():
        assert f["input_records"] == (f["accepted_records"] + f["dead_letter_records"]
                                      + f.get("sampled_out_records", 0)), name
    assert sum(f.get("sampled_out_records", 0) for f in report["files"].values()) \
        == report["sampled_out_records"]


def without_fields_note(err: str, report: dict) -> str:
    """stderr less the run's `note: input fields not in the output` line, which must be there
    exactly when report.json counts such fields (and name each of them)."""
    notes = [line for line in err.splitlines()
             if line.startswith("note: input fields not in the output")]
    unwritten = report.get("fields_not_written", {})
    assert len(notes) == (1 if unwritten else 0), (notes, unwritten)
    assert all(f"{name} (" in notes[0] for name in unwritten), (notes, unwritten)
    return "".join(line + "\n" for line in err.splitlines() if line not in notes)


def check_counts(report: dict) -> None:
    check_accounting(report)
    assert sum(report["dead_letter_reasons"].values()) == report["dead_letter_records"]
    assert set(report["dead_letter_reasons"]) <= set(REASONS)


def check_manifest(out: Path) -> dict:
    """Every data file is in the manifest with its true record count, bytes and sha256."""
    manifest = read_json(out / "manifest.json")
    listed = {f["path"]: f for f in manifest["files"]}
    on_disk = set(layout(out)) - {"manifest.json", "report.json", "_SUCCESS"}
    assert set(listed) == on_disk
    for path, entry in listed.items():
        data = (out / path).read_bytes()
        assert entry["bytes"] == len(data), path
        assert entry["sha256"] == hashlib.sha256(data).hexdigest(), path
        if path.endswith(".jsonl"):
            assert entry["records"] == data.count(b"\n"), path
        else:
            assert entry["records"] is None, path
    return manifest
DATA_DIRS = ("train", "validation", "dead_letter", "sampled_out")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"service exited with {proc.returncode}: {log.read_text()[-2000:]}")
        with socket.socket() as s:
            if s.connect_ex(("localhost", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"nothing listens on {port} after {timeout}s: {log.read_text()[-2000:]}")


class Service:
    """A Beam service in its own process group (its workers too), killed at teardown."""

    def __init__(self, args: list[str], cwd: Path, env: dict, log: Path,
                 python: str = sys.executable):
        self.port = free_port()
        self.log = log
        self.proc = subprocess.Popen(
            [python, "-m", *args, str(self.port)], cwd=cwd, env=env,
            stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
        wait_for_port(self.port, self.proc, log)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def portable_args(job: str, pool: str, *extra: str) -> list[str]:
    return ["--runner", "PortableRunner", "--job_endpoint", job, "--environment_type",
            "EXTERNAL", "--environment_config", pool, *extra]


def assert_sample_split_identical(direct: Path, remote: Path) -> None:
    """The bundled Alpaca sample with a validation split, run on another runner: every data file
    as the DirectRunner wrote it, complete (_SUCCESS, no claim left), all 94 records in, both
    splits written."""
    assert_same_dataset(direct, remote)
    assert (remote / "_SUCCESS").is_file() and not (remote / "_RUNNING").exists()
    report = read_json(remote / "report.json")
    assert report["input_records"] == 94
    assert report["output_records"]["train"] > 0 and report["output_records"]["validation"] > 0


def assert_same_dataset(direct: Path, portable: Path) -> None:
    """Every data file byte-identical; the same files; the same counts and manifest entries."""
    assert layout(direct) == layout(portable)
    compared = 0
    for rel in layout(direct):
        if rel.split("/", 1)[0] in DATA_DIRS:
            assert (direct / rel).read_bytes() == (portable / rel).read_bytes(), rel
            compared += 1
    assert compared >= 2
    a, b = read_json(direct / "report.json"), read_json(portable / "report.json")
    for key in ("input_records", "accepted_records", "dead_letter_records", "output_records",
                "dead_letter_reasons", "sampled_out_records", "status"):
        assert a[key] == b[key], key
    assert stable_files(read_json(direct / "manifest.json")["files"]) == \
        stable_files(read_json(portable / "manifest.json")["files"])


# report.json's `run` says when the run started and how long it took, and report.html shows it:
# the only things two runs of the same inputs write differently
RUN_TIMING = ("started", "duration_seconds")


def stable_report(report: dict) -> dict:
    """The report without the run's start time and duration."""
    run = {k: v for k, v in report.get("run", {}).items() if k not in RUN_TIMING}
    return {**report, "run": run}


def stable_files(files: list[dict]) -> list[dict]:
    """The manifest's file entries but report.html (which shows the start time and duration)."""
    return [f for f in files if f["path"] != "report.html"]


def alpaca_lines(n: int) -> list[bytes]:
    out = []
    for i in range(1, n + 1):
        if i % 37 == 0:
            out.append(b'{"instruction": "cut sh')                       # invalid JSON
        elif i % 41 == 0:
            out.append(b"")                                              # blank line
        elif i % 43 == 0:
            out.append(b'{"instruction": "' + b"x" * 300 + b'"}')      # over the byte limit
        else:
            out.append(orjson.dumps({"instruction": f"Question {i} é", "input": "",
                                     "output": f"Answer {i}"}))
    return out


def validate_passed(err: str) -> bool:
    """`tuneprep validate`'s stderr when every line passed: its one summary line, nothing else."""
    import re
    return re.fullmatch(r"checked [\d,]+ records? in [\d,]+ files?: no problems\n", err) is not None


# --- memory of a whole command, measured on a subprocess -----------------------------------------

MiB = 1 << 20
MEMORY_BOUND = 512 * MiB   # a whole run; measured ~180-310 MB after the fixes, 1.1-2.8 GB before

_PEAK_RSS = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
sys.stderr.write(done.stderr)
print(done.stdout + "\\n" + str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(done.returncode)
"""


def cli_measured(cwd, *args, timeout: float = 300) -> tuple[int, str, str, int]:
    """`tuneprep ARGS` in a subprocess: (exit code, stdout, stderr, peak RSS in bytes of the
    command and the workers it waited for)."""
    command = [sys.executable, "-m", "tuneprep.pipelines.cli", *map(str, args)]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", _PEAK_RSS, *command], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)
    stdout, _, peak = done.stdout.rstrip("\n").rpartition("\n")
    unit = 1 if sys.platform == "darwin" else 1024   # ru_maxrss: bytes on macOS, else kB
    return done.returncode, stdout.rstrip("\n") + "\n", done.stderr, int(peak) * unit


def gzip_members(path, parts) -> str:
    """A gzip file of (data, times) parts, each compressed once and repeated: a multi-member
    gzip that decompresses to sum(len(data) * times) bytes (gigabytes in a fraction of a
    second)."""
    import gzip
    with open(path, "wb") as f:
        for data, times in parts:
            member = gzip.compress(data, 1)
            for _ in range(times):
                f.write(member)
    return str(path)
