"""transforms/io/s3_config.py: the S3 settings of a process (endpoint, timeouts, tries), set by
configure() where a command starts and in each DoFn's setup(), never by importing a module."""
from __future__ import annotations

import subprocess
import sys

import fsspec.config

from tests.helpers import REPO
from tuneprep.transforms.io import s3_config


def test_importing_the_store_changes_no_process_wide_setting():
    """fsspec's and botocore's settings belong to the whole process (a library user's, a test's):
    importing storage (and every module a command imports) sets none of them."""
    probe = ("import fsspec, fsspec.config\n"
             "conf, registry = repr(fsspec.config.conf), sorted(fsspec.registry)\n"
             "import tuneprep.transforms.io.storage, tuneprep.transforms.io.s3_config\n"
             "import tuneprep.pipelines.cli\n"
             "assert repr(fsspec.config.conf) == conf, fsspec.config.conf\n"
             "assert sorted(fsspec.registry) == registry, sorted(fsspec.registry)\n")
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_every_command_configures_s3_before_it_starts(monkeypatch, capsys, tmp_path):
    """run (cli._run), inspect and validate read S3: each sets the bounded waits first."""
    from tuneprep.pipelines.cli import main
    calls = []
    monkeypatch.setattr(s3_config, "configure", lambda *a, **k: calls.append((a, k)))
    (tmp_path / "a.jsonl").write_text('{"prompt": "p", "completion": "c"}\n')
    main(["validate", "--target", "bedrock-text", str(tmp_path / "a.jsonl")])
    main(["inspect", str(tmp_path / "a.jsonl")])
    capsys.readouterr()
    assert len(calls) == 2


def test_configure_sets_fsspec_defaults():
    try:
        s3_config.configure("http://127.0.0.1:9000", timeout=7)
        assert fsspec.config.conf["s3"]["endpoint_url"] == "http://127.0.0.1:9000"
        assert fsspec.config.conf["s3"]["use_listings_cache"] is False
        assert fsspec.config.conf["s3"]["config_kwargs"]["read_timeout"] == 7
        assert s3_config.s3_timeout() == 7
    finally:
        s3_config.configure(None)
    assert "endpoint_url" not in fsspec.config.conf["s3"]


def test_endpoint_from_env(monkeypatch):
    for name in ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"):
        monkeypatch.delenv(name, raising=False)
    assert s3_config.endpoint_from_env() is None
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://all:1")
    assert s3_config.endpoint_from_env() == "http://all:1"
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://s3:2")
    assert s3_config.endpoint_from_env() == "http://s3:2"
    monkeypatch.setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")
    assert s3_config.endpoint_from_env() is None
