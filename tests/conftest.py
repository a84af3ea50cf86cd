"""Fixtures the tests share: the repository's samples, the project's shared corpora (skipped
with a reason when absent), and a real S3-protocol server. Plain helpers are in helpers.py."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest.register_assert_rewrite("tests.helpers")   # its asserts report like a test's

# A run whose stderr is not a terminal writes a plain progress line every 10 s: on a loaded
# machine a test's run may take that long, and the tests that check stderr line by line would
# then depend on the clock. The tests of those lines set their own interval.
os.environ["TUNEPREP_PROGRESS_INTERVAL"] = "3600"

from tests.helpers import CORPORA, SAMPLES, S3Bucket, S3Server, aws_test_env  # noqa: E402


@pytest.fixture(scope="session")
def samples() -> Path:
    return SAMPLES


@pytest.fixture(scope="session")
def corpora() -> Path:
    if not CORPORA.is_dir():
        pytest.skip("shared corpora not present (../shared/corpora); these tests need the "
                    "project's shared folder")
    return CORPORA


# --- a real S3-protocol server (moto) -------------------------------------------------------------


@pytest.fixture(scope="session")
def s3_server():
    server = S3Server().start()
    yield server
    server.stop()


@pytest.fixture
def s3(s3_server, monkeypatch, tmp_path) -> S3Bucket:
    """A fresh bucket on the session's S3 server, with test credentials in the environment."""
    import uuid
    aws_test_env(monkeypatch, tmp_path)
    return S3Bucket(s3_server, f"tp-{uuid.uuid4().hex[:12]}")


@pytest.fixture
def store(s3):
    """A fresh bucket on the S3 test server, with fsspec pointed at it (as a run's
    --s3-endpoint-url does) for the test only."""
    from tuneprep.transforms.io import s3_config
    s3_config.configure(s3.endpoint, fresh=True)
    yield s3
    s3_config.configure(None, fresh=True)


# Fixtures that start or use the S3 server: every test that takes one talks to a real server
# over HTTP (seconds, not milliseconds), so it is slow by what it does, marked or not.
S3_FIXTURES = {"s3_server", "s3", "store"}


def pytest_collection_modifyitems(items):
    """Every test under tests/e2e/ runs the whole command: mark it so (-m e2e / -m "not e2e"),
    and slow, as every test on the S3 server: `-m "not slow"` is the quick loop."""
    for item in items:
        if "e2e" in item.path.relative_to(item.config.rootpath).parts[:2]:
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.slow)
        if S3_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
