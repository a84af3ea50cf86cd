"""training-request.json, the next step written beside the data (issue 17, item 7): real runs
over the samples, its fields per service, local vs s3:// output, its place in the layout."""
from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from tuneprep.pipelines.cli import main
from tuneprep.transforms.sink import training_request as tr
from tuneprep.transforms.sink.dataset_folder import TOP_FILES, is_dataset_file
from tuneprep.transforms.targets import TARGETS
from tuneprep.transforms.targets.requests_bedrock import (BEDROCK_API, CUSTOMIZATION_TYPE_ENUM,
                                                         BedrockRequest)
from tuneprep.transforms.targets.models import MODELS

from tests.helpers import SAMPLES, read_json, write_jsonl

ALPACA = SAMPLES / "alpaca_sample.jsonl"
CHAT = SAMPLES / "chat_sample.jsonl"
OPENAI = SAMPLES / "openai_toy_chat.jsonl"


def run(capsys, out, *args) -> tuple[dict, list[str]]:
    code = main([str(a) for a in ("run", "--output", out, *args)])
    stdout, err = capsys.readouterr()
    assert code == 0, err
    lines = stdout.splitlines()
    request = read_json(Path(out) / tr.FILE) if not str(out).startswith("s3://") else None
    return request, lines


def check_placeholders(request: dict) -> None:
    """Every placeholder listed is a "<...>" value, and every "<...>" value is listed."""
    body = {k: request[k] for k in ("request", "estimator", "fit") if k in request}
    assert request["placeholders"] == tr.placeholders(body)


def test_bedrock_text_local_with_validation(tmp_path, capsys):
    out = tmp_path / "out"
    request, lines = run(capsys, out, "--input", ALPACA, "--target", "bedrock-text",
                         "--model", "titan-text-express", "--validation-split", "0.2")
    assert lines[2] == (f"next step: {out}/training-request.json (the CreateModelCustomizationJob "
                        f"request; fill in its 7 <...> placeholders)")
    assert request["service"] == "bedrock" and request["api"] == "CreateModelCustomizationJob"
    body = request["request"]
    assert body["customizationType"] == "FINE_TUNING"
    assert body["baseModelIdentifier"] == "amazon.titan-text-express-v1:0:8k"
    # a local dataset: the files' s3:// URIs are the user's to give, so they are placeholders
    assert body["trainingDataConfig"] == {
        "s3Uri": "<TRAINING_S3_URI: the s3:// URI of train/train.jsonl once uploaded>"}
    assert body["validationDataConfig"] == {"validators": [{
        "s3Uri": "<VALIDATION_S3_URI: the s3:// URI of validation/validation.jsonl once "
                 "uploaded>"}]}
    for field in ("roleArn", "jobName", "customModelName"):
        assert body[field].startswith("<") and body[field].endswith(">")
    assert body["outputDataConfig"]["s3Uri"].startswith("<OUTPUT_S3_URI")
    assert list(body["hyperParameters"]) == ["epochCount"]
    assert "customizationConfig" not in body
    assert any("upload" in note and "s3://" in note for note in request["notes"])
    assert request["placeholders"] == ["request.jobName", "request.customModelName",
                                       "request.roleArn", "request.trainingDataConfig.s3Uri",
                                       "request.validationDataConfig.validators[0].s3Uri",
                                       "request.outputDataConfig.s3Uri",
                                       "request.hyperParameters.epochCount"]
    assert BEDROCK_API in request["sources"]
    # in the manifest, with its digest
    manifest = read_json(out / "manifest.json")
    assert tr.FILE in [f["path"] for f in manifest["files"]]


def test_bedrock_text_on_s3_names_the_s3_uris(s3, capsys):
    out = s3.uri("runs/one")
    _, lines = run(capsys, out, "--input", ALPACA, "--target", "bedrock-text",
                   "--model", "titan-text-express", "--validation-split", "0.2",
                   "--s3-endpoint-url", s3.endpoint)
    assert lines[2].startswith(f"next step: {out}/training-request.json ")
    request = orjson.loads(s3.get("runs/one/training-request.json"))
    body = request["request"]
    assert body["trainingDataConfig"] == {"s3Uri": f"{out}/train/train.jsonl"}
    assert body["validationDataConfig"]["validators"] == [
        {"s3Uri": f"{out}/validation/validation.jsonl"}]
    assert not any("upload" in note for note in request["notes"])
    check_placeholders(request)
    # written before _SUCCESS, listed in the manifest
    assert "runs/one/training-request.json" in s3.keys("runs/one/")
    manifest = orjson.loads(s3.get("runs/one/manifest.json"))
    assert tr.FILE in [f["path"] for f in manifest["files"]]


def test_bedrock_conversation_nova_lite(tmp_path, capsys):
    request, _ = run(capsys, tmp_path / "out", "--input", CHAT, "--target",
                     "bedrock-conversation", "--model", "nova-lite")
    body = request["request"]
    assert body["baseModelIdentifier"] == "amazon.nova-lite-v1:0:300k"
    assert body["customizationType"] == "FINE_TUNING"
    assert body["trainingDataConfig"]["s3Uri"].startswith("<TRAINING_S3_URI: ")
    assert "request.trainingDataConfig.s3Uri" in request["placeholders"]
    assert "validationDataConfig" not in body        # no validation set was asked for
    check_placeholders(request)


def test_bedrock_distillation_has_the_teacher_placeholder(tmp_path, capsys):
    prompts = tmp_path / "prompts.jsonl"
    write_jsonl(prompts, [{"messages": [{"role": "user", "content": f"Question {i}?"}]}
                          for i in range(120)])
    request, _ = run(capsys, tmp_path / "out", "--input", prompts, "--target",
                     "bedrock-distillation", "--model", "distill-nova-lite")
    body = request["request"]
    assert body["customizationType"] == "DISTILLATION"
    assert body["baseModelIdentifier"] == "amazon.nova-lite-v1:0:300k"
    teacher = body["customizationConfig"]["distillationConfig"]["teacherModelConfig"]
    assert teacher["teacherModelIdentifier"].startswith("<TEACHER_MODEL_ID")
    assert "hyperParameters" not in body
    assert "request.customizationConfig.distillationConfig.teacherModelConfig." \
           "teacherModelIdentifier" in request["placeholders"]
    check_placeholders(request)


def test_bedrock_pretrain_is_continued_pre_training(tmp_path, capsys):
    request, _ = run(capsys, tmp_path / "out", "--input", SAMPLES / "c4_sample.jsonl",
                     "--target", "bedrock-pretrain", "--model", "titan-text-express")
    assert request["request"]["customizationType"] == "CONTINUED_PRE_TRAINING"


def test_sagemaker_instruction_without_validation(tmp_path, capsys):
    request, lines = run(capsys, tmp_path / "out", "--input", ALPACA, "--target",
                         "sagemaker-instruction", "--model", "llama2-7b")
    assert "(the JumpStartEstimator.fit request;" in lines[2]
    assert request["service"] == "sagemaker-jumpstart"
    estimator = request["estimator"]
    assert estimator["model_id"] == "meta-textgeneration-llama-2-7b"
    assert estimator["hyperparameters"] == {"instruction_tuned": "True", "chat_dataset": "False",
                                            "validation_split_ratio": "0.2"}
    # the folder with template.json, to upload
    assert request["fit"]["inputs"] == {
        "training": "<TRAINING_S3_URI: the s3:// URI of train/ once uploaded>"}
    assert request["placeholders"] == ["estimator.role", "fit.inputs.training"]
    # Meta's Llama is gated: AWS's Llama examples accept the EULA in the estimator
    assert estimator["environment"] == {"accept_eula": "true"}
    assert any("accept_eula" in note and "licence" in note for note in request["notes"])
    assert any("validation_split_ratio" in note for note in request["notes"])


def test_sagemaker_chat_with_validation_and_chat_template(tmp_path, capsys):
    request, _ = run(capsys, tmp_path / "out", "--input", CHAT, "--target", "sagemaker-chat",
                     "--model", "jumpstart-llama3-1-8b-instruct", "--validation-split", "0.2")
    estimator = request["estimator"]
    assert estimator["model_id"] == "meta-textgeneration-llama-3-1-8b-instruct"
    assert estimator["hyperparameters"] == {"instruction_tuned": "False", "chat_dataset": "True",
                                            "chat_template": "Llama3.1"}
    assert request["fit"]["inputs"] == {
        "training": "<TRAINING_S3_URI: the s3:// URI of train/ once uploaded>",
        "validation": "<VALIDATION_S3_URI: the s3:// URI of validation/ once uploaded>"}
    assert estimator["environment"] == {"accept_eula": "true"}
    check_placeholders(request)


def test_an_ungated_jumpstart_model_takes_no_eula(tmp_path, capsys):
    request, _ = run(capsys, tmp_path / "out", "--input", ALPACA, "--target",
                     "sagemaker-instruction", "--model", "flan-t5-small")
    assert "environment" not in request["estimator"]


def test_openai_chat(tmp_path, capsys):
    # the sample and the chat sample: a train split of at least 10 after a 0.4 validation split
    request, _ = run(capsys, tmp_path / "out", "--input", OPENAI, "--input",
                     SAMPLES / "chat_sample.jsonl", "--target", "openai-chat",
                     "--validation-split", "0.4")
    assert request["service"] == "openai" and request["api"] == "POST /v1/fine_tuning/jobs"
    body = request["request"]
    assert body["model"].startswith("<MODEL")
    assert body["training_file"] == "<FILE_ID of train/train.jsonl>"
    assert set(request["files"]) <= {"training_file", "validation_file"}
    assert request["files"]["training_file"] == "train/train.jsonl"
    if "validation_file" in request["files"]:
        assert body["validation_file"] == "<FILE_ID of validation/validation.jsonl>"
    check_placeholders(request)


def test_a_failed_run_writes_no_request(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["run", "--output", str(out), "--input", str(ALPACA), "--target",
                 "bedrock-text", "--max-dead-letter-ratio", "0"])   # the sample has 3
    capsys.readouterr()
    assert code == 1
    assert not (out / tr.FILE).exists() and not (out / "_SUCCESS").exists()


@pytest.mark.slow
def test_overwrite_recognises_and_clears_it(tmp_path, capsys):
    out = tmp_path / "out"
    run(capsys, out, "--input", ALPACA, "--target", "bedrock-text")
    assert tr.FILE in TOP_FILES and is_dataset_file(tr.FILE)
    request, _ = run(capsys, out, "--input", OPENAI, "--target", "openai-chat", "--overwrite")
    assert request["service"] == "openai"


def test_every_target_gets_a_request_and_every_bedrock_model_an_id():
    for name, target in TARGETS.items():
        request = tr.training_request(target, None, "s3://b/out",
                                      ["train/train.jsonl"])
        assert request is not None and request["placeholders"], name
    for spec in MODELS.values():
        assert (spec.bedrock_model_id is not None) == (spec.service == "bedrock"), spec.name
    used = {t.request_builder.customization for t in TARGETS.values()
            if isinstance(t.request_builder, BedrockRequest)}
    assert used < set(CUSTOMIZATION_TYPE_ENUM)
    with pytest.raises(ValueError):   # a misspelt customizationType fails at import, not in AWS
        BedrockRequest("FINE_TUNE")


@pytest.mark.parametrize("value, paths", [
    ({"a": "<X>", "b": {"c": ["<Y>", "z"]}}, ["a", "b.c[0]"]),
    ({"a": "x<y>", "b": 3}, []),
])
def test_placeholders_are_found_by_path(value, paths):
    assert tr.placeholders(value) == paths
