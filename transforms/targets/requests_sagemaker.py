"""SageMaker JumpStart's training request: `JumpStartEstimator(model_id=...,
hyperparameters=...)` then `fit({"training": s3 folder, "validation": s3 folder})`: a channel is
a folder (the split's folder, with template.json for sagemaker-instruction). Hyperparameters are
strings; the data implies instruction_tuned ("True" for sagemaker-instruction), chat_dataset
("True" for sagemaker-chat), chat_template ("Llama3.1" for the Llama 3.1 chat models, as AWS's
samples set it) and, without a validation set, validation_split_ratio (JumpStart's default
"0.2" is written out, so the share held out of the training channel is visible). The JumpStart
model ids are those of SageMaker's pretrained-model table, kept here (JUMPSTART_MODEL_IDS) as
the catalogue names only Bedrock ids; a model without one gets a placeholder. Meta's Llama
models are gated: their estimator carries environment={"accept_eula": "true"}, as AWS's Llama
examples set it (without it the training job is refused), with a note that it accepts Meta's
licence.
  https://docs.aws.amazon.com/sagemaker/latest/dg/jumpstart-foundation-models-use-python-sdk-estimator-class.html
  https://docs.aws.amazon.com/sagemaker/latest/dg/jumpstart-foundation-models-fine-tuning-instruction-based.html
  https://sagemaker.readthedocs.io/en/stable/doc_utils/pretrainedmodels.html (model ids)
  docs/sources/service-formats.md §3.3-3.4 (the data hyperparameters and their defaults)
"""
from __future__ import annotations

from dataclasses import dataclass

from tuneprep.transforms.targets.request_parts import ROLE_ARN, finish, s3_uri, upload_note

JUMPSTART_API = ("https://docs.aws.amazon.com/sagemaker/latest/dg/"
                 "jumpstart-foundation-models-use-python-sdk-estimator-class.html")
JUMPSTART_MODELS = "https://sagemaker.readthedocs.io/en/stable/doc_utils/pretrainedmodels.html"

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


def _flag(value: bool) -> str:
    return "True" if value else "False"


def _channel(output: str, files: list[str], name: str) -> str:
    folder = files[0].rsplit("/", 1)[0] + "/"
    return s3_uri(output, folder, name)


@dataclass(frozen=True)
class JumpStartRequest:
    """A SageMaker target's request builder (Target.request_builder): the data hyperparameters
    its dataset implies."""
    instruction_tuned: bool = False
    chat_dataset: bool = False

    def __call__(self, spec, output: str, train: list[str], validation: list[str],
                 validation_split: float = 0.0) -> dict:
        name = getattr(spec, "name", None)
        hyper = {"instruction_tuned": _flag(self.instruction_tuned),
                 "chat_dataset": _flag(self.chat_dataset)}
        notes = upload_note(output)
        if self.chat_dataset:
            if name in CHAT_TEMPLATES:
                hyper["chat_template"] = CHAT_TEMPLATES[name]
            else:
                notes.append("chat_template: AWS's samples set \"Llama3.1\" for the Llama 3.1 "
                             "chat models; for another model see its JumpStart defaults")
        inputs = {"training": _channel(output, train, "TRAINING_S3_URI") if train
                  else "<TRAINING_S3_URI>"}
        if validation:
            inputs["validation"] = _channel(output, validation, "VALIDATION_S3_URI")
        else:
            hyper["validation_split_ratio"] = JUMPSTART_DEFAULT_SPLIT
            notes.append("no validation set was written: JumpStart holds out "
                         f"validation_split_ratio ({JUMPSTART_DEFAULT_SPLIT}, its default) of "
                         "the training channel; rerun with --validation-split or "
                         "--validation-input to choose it")
        model_id = JUMPSTART_MODEL_IDS.get(name) if name else None
        estimator = {"model_id": model_id or "<JUMPSTART_MODEL_ID: run with --model to have it "
                                             f"filled in, or see {JUMPSTART_MODELS}>",
                     "role": ROLE_ARN, "hyperparameters": hyper}
        if model_id and model_id.startswith(GATED_PREFIX):
            estimator["environment"] = {"accept_eula": "true"}
            notes.append("environment accept_eula \"true\" accepts Meta's Llama licence (its "
                         "Acceptable Use Policy included): read it before you send the request")
        notes.append("fill in every <...> value, then: JumpStartEstimator(**estimator).fit("
                     "inputs) (SageMaker Python SDK); check the defaults with "
                     "sagemaker.hyperparameters.retrieve_default(model_id=...)")
        return finish({"service": "sagemaker-jumpstart", "api": "JumpStartEstimator.fit",
                       "estimator": estimator, "fit": {"inputs": inputs}}, notes,
                      [JUMPSTART_API, JUMPSTART_MODELS])
