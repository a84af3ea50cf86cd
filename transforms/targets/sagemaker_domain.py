"""sagemaker-domain-adaptation: SageMaker JumpStart domain adaptation (instruction_tuned="False"),
{"text"} a line. JumpStart takes exactly one file per channel folder (train/, optional
validation/), read from the column `text`: the layout is "single", so the dataset is
train/train.jsonl (+ validation/validation.jsonl). Long documents are chunked as for
bedrock-pretrain (--chunk-chars). Source: docs/sources/service-formats.md §3.2-3.3."""
from __future__ import annotations

from tuneprep.transforms.targets.bedrock_pretrain import DocumentTarget
from tuneprep.transforms.targets.requests_sagemaker import JumpStartRequest


class SagemakerDomainAdaptation(DocumentTarget):
    name = "sagemaker-domain-adaptation"
    kind = "domain-adaptation"
    request_builder = JumpStartRequest()
    key = "text"
    layout = "single"
