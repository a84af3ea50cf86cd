"""Run the Nova Forge SDK's RFT dataset validator over JSONL files; print one JSON verdict.

Runs under the oracle's own Python (.venv-oracle), as nova_forge_check.py does, through the SDK's
public classes only:

    python forge_rft_check.py FILE.jsonl [FILE.jsonl ...]
    python forge_rft_check.py --train-records 99

Prints {"records": N, "refused": [{"file", "line", "errors"}], "dataset_error": str|null,
"row_count_error": str|null}: each record alone against RFTDatasetSample (every refusal counted),
then the files together through RFTDatasetValidator(Model.NOVA_LITE_2).validate (its all-or-none
optional fields), then the training records' count against Bedrock RFT's bounds
(validate_row_counts with an error list, as the SDK's pre-flight calls it: RFT_LORA on Bedrock).
"""
from __future__ import annotations

import argparse
import contextlib
import json
import sys

from amzn_nova_forge.core.enums import Model, Platform, TrainingMethod
from amzn_nova_forge.dataset.dataset_validator.rft_dataset_validator import (
    RFTDatasetSample, RFTDatasetValidator)
from amzn_nova_forge.validation.dataset_row_count_validator import validate_row_counts
from pydantic import ValidationError


def row_count_error(n: int) -> str | None:
    errors: list = []
    validate_row_counts(n, Model.NOVA_LITE_2, Platform.BEDROCK, TrainingMethod.RFT_LORA,
                        errors=errors)
    return errors[0] if errors else None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--train-records", type=int)
    parser.add_argument("files", nargs="*")
    args = parser.parse_args(argv)
    if args.train_records is not None:
        print(json.dumps({"row_count_error": row_count_error(args.train_records)}))
        return 0
    verdict = {"records": 0, "refused": [], "dataset_error": None}
    rows = []
    for path in args.files:
        with open(path, encoding="utf-8") as f:
            for line_no, line in enumerate(f, 1):
                if not line.strip():
                    continue
                verdict["records"] += 1
                record = json.loads(line)
                rows.append(record)
                try:
                    RFTDatasetSample.model_validate(record)
                except ValidationError as error:
                    verdict["refused"].append({"file": path, "line": line_no,
                                               "errors": [e["msg"] for e in error.errors()]})
    if not verdict["refused"]:
        try:   # (the SDK prints its success line: kept off the verdict)
            with contextlib.redirect_stdout(sys.stderr):
                RFTDatasetValidator(Model.NOVA_LITE_2).validate(iter(rows), Model.NOVA_LITE_2,
                                                                region="us-east-1")
        except (ValueError, ValidationError) as error:
            verdict["dataset_error"] = str(error)[:2000]
    verdict["row_count_error"] = row_count_error(verdict["records"])
    print(json.dumps(verdict))
    return 0


if __name__ == "__main__":
    sys.exit(main())
