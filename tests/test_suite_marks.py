"""The quick loop (`pytest -m "not slow"`, `make quick`) leaves out what tests/conftest.py marks
slow by what it does: every whole-command run under tests/e2e/ and every test on the S3 server."""
from __future__ import annotations

import subprocess
import sys

import pytest

from tests.helpers import REPO


@pytest.mark.slow
def test_the_quick_loop_holds_no_whole_command_run_and_no_s3_test():
    done = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q",
                           "-p", "no:cacheprovider", "-m", "not slow"],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:]
    quick = [line for line in done.stdout.splitlines() if "::" in line]
    assert len(quick) > 500
    assert not [t for t in quick if t.startswith("tests/e2e/")]
    # tests that take the S3 server (through s3 / store) are not in it; those that only check
    # options without a server are
    s3 = [t for t in quick if t.startswith("tests/transforms/io/test_s3.py::")]
    assert s3 and not [t for t in s3 if "same_bytes_on_s3" in t or "uploads" in t]
