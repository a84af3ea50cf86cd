"""The `forge` fixture: AWS's Nova Forge SDK dataset validator, run as a subprocess.

The SDK needs Python >= 3.12 and runs in its own venv (`make oracle`; .ci/run builds it), through
tests/oracles/nova_forge_check.py. Without it the tests that use it skip, except under CI, where
a missing oracle is a failure rather than a silent pass."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import orjson
import pytest

from tests.helpers import REPO

ORACLE_PYTHON = Path(os.environ.get("TUNEPREP_ORACLE_PYTHON", REPO / ".venv-oracle/bin/python"))
CHECK = Path(__file__).with_name("nova_forge_check.py")
SCHEMA_CHECK = Path(__file__).with_name("schema_check.py")
FORGE_MODEL = {"nova-micro": "nova_micro", "nova-lite": "nova_lite", "nova-pro": "nova_pro",
               "nova-2-lite": "nova_lite_2"}


def _oracle_python() -> Path:
    if not ORACLE_PYTHON.exists():
        why = (f"AWS's validators (the Nova Forge SDK, the SageMaker SDK's schemas) are not "
               f"installed at {ORACLE_PYTHON} (`make oracle`; it needs Python 3.12)")
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    return ORACLE_PYTHON


def _verdict(argv: list, endpoint: str | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
    env.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    if endpoint:   # the SDK's media checks then ask the test S3 server
        env["AWS_ENDPOINT_URL_S3"] = endpoint
    done = subprocess.run([str(ORACLE_PYTHON), *map(str, argv)], capture_output=True, env=env,
                          timeout=600)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    return orjson.loads(done.stdout)


@pytest.fixture(scope="module")
def forge():
    """forge(model, files, endpoint=None) -> the SDK's verdict on those files: {"records": N,
    "refused": [{"file", "line", "errors"}], "dataset_error": str | None}."""
    _oracle_python()
    return lambda model, files, endpoint=None: _verdict(
        [CHECK, "--model", FORGE_MODEL[model], *files], endpoint)


@pytest.fixture(scope="module")
def sagemaker_schema():
    """sagemaker_schema(name, files) -> {"records": N, "refused": [...]}: the files checked
    against the JSON Schema `name` (converse, openai_chat, ...) the SageMaker SDK ships."""
    _oracle_python()
    return lambda name, files: _verdict([SCHEMA_CHECK, "--schema", name, *files])
