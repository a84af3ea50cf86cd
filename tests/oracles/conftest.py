"""The oracle fixtures (forge, sagemaker_schema): AWS's own dataset validators, in their own Python.

The SDK needs Python >= 3.12 and runs in its own venv (`make oracle`; .ci/run builds it), in one
process for the session (tests/oracles/oracle_server.py, which runs nova_forge_check.py and
schema_check.py). Without it the tests that use it skip, except under CI, where
a missing oracle is a failure rather than a silent pass."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import orjson
import pytest

from tests.helpers import REPO

ORACLE_PYTHON = Path(os.environ.get("TUNEPREP_ORACLE_PYTHON", REPO / ".venv-oracle/bin/python"))
SERVER = Path(__file__).with_name("oracle_server.py")
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


class Oracle:
    """tests/oracles/oracle_server.py, started once: the SDKs are imported once."""

    def __init__(self, log: Path):
        self.log = log
        self.proc = subprocess.Popen([str(ORACLE_PYTHON), str(SERVER)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=log.open("wb"))

    def ask(self, tool: str, argv: list, endpoint: str | None = None) -> dict:
        env = {k: v for k, v in os.environ.items()
               if k.startswith("AWS_") and not k.startswith("AWS_ENDPOINT_URL")}
        env.setdefault("AWS_DEFAULT_REGION", "us-east-1")
        if endpoint:   # the SDK's media checks then ask the test S3 server
            env["AWS_ENDPOINT_URL_S3"] = endpoint
        request = {"tool": tool, "argv": [str(a) for a in argv], "env": env}
        self.proc.stdin.write(orjson.dumps(request) + b"\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, f"the oracle process ended: {self.log.read_text()[-3000:]}"
        reply = orjson.loads(line)
        assert "verdict" in reply, reply.get("error")
        return reply["verdict"]

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


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
    return lambda model, files, endpoint=None: oracle.ask(
        "forge", ["--model", FORGE_MODEL[model], *files], endpoint)


@pytest.fixture(scope="module")
def sagemaker_schema(oracle):
    """sagemaker_schema(name, files) -> {"records": N, "refused": [...]}: the files checked
    against the JSON Schema `name` (converse, openai_chat, ...) the SageMaker SDK ships."""
    return lambda name, files: oracle.ask("schema", ["--schema", name, *files])
