"""The next step, written out: the training request for the dataset a run wrote, saved beside
the data as `training-request.json`. Pure Python (no Beam, no AWS call, nothing is sent).

The file is one JSON object:

    {"service": "bedrock" | "sagemaker-jumpstart" | "sagemaker-ai" | "openai" | ...,
     "api": the call the request is for,
     "request": the request itself (Bedrock, OpenAI: the body, field names as published;
                SageMaker AI: the SDK trainer's arguments),
     "estimator" / "fit": (SageMaker JumpStart) the JumpStartEstimator's arguments and channels,
     "placeholders": the fields only the user can fill in, each a "<...>" string,
     "notes": what to do before sending it,
     "sources": the pages the shape was checked against}

so `jq .request training-request.json` gives a body that `aws bedrock
create-model-customization-job --cli-input-json` takes once the placeholders are filled in.

This module is the generic part: which files are the train and validation ones. What a service's
request holds is the target's (Target.request_builder: transforms/targets/requests_bedrock.py,
requests_sagemaker.py, requests_openai.py, each citing its pages).
"""
from __future__ import annotations

from tuneprep.transforms.core.layout import TRAINING_REQUEST as FILE
from tuneprep.transforms.core.layout import TRAIN, VALIDATION
from tuneprep.transforms.targets.request_parts import placeholders

__all__ = ["FILE", "placeholders", "training_request"]


def training_request(target, spec, output: str, data_files: list[str],
                     validation_split: float = 0.0) -> dict | None:
    """The training request for a dataset of `target`. spec: the ModelSpec of --model (None
    without one); data_files: the written train/validation files, relative to output
    ('/'-separated). None for a target that declares no request builder."""
    if target.request_builder is None:
        return None
    train = sorted(p for p in data_files if p.startswith(f"{TRAIN}/"))
    validation = sorted(p for p in data_files if p.startswith(f"{VALIDATION}/"))
    return target.request_builder(spec, output, train, validation, validation_split)
