"""Bedrock's training request: CreateModelCustomizationJob for a Bedrock target's dataset.

customizationType is the target's (FINE_TUNING, CONTINUED_PRE_TRAINING for bedrock-pretrain,
DISTILLATION for bedrock-distillation, with
customizationConfig.distillationConfig.teacherModelConfig.teacherModelIdentifier); the enum also
has REINFORCEMENT_FINE_TUNING (bedrock-rft, with customizationConfig.rftConfig naming the
reward function) and IMPORTED, which no target writes data for. baseModelIdentifier is the
catalogue's
ModelSpec.bedrock_model_id of --model. trainingDataConfig.s3Uri and
validationDataConfig.validators[].s3Uri name the dataset's files (Bedrock takes one file each;
ValidationDataConfig takes 0-10 validators); for a local --output they are placeholders naming
the file to upload (a value only the user can give, so listed among the placeholders). roleArn,
jobName, customModelName, outputDataConfig.s3Uri and hyperParameters (a map of strings; the names
differ per model) are placeholders.
  https://docs.aws.amazon.com/bedrock/latest/APIReference/API_CreateModelCustomizationJob.html
  https://docs.aws.amazon.com/bedrock/latest/APIReference/API_TrainingDataConfig.html
  https://docs.aws.amazon.com/bedrock/latest/APIReference/API_ValidationDataConfig.html
  https://docs.aws.amazon.com/bedrock/latest/APIReference/API_CustomizationConfig.html
  https://docs.aws.amazon.com/bedrock/latest/APIReference/API_DistillationConfig.html
  https://docs.aws.amazon.com/bedrock/latest/APIReference/API_TeacherModelConfig.html
  https://docs.aws.amazon.com/bedrock/latest/APIReference/API_RFTConfig.html (rftConfig:
    graderConfig.lambdaGrader.lambdaArn, hyperParameters) [verify: read from the API's
    shape names, not a stored page]
  https://docs.aws.amazon.com/sdk-for-python/v1/reference/clients/bedrock/enums/CustomizationType/
  https://docs.aws.amazon.com/bedrock/latest/userguide/custom-model-supported.html (model ids)
  https://docs.aws.amazon.com/bedrock/latest/userguide/custom-models-hp.html (hyperparameters)
"""
from __future__ import annotations

from dataclasses import dataclass

from tuneprep.transforms.core.layout import TRAINING_REQUEST as FILE
from tuneprep.transforms.targets.request_parts import ROLE_ARN, finish, s3_uri, upload_note

BEDROCK_API = ("https://docs.aws.amazon.com/bedrock/latest/APIReference/"
               "API_CreateModelCustomizationJob.html")
BEDROCK_HP = "https://docs.aws.amazon.com/bedrock/latest/userguide/custom-models-hp.html"
BEDROCK_RFT_API = "https://docs.aws.amazon.com/bedrock/latest/APIReference/API_RFTConfig.html"
BEDROCK_MODELS = "https://docs.aws.amazon.com/bedrock/latest/userguide/custom-model-supported.html"

CUSTOMIZATION_TYPE_ENUM = ("FINE_TUNING", "CONTINUED_PRE_TRAINING", "DISTILLATION",
                           "REINFORCEMENT_FINE_TUNING", "IMPORTED")

JOB_NAME = "<JOB_NAME>"
CUSTOM_MODEL_NAME = "<CUSTOM_MODEL_NAME>"
OUTPUT_S3_URI = "<OUTPUT_S3_URI: s3:// folder for the job's output and metrics>"
EPOCH_COUNT = "<EPOCH_COUNT: hyperparameters are strings and differ per model; see " \
    f"{BEDROCK_HP}>"
GRADER = "<GRADER_LAMBDA_ARN: the Lambda function that scores a response (its reward)>"
TEACHER = "<TEACHER_MODEL_ID: the Bedrock model whose answers the student learns from>"


@dataclass(frozen=True)
class BedrockRequest:
    """A Bedrock target's request builder (Target.request_builder), of its customizationType."""
    customization: str = "FINE_TUNING"

    def __post_init__(self):
        if self.customization not in CUSTOMIZATION_TYPE_ENUM:
            raise ValueError(f"customizationType {self.customization!r}: not one of "
                             f"{', '.join(CUSTOMIZATION_TYPE_ENUM)}")

    def __call__(self, spec, output: str, train: list[str], validation: list[str],
                 validation_split: float = 0.0) -> dict:
        model_id = getattr(spec, "bedrock_model_id", None)
        request = {
            "jobName": JOB_NAME,
            "customModelName": CUSTOM_MODEL_NAME,
            "roleArn": ROLE_ARN,
            "baseModelIdentifier": model_id or "<BASE_MODEL_ID: run with --model to have it "
                                               f"filled in, or see {BEDROCK_MODELS}>",
            "customizationType": self.customization,
            "trainingDataConfig": {"s3Uri": s3_uri(output, train[0], "TRAINING_S3_URI") if train
                                   else "<TRAINING_S3_URI>"},
        }
        if validation:
            request["validationDataConfig"] = {"validators": [
                {"s3Uri": s3_uri(output, p, "VALIDATION_S3_URI")} for p in validation]}
        request["outputDataConfig"] = {"s3Uri": OUTPUT_S3_URI}
        notes = upload_note(output)
        if self.customization == "DISTILLATION":
            request["customizationConfig"] = {
                "distillationConfig": {"teacherModelConfig": {"teacherModelIdentifier": TEACHER}}}
            notes.append("distillation: the teacher answers the prompts; teacherModelConfig also "
                         "takes maxResponseLengthForInference (an integer, optional)")
        elif self.customization == "REINFORCEMENT_FINE_TUNING":
            # the reward function scores the rollouts; RFT's hyperparameters are rftConfig's
            request["customizationConfig"] = {"rftConfig": {"graderConfig": {
                "lambdaGrader": {"lambdaArn": GRADER}}}}
            notes.append("reinforcement fine-tuning: the Lambda reward function scores each "
                         "rollout against the record's reference_answer and grader fields; "
                         "rftConfig also takes hyperParameters (per model, see "
                         f"{BEDROCK_RFT_API})")
        else:
            request["hyperParameters"] = {"epochCount": EPOCH_COUNT}
        notes.append("fill in every <...> value, then: aws bedrock create-model-customization-job "
                     f"--cli-input-json \"$(jq .request {FILE})\"")
        if spec is not None and spec.legacy:
            notes.append(f"--model {spec.name} is legacy: {spec.legacy}")
        return finish({"service": "bedrock", "api": "CreateModelCustomizationJob",
                       "request": request}, notes, [BEDROCK_API, BEDROCK_MODELS, BEDROCK_HP])


FINE_TUNING = BedrockRequest()
