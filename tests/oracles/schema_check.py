"""Check JSONL files against a JSON Schema AWS ships in the SageMaker Python SDK
(`sagemaker/ai_registry/schemas/*.json`: converse, openai_chat, hf_prompt_completion, ...; the
schemas SageMaker's dataset format detector reads); print one JSON verdict.

Runs under the oracle's Python (.venv-oracle, where `sagemaker` comes with amzn-nova-forge),
the schema read from the installed package, validated with `jsonschema`:

    python schema_check.py --schema converse FILE.jsonl [FILE.jsonl ...]

Prints {"records": N, "refused": [{"file", "line", "errors"}]}.
"""
from __future__ import annotations

import argparse
import json
import sys
from importlib import resources

import jsonschema


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--schema", required=True)
    parser.add_argument("files", nargs="+")
    args = parser.parse_args(argv)
    schema = json.loads(resources.files("sagemaker.ai_registry").joinpath(
        "schemas", f"{args.schema}.json").read_text())
    validator = jsonschema.Draft7Validator(schema)
    verdict = {"records": 0, "refused": []}
    for path in args.files:
        with open(path, encoding="utf-8") as f:
            for line, text in enumerate(f, 1):
                if not text.strip():
                    continue
                verdict["records"] += 1
                errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
                          for e in validator.iter_errors(json.loads(text))]
                if errors:
                    verdict["refused"].append({"file": path, "line": line, "errors": errors[:3]})
    json.dump(verdict, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
