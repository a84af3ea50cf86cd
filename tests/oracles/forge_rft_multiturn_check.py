"""Run the Nova Forge SDK's multi-turn RFT dataset validator over JSONL files; print one JSON
verdict. Runs under the oracle's own Python (.venv-oracle), as forge_rft_check.py does, through
the SDK's public classes only:

    python forge_rft_multiturn_check.py FILE.jsonl [FILE.jsonl ...]

Prints {"records": N, "refused": [{"file", "line", "errors"}], "dataset_error": str|null}: each
record alone against RFTMultiturnDatasetSample (every refusal counted), then the files together
through RFTMultiturnDatasetValidator(Model.NOVA_LITE_2).validate (its all-or-none optional
fields: metadata.answer, metadata.task, metadata.info). The SDK has no record-count bounds for
the multi-turn methods.
"""
from __future__ import annotations

import contextlib
import json
import sys

from amzn_nova_forge.core.enums import Model
from amzn_nova_forge.dataset.dataset_validator.rft_multiturn_dataset_validator import (
    RFTMultiturnDatasetSample, RFTMultiturnDatasetValidator)
from pydantic import ValidationError


def main(argv=None) -> int:
    files = sys.argv[1:] if argv is None else argv
    verdict = {"records": 0, "refused": [], "dataset_error": None}
    rows = []
    for path in files:
        with open(path, encoding="utf-8") as f:
            for line_no, line in enumerate(f, 1):
                if not line.strip():
                    continue
                verdict["records"] += 1
                record = json.loads(line)
                rows.append(record)
                try:
                    RFTMultiturnDatasetSample.model_validate(record)
                except ValidationError as error:
                    verdict["refused"].append({"file": path, "line": line_no,
                                               "errors": [e["msg"] for e in error.errors()]})
    if not verdict["refused"]:
        try:   # (the SDK prints its success line: kept off the verdict)
            with contextlib.redirect_stdout(sys.stderr):
                RFTMultiturnDatasetValidator(Model.NOVA_LITE_2).validate(
                    iter(rows), Model.NOVA_LITE_2, region="us-east-1")
        except (ValueError, ValidationError) as error:
            verdict["dataset_error"] = str(error)[:2000]
    print(json.dumps(verdict))
    return 0


if __name__ == "__main__":
    sys.exit(main())
