"""The next step, written out: the training request for the dataset a run wrote, saved beside
the data as `training-request.json`. Pure Python (no Beam, no AWS call, nothing is sent).

The file is one JSON object:

    {"service": "bedrock" | "sagemaker-jumpstart" | "openai",
     "api": the call the request is for,
     "request": the request itself (Bedrock, OpenAI: the body, field names as published),
     "estimator" / "fit": (SageMaker JumpStart) the JumpStartEstimator's arguments and channels,
     "placeholders": the fields only the user can fill in, each a "<...>" string,
     "notes": what to do before sending it,
     "sources": the pages the shape was checked against}

so `jq .request training-request.json` gives a body that `aws bedrock
create-model-customization-job --cli-input-json` takes once the placeholders are filled in.

Bedrock: CreateModelCustomizationJob. customizationType is FINE_TUNING, CONTINUED_PRE_TRAINING
(bedrock-pretrain) or DISTILLATION (bedrock-distillation, with
customizationConfig.distillationConfig.teacherModelConfig.teacherModelIdentifier); the enum also
has REINFORCEMENT_FINE_TUNING and IMPORTED, which no target writes data for (an RFT target would
map to REINFORCEMENT_FINE_TUNING in CUSTOMIZATION_TYPES). baseModelIdentifier is the catalogue's
ModelSpec.bedrock_model_id of --model. trainingDataConfig.s3Uri and
validationDataConfig.validators[].s3Uri name the dataset's files (Bedrock takes one file each;
ValidationDataConfig takes 0-10 validators); for a local --output they are placeholders naming
the file to upload (a value only the user can give, so listed among the placeholders). roleArn, jobName,
customModelName, outputDataConfig.s3Uri and hyperParameters (a map of strings; the names differ
per model) are placeholders.
  https://docs.aws.amazon.com/bedrock/latest/APIReference/API_CreateModelCustomizationJob.html
  https://docs.aws.amazon.com/bedrock/latest/APIReference/API_TrainingDataConfig.html
  https://docs.aws.amazon.com/bedrock/latest/APIReference/API_ValidationDataConfig.html
  https://docs.aws.amazon.com/bedrock/latest/APIReference/API_CustomizationConfig.html
  https://docs.aws.amazon.com/bedrock/latest/APIReference/API_DistillationConfig.html
  https://docs.aws.amazon.com/bedrock/latest/APIReference/API_TeacherModelConfig.html
  https://docs.aws.amazon.com/sdk-for-python/v1/reference/clients/bedrock/enums/CustomizationType/
  https://docs.aws.amazon.com/bedrock/latest/userguide/custom-model-supported.html (model ids)
  https://docs.aws.amazon.com/bedrock/latest/userguide/custom-models-hp.html (hyperparameters)

SageMaker JumpStart: `JumpStartEstimator(model_id=..., hyperparameters=...)` then
`fit({"training": s3 folder, "validation": s3 folder})`: a channel is a folder (the split's
folder, with template.json for sagemaker-instruction). Hyperparameters are strings; the data
implies instruction_tuned ("True" for sagemaker-instruction), chat_dataset ("True" for
sagemaker-chat), chat_template ("Llama3.1" for the Llama 3.1 chat models, as AWS's samples set
it) and, without a validation set, validation_split_ratio (JumpStart's default "0.2" is written
out, so the share held out of the training channel is visible). The JumpStart model ids are
those of SageMaker's pretrained-model table, kept here (JUMPSTART_MODEL_IDS) as the catalogue
names only Bedrock ids; a model without one gets a placeholder. Meta's Llama models are gated:
their estimator carries environment={"accept_eula": "true"}, as AWS's Llama examples set it
(without it the training job is refused), with a note that it accepts Meta's licence.
  https://docs.aws.amazon.com/sagemaker/latest/dg/jumpstart-foundation-models-use-python-sdk-estimator-class.html
  https://docs.aws.amazon.com/sagemaker/latest/dg/jumpstart-foundation-models-fine-tuning-instruction-based.html
  https://sagemaker.readthedocs.io/en/stable/doc_utils/pretrainedmodels.html (model ids)
  docs/sources/service-formats.md §3.3-3.4 (the data hyperparameters and their defaults)

OpenAI: POST /v1/fine_tuning/jobs with model, training_file and validation_file; the files are
uploaded first (POST /v1/files, purpose "fine-tune") and the request names their file ids.
  https://platform.openai.com/docs/api-reference/fine-tuning/create
"""
from __future__ import annotations

from tuneprep.transforms.core.layout import TRAINING_REQUEST as FILE
from tuneprep.transforms.core.layout import TRAIN, split_file

BEDROCK_API = ("https://docs.aws.amazon.com/bedrock/latest/APIReference/"
               "API_CreateModelCustomizationJob.html")
BEDROCK_HP = "https://docs.aws.amazon.com/bedrock/latest/userguide/custom-models-hp.html"
BEDROCK_MODELS = "https://docs.aws.amazon.com/bedrock/latest/userguide/custom-model-supported.html"
JUMPSTART_API = ("https://docs.aws.amazon.com/sagemaker/latest/dg/"
                 "jumpstart-foundation-models-use-python-sdk-estimator-class.html")
JUMPSTART_MODELS = "https://sagemaker.readthedocs.io/en/stable/doc_utils/pretrainedmodels.html"
OPENAI_API = "https://platform.openai.com/docs/api-reference/fine-tuning/create"

# target kind -> customizationType (every other Bedrock kind: FINE_TUNING)
CUSTOMIZATION_TYPES = {"pretrain": "CONTINUED_PRE_TRAINING", "distillation": "DISTILLATION"}
CUSTOMIZATION_TYPE_ENUM = ("FINE_TUNING", "CONTINUED_PRE_TRAINING", "DISTILLATION",
                           "REINFORCEMENT_FINE_TUNING", "IMPORTED")

# catalogue name -> JumpStart model_id (SageMaker's pretrained-model table; the Llama 3 ids as
# AWS's samples use them). RedPajama: no id could be confirmed, a placeholder is written.
JUMPSTART_MODEL_IDS = {
    **{f"flan-t5-{size}": f"huggingface-text2text-flan-t5-{size}"
       for size in ("small", "base", "large", "xl", "xxl")},
    "llama2-7b": "meta-textgeneration-llama-2-7b",
    "llama2-7b-chat": "meta-textgeneration-llama-2-7b-f",
    "llama2-13b-chat": "meta-textgeneration-llama-2-13b-f",
    "llama2-70b-chat": "meta-textgeneration-llama-2-70b-f",
    "llama2-7b-neuron": "meta-textgenerationneuron-llama-2-7b",
    "mistral-7b": "huggingface-llm-mistral-7b",
    "jumpstart-llama3-8b-instruct": "meta-textgeneration-llama-3-8b-instruct",
    "jumpstart-llama3-70b-instruct": "meta-textgeneration-llama-3-70b-instruct",
    "jumpstart-llama3-1-8b-instruct": "meta-textgeneration-llama-3-1-8b-instruct",
    "jumpstart-llama3-1-70b-instruct": "meta-textgeneration-llama-3-1-70b-instruct",
    "jumpstart-llama3-2-1b-instruct": "meta-textgeneration-llama-3-2-1b-instruct",
    "jumpstart-llama3-2-3b-instruct": "meta-textgeneration-llama-3-2-3b-instruct",
}
# chat_template per model, where AWS's samples set one
CHAT_TEMPLATES = {"jumpstart-llama3-1-8b-instruct": "Llama3.1",
                  "jumpstart-llama3-1-70b-instruct": "Llama3.1"}
# Meta's Llama models on JumpStart are gated: the estimator must say the EULA is accepted, as
# AWS's Llama fine-tuning examples do (JumpStartEstimator(..., environment={"accept_eula":
# "true"}); amazon-sagemaker-examples, the Llama 2 / 3 JumpStart fine-tuning notebooks [verify])
GATED_PREFIX = "meta-"
JUMPSTART_DEFAULT_SPLIT = "0.2"   # validation_split_ratio's default (service-formats.md §3.3)

ROLE_ARN = "<ROLE_ARN: an IAM service role the service can assume, allowed to read the data>"
JOB_NAME = "<JOB_NAME>"
CUSTOM_MODEL_NAME = "<CUSTOM_MODEL_NAME>"
OUTPUT_S3_URI = "<OUTPUT_S3_URI: s3:// folder for the job's output and metrics>"
EPOCH_COUNT = "<EPOCH_COUNT: hyperparameters are strings and differ per model; see " \
    f"{BEDROCK_HP}>"
TEACHER = "<TEACHER_MODEL_ID: the Bedrock model whose answers the student learns from>"


def placeholders(value, path: str = "") -> list[str]:
    """The dotted paths of every "<...>" string in value, in order."""
    if isinstance(value, str):
        return [path] if value.startswith("<") and value.endswith(">") else []
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in placeholders(v, f"{path}.{k}" if path
                                                                   else k)]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in placeholders(v, f"{path}[{i}]")]
    return []


def _locate(output: str, relpath: str) -> str:
    return f"{output.rstrip('/')}/{relpath}" if output.startswith("s3://") else relpath


def _s3_uri(output: str, relpath: str, name: str) -> str:
    """Where the service reads a dataset file or folder: its s3:// URI for an S3 output; for a
    local one a placeholder naming the path to upload (the service reads only S3)."""
    if output.startswith("s3://"):
        return _locate(output, relpath)
    return f"<{name}: the s3:// URI of {relpath} once uploaded>"


def _upload_note(output: str) -> list[str]:
    if output.startswith("s3://"):
        return []
    return ["the dataset is on local disk: upload its train/ and validation/ folders to S3 "
            "and put their s3:// URIs in the <..._S3_URI> placeholders that name them"]


def training_request(target_name: str, target_kind: str, spec, output: str,
                     data_files: list[str], validation_split: float = 0.0) -> dict | None:
    """The training request for a dataset. spec: the ModelSpec of --model (None without one);
    data_files: the written train/validation files, relative to output ('/'-separated).
    None for a target no request is known for."""
    train = sorted(p for p in data_files if p.startswith("train/"))
    validation = sorted(p for p in data_files if p.startswith("validation/"))
    if target_name.startswith("bedrock-"):
        return _bedrock(target_kind, spec, output, train, validation)
    if target_name.startswith("sagemaker-"):
        return _jumpstart(target_name, spec, output, train, validation, validation_split)
    if target_name == "openai-chat":
        return _openai(output, train, validation)
    return None


def _finish(out: dict, notes: list[str]) -> dict:
    out["placeholders"] = placeholders({k: v for k, v in out.items()
                                        if k in ("request", "estimator", "fit")})
    out["notes"] = notes
    return out


def _bedrock(kind: str, spec, output: str, train: list[str], validation: list[str]) -> dict:
    model_id = getattr(spec, "bedrock_model_id", None)
    customization = CUSTOMIZATION_TYPES.get(kind, "FINE_TUNING")
    request = {
        "jobName": JOB_NAME,
        "customModelName": CUSTOM_MODEL_NAME,
        "roleArn": ROLE_ARN,
        "baseModelIdentifier": model_id or "<BASE_MODEL_ID: run with --model to have it "
                                           f"filled in, or see {BEDROCK_MODELS}>",
        "customizationType": customization,
        "trainingDataConfig": {"s3Uri": _s3_uri(output, train[0], "TRAINING_S3_URI") if train
                               else "<TRAINING_S3_URI>"},
    }
    if validation:
        request["validationDataConfig"] = {"validators": [
            {"s3Uri": _s3_uri(output, p, "VALIDATION_S3_URI")} for p in validation]}
    request["outputDataConfig"] = {"s3Uri": OUTPUT_S3_URI}
    notes = _upload_note(output)
    if customization == "DISTILLATION":
        request["customizationConfig"] = {
            "distillationConfig": {"teacherModelConfig": {"teacherModelIdentifier": TEACHER}}}
        notes.append("distillation: the teacher answers the prompts; teacherModelConfig also "
                     "takes maxResponseLengthForInference (an integer, optional)")
    else:
        request["hyperParameters"] = {"epochCount": EPOCH_COUNT}
    notes.append("fill in every <...> value, then: aws bedrock create-model-customization-job "
                 f"--cli-input-json \"$(jq .request {FILE})\"")
    if spec is not None and spec.legacy:
        notes.append(f"--model {spec.name} is legacy: {spec.legacy}")
    return _finish({"service": "bedrock", "api": "CreateModelCustomizationJob",
                    "request": request}, notes) | {
        "sources": [BEDROCK_API, BEDROCK_MODELS, BEDROCK_HP]}


def _channel(output: str, files: list[str], name: str) -> str:
    folder = files[0].rsplit("/", 1)[0] + "/"
    return _s3_uri(output, folder, name)


def _jumpstart(target_name: str, spec, output: str, train: list[str], validation: list[str],
               validation_split: float) -> dict:
    name = getattr(spec, "name", None)
    hyper = {"instruction_tuned": "True" if target_name == "sagemaker-instruction" else "False",
             "chat_dataset": "True" if target_name == "sagemaker-chat" else "False"}
    notes = _upload_note(output)
    if target_name == "sagemaker-chat":
        if name in CHAT_TEMPLATES:
            hyper["chat_template"] = CHAT_TEMPLATES[name]
        else:
            notes.append("chat_template: AWS's samples set \"Llama3.1\" for the Llama 3.1 chat "
                         "models; for another model see its JumpStart defaults")
    inputs = {"training": _channel(output, train, "TRAINING_S3_URI") if train
              else "<TRAINING_S3_URI>"}
    if validation:
        inputs["validation"] = _channel(output, validation, "VALIDATION_S3_URI")
    else:
        hyper["validation_split_ratio"] = JUMPSTART_DEFAULT_SPLIT
        notes.append(f"no validation set was written: JumpStart holds out validation_split_ratio "
                     f"({JUMPSTART_DEFAULT_SPLIT}, its default) of the training channel; "
                     "rerun with --validation-split or --validation-input to choose it")
    model_id = JUMPSTART_MODEL_IDS.get(name) if name else None
    estimator = {"model_id": model_id or "<JUMPSTART_MODEL_ID: run with --model to have it "
                                         f"filled in, or see {JUMPSTART_MODELS}>",
                 "role": ROLE_ARN, "hyperparameters": hyper}
    if model_id and model_id.startswith(GATED_PREFIX):
        estimator["environment"] = {"accept_eula": "true"}
        notes.append("environment accept_eula \"true\" accepts Meta's Llama licence (its "
                     "Acceptable Use Policy included): read it before you send the request")
    notes.append("fill in every <...> value, then: JumpStartEstimator(**estimator).fit(inputs) "
                 "(SageMaker Python SDK); check the defaults with "
                 "sagemaker.hyperparameters.retrieve_default(model_id=...)")
    return _finish({"service": "sagemaker-jumpstart", "api": "JumpStartEstimator.fit",
                    "estimator": estimator, "fit": {"inputs": inputs}}, notes) | {
        "sources": [JUMPSTART_API, JUMPSTART_MODELS]}


def _openai(output: str, train: list[str], validation: list[str]) -> dict:
    request = {"model": "<MODEL: the OpenAI model to fine-tune>",
               "training_file": f"<FILE_ID of {train[0] if train else split_file(TRAIN)}>"}
    files = {"training_file": _locate(output, train[0]) if train else None}
    if validation:
        request["validation_file"] = f"<FILE_ID of {validation[0]}>"
        files["validation_file"] = _locate(output, validation[0])
    notes = ["upload each file first (POST /v1/files, purpose \"fine-tune\") and put the file "
             "ids it returns in training_file / validation_file; then POST /v1/fine_tuning/jobs "
             "with .request"]
    return _finish({"service": "openai", "api": "POST /v1/fine_tuning/jobs", "request": request,
                    "files": files}, notes) | {"sources": [OPENAI_API]}
