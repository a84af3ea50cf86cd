"""SageMaker AI serverless model customization's training request: the SageMaker Python SDK's
trainer for the technique (sagemaker-train: `sagemaker.train.DPOTrainer(model=...,
training_type="LORA", model_package_group=..., training_dataset=..., validation_dataset=...)`
then `.train()`), the datasets named by their s3:// URIs as the trainer's own example does.
  sagemaker-train 1.27.0, sagemaker/train/dpo_trainer.py (DPOTrainer: its docstring's example
  and parameters) [code]
  docs/sources/formats-2026.md, "Preference data" (the customizing-models-dpo page) [doc]
"""
from __future__ import annotations

from tuneprep.transforms.targets.request_parts import finish, s3_uri, upload_note

TRAINER_CODE = "sagemaker-train 1.27.0: sagemaker/train/dpo_trainer.py DPOTrainer"
SERVICE_DOC = "docs/sources/formats-2026.md: SageMaker AI serverless customization (DPO)"


class ServerlessRequest:
    """A SageMaker AI serverless customization target's request builder (Target.request_builder):
    trainer, the SDK's trainer class for the technique (DPOTrainer)."""

    def __init__(self, trainer: str):
        self.trainer = trainer

    def __call__(self, spec, output: str, train: list[str], validation: list[str],
                 validation_split: float = 0.0) -> dict:
        request = {"model": "<MODEL: the foundation model to customize (a SageMaker AI hub "
                            "model name or a model package ARN)>",
                   "training_type": "LORA",   # the trainer's default, written out
                   "model_package_group": "<MODEL_PACKAGE_GROUP: where the customized model "
                                          "is registered>",
                   "training_dataset": s3_uri(output, train[0], "TRAINING_S3_URI") if train
                   else "<TRAINING_S3_URI>"}
        if validation:
            request["validation_dataset"] = s3_uri(output, validation[0], "VALIDATION_S3_URI")
        notes = upload_note(output) + [
            f"fill in every <...> value, then: sagemaker.train.{self.trainer}(**request).train()"
            " (SageMaker Python SDK, sagemaker-train)"]
        return finish({"service": "sagemaker-ai", "api": f"sagemaker.train.{self.trainer}",
                       "request": request}, notes, [TRAINER_CODE, SERVICE_DOC])


DPO = ServerlessRequest("DPOTrainer")
