"""Run AWS's Nova Forge SDK dataset validator over JSONL files; print one JSON verdict.

Runs under the oracle's own Python (`make oracle` builds .venv-oracle with `amzn-nova-forge`,
which needs Python >= 3.12), never under tuneprep's: the SDK is a test oracle only, called
through its public classes, none of its code copied.

    python nova_forge_check.py --model nova_lite FILE.jsonl [FILE.jsonl ...]

Prints {"records": N, "refused": [{"file", "line", "errors"}], "dataset_error": str|null}:
each record checked alone (so every refusal is counted, not only the first), then each file
as a whole, as the SDK checks a dataset (optional-field consistency; Bedrock's record-count
bounds, which are on the training set, so not for a file in a `validation` folder).
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys

from amzn_nova_forge.core.enums import Model, Platform, TrainingMethod
from amzn_nova_forge.dataset.dataset_validator import SFTDatasetValidator
from pydantic import ValidationError


def _records(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True, choices=[m.value for m in Model])
    parser.add_argument("--no-row-counts", action="store_true",
                        help="skip the SDK's Bedrock record-count bounds (small test files)")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args(argv)
    model = Model(args.model)
    import boto3   # the SDK's media checks ask S3 (AWS_ENDPOINT_URL_S3 points it at a test server)
    # a session of its own reads the environment as it is now (oracle_server changes it)
    context = {"model": model, "s3_client": boto3.session.Session().client("s3")}
    verdict = {"records": 0, "refused": [], "dataset_error": None}
    sample_model = SFTDatasetValidator().get_sample_model()
    for path in args.files:
        records = _records(path)
        verdict["records"] += len(records)
        for line, record in enumerate(records, 1):
            try:
                sample_model.model_validate(record, context=context)
            except ValidationError as e:
                verdict["refused"].append({"file": path, "line": line, "errors": [
                    f"{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors()]})
        validation = os.path.basename(os.path.dirname(os.path.abspath(path))) == "validation"
        kwargs = {} if args.no_row_counts or validation else {
            "platform": Platform.BEDROCK, "training_method": TrainingMethod.SFT_LORA}
        try:   # the SDK prints its success line: keep stdout for the verdict
            with contextlib.redirect_stdout(sys.stderr):
                SFTDatasetValidator().validate(iter(records), model, **kwargs)
        except ValueError as e:
            first = str(e).strip().splitlines()[0] if str(e).strip() else repr(e)
            verdict["dataset_error"] = verdict["dataset_error"] or f"{path}: {first}"
    json.dump(verdict, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
