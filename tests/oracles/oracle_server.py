"""The oracles as one long-lived process, so the SDKs are imported once a test session rather
than once a check (about 5 s each). Runs under the oracle's Python (.venv-oracle).

One request a line on stdin, {"tool": "forge" | "schema" | "forge-rft" | "forge-rft-multiturn", "argv": [...], "env": {...}}: the
AWS_* environment of the check (test credentials, the S3 test server's endpoint) and the argv of
nova_forge_check.py, schema_check.py, forge_rft_check.py or forge_rft_multiturn_check.py; one reply a line on stdout, {"verdict": {...}} or
{"error": "..."}."""
from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import traceback

import forge_rft_check
import forge_rft_multiturn_check
import nova_forge_check
import schema_check

TOOLS = {"forge": nova_forge_check.main, "schema": schema_check.main,
         "forge-rft": forge_rft_check.main, "forge-rft-multiturn": forge_rft_multiturn_check.main}


def main() -> int:
    replies = sys.stdout
    for line in sys.stdin:
        request = json.loads(line)
        for name in [n for n in os.environ if n.startswith("AWS_")]:
            del os.environ[name]
        os.environ.update(request.get("env", {}))
        import boto3
        boto3.DEFAULT_SESSION = None   # the SDK's own clients read the new environment too
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out):
                TOOLS[request["tool"]](request["argv"])
            reply = {"verdict": json.loads(out.getvalue())}
        except BaseException:   # the test shows what went wrong; the server goes on
            reply = {"error": traceback.format_exc()[-3000:]}
        replies.write(json.dumps(reply) + "\n")
        replies.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
