"""Run AWS's Nova Forge SDK dataset validator over JSONL files; print one JSON verdict.

Runs under the oracle's own Python (`make oracle` builds .venv-oracle with `amzn-nova-forge`,
which needs Python >= 3.12), never under tuneprep's: the SDK is a test oracle only, called
through its public classes and functions, none of its code copied.

    python nova_forge_check.py --model nova_lite FILE.jsonl [FILE.jsonl ...]
    python nova_forge_check.py --model nova_lite --train-records 20001

Prints {"records": N, "refused": [{"file", "line", "errors"}], "dataset_error": str|null}:
each record checked alone (so every refusal is counted, not only the first), then each file
as a whole, as the SDK checks a dataset (optional-field consistency), then the training set's
record count against Bedrock's bounds (8-20,000 for Nova 1, 200-20,000 for Nova 2 Lite).

The record counts are checked with the SDK's `validate_row_counts`, given an error list, as
its training pre-flight does (Validator.validate counts the rows of the training file and
calls it so): SFTDatasetValidator.validate calls it without one, and then skips every
Bedrock bound (they are `pre_training_only`), so a 3-record dataset passes there. The count
is of the lines of the training files together (a file in a `validation` folder is not
counted: the bounds are on the training set), as the pre-flight counts the training file's.
--train-records N asks the bounds alone, for a count too large to write as a test file.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys

from amzn_nova_forge.core.enums import Model, Platform, TrainingMethod
from amzn_nova_forge.dataset.dataset_validator import SFTDatasetValidator
from amzn_nova_forge.validation.dataset_row_count_validator import validate_row_counts
from pydantic import ValidationError


def _records(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _is_validation(path) -> bool:
    return os.path.basename(os.path.dirname(os.path.abspath(path))) == "validation"


def row_count_error(model: Model, train_records: int) -> str | None:
    """The SDK's verdict on a Bedrock SFT training set of `train_records` records."""
    errors: list = []
    validate_row_counts(train_records, model, Platform.BEDROCK, TrainingMethod.SFT_LORA,
                        errors=errors)
    return errors[0] if errors else None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True, choices=[m.value for m in Model])
    parser.add_argument("--no-row-counts", action="store_true",
                        help="skip the SDK's Bedrock record-count bounds (small test files)")
    parser.add_argument("--train-records", type=int,
                        help="no files: the record-count bounds alone, for N training records")
    parser.add_argument("files", nargs="*")
    args = parser.parse_args(argv)
    model = Model(args.model)
    if args.train_records is not None:
        error = row_count_error(model, args.train_records)
        json.dump({"records": 0, "refused": [], "dataset_error": error and f"row counts: {error}"},
                  sys.stdout)
        return 0
    import boto3   # the SDK's media checks ask S3 (AWS_ENDPOINT_URL_S3 points it at a test server)
    # a session of its own reads the environment as it is now (oracle_server changes it)
    context = {"model": model, "s3_client": boto3.session.Session().client("s3")}
    verdict = {"records": 0, "refused": [], "dataset_error": None}
    sample_model = SFTDatasetValidator().get_sample_model()
    train_records, train_files = 0, 0
    for path in args.files:
        records = _records(path)
        verdict["records"] += len(records)
        if not _is_validation(path):
            train_records, train_files = train_records + len(records), train_files + 1
        for line, record in enumerate(records, 1):
            try:
                sample_model.model_validate(record, context=context)
            except ValidationError as e:
                verdict["refused"].append({"file": path, "line": line, "errors": [
                    f"{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors()]})
        try:   # the SDK prints its success line: keep stdout for the verdict
            with contextlib.redirect_stdout(sys.stderr):
                SFTDatasetValidator().validate(iter(records), model)
        except ValueError as e:
            first = str(e).strip().splitlines()[0] if str(e).strip() else repr(e)
            verdict["dataset_error"] = verdict["dataset_error"] or f"{path}: {first}"
    if train_files and not args.no_row_counts:
        error = row_count_error(model, train_records)
        verdict["dataset_error"] = verdict["dataset_error"] or error and f"row counts: {error}"
    json.dump(verdict, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
