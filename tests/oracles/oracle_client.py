"""The client side of tests/oracles/oracle_server.py: AWS's validators (the Nova Forge SDK, the
SageMaker SDK's JSON Schemas) started once in their own Python (.venv-oracle, `make oracle`),
asked over a pipe. Plain Python: the `oracle` fixture (conftest.py) and
benchmarks/oracle_table.py both use it."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import orjson

from tests.helpers import REPO

ORACLE_PYTHON = Path(os.environ.get("TUNEPREP_ORACLE_PYTHON", REPO / ".venv-oracle/bin/python"))
SERVER = Path(__file__).with_name("oracle_server.py")
# tuneprep's model id -> the SDK's Model enum value
FORGE_MODEL = {"nova-micro": "nova_micro", "nova-lite": "nova_lite", "nova-pro": "nova_pro",
               "nova-2-lite": "nova_lite_2"}


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

    def forge(self, model: str, files, endpoint: str | None = None) -> dict:
        """The Forge SDK's verdict on `files` for tuneprep's `model` (nova_forge_check.py)."""
        return self.ask("forge", ["--model", FORGE_MODEL[model], *files], endpoint)

    def forge_row_counts(self, model: str, train_records: int) -> dict:
        """The SDK's Bedrock record-count bounds alone, for a training set of that size."""
        return self.ask("forge", ["--model", FORGE_MODEL[model], "--train-records",
                                  train_records])

    def forge_rft(self, files=(), train_records: int | None = None) -> dict:
        """The Forge SDK's RFT validator (Nova 2 Lite) on `files`, or its Bedrock RFT record
        bounds alone for `train_records` (forge_rft_check.py)."""
        argv = list(files) if train_records is None else ["--train-records", train_records]
        return self.ask("forge-rft", argv)

    def forge_rft_multiturn(self, files) -> dict:
        """The Forge SDK's multi-turn RFT validator (Nova 2 Lite) on `files`
        (forge_rft_multiturn_check.py)."""
        return self.ask("forge-rft-multiturn", list(files))

    def schema(self, name: str, files) -> dict:
        """`files` against the SageMaker SDK's JSON Schema `name` (schema_check.py)."""
        return self.ask("schema", ["--schema", name, *files])

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)
