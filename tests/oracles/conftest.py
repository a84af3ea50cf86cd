"""The oracle fixtures (forge, sagemaker_schema): AWS's own dataset validators, in their own Python.

The SDK needs Python >= 3.12 and runs in its own venv (`make oracle`; .ci/run builds it), in one
process for the session (tests/oracles/oracle_server.py, which runs nova_forge_check.py and
schema_check.py; oracle_client.py asks it). Without it the tests that use it skip, except
under CI, where a missing oracle is a failure rather than a silent pass."""
from __future__ import annotations

import os

import pytest

from tests.oracles.oracle_client import ORACLE_PYTHON, Oracle


def _oracle_python():
    if not ORACLE_PYTHON.exists():
        why = (f"AWS's validators (the Nova Forge SDK, the SageMaker SDK's schemas) are not "
               f"installed at {ORACLE_PYTHON} (`make oracle`; it needs Python 3.12)")
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    return ORACLE_PYTHON


@pytest.fixture(scope="session")
def oracle(tmp_path_factory):
    _oracle_python()
    server = Oracle(tmp_path_factory.mktemp("oracle") / "oracle.log")
    yield server
    server.close()


@pytest.fixture(scope="module")
def forge(oracle):
    """forge(model, files, endpoint=None) -> the SDK's verdict on those files: {"records": N,
    "refused": [{"file", "line", "errors"}], "dataset_error": str | None}."""
    return oracle.forge


@pytest.fixture(scope="module")
def sagemaker_schema(oracle):
    """sagemaker_schema(name, files) -> {"records": N, "refused": [...]}: the files checked
    against the JSON Schema `name` (converse, openai_chat, ...) the SageMaker SDK ships."""
    return oracle.schema
