"""OpenAI's training request: POST /v1/fine_tuning/jobs with model, training_file and
validation_file; the files are uploaded first (POST /v1/files, purpose "fine-tune") and the
request names their file ids.
  https://platform.openai.com/docs/api-reference/fine-tuning/create
"""
from __future__ import annotations

from tuneprep.transforms.core.layout import TRAIN, split_file
from tuneprep.transforms.targets.request_parts import finish, locate

OPENAI_API = "https://platform.openai.com/docs/api-reference/fine-tuning/create"
REINFORCEMENT_METHOD = "reinforcement"
GRADER = ("<GRADER: the grader scoring each response (string_check, text_similarity, python, "
          "score_model or multi), naming the record's fields as {{ item.<key> }}>")


class OpenAIRequest:
    """An OpenAI target's request builder (Target.request_builder); method: the fine-tuning
    method the data is for ("dpo": the request's method.type; None: supervised, OpenAI's
    default, left out as before)."""

    def __init__(self, method: str | None = None):
        self.method = method

    def __call__(self, spec, output: str, train: list[str], validation: list[str],
                 validation_split: float = 0.0) -> dict:
        request = {"model": "<MODEL: the OpenAI model to fine-tune>",
                   "training_file": f"<FILE_ID of {train[0] if train else split_file(TRAIN)}>"}
        if self.method:
            request["method"] = {"type": self.method}
        if self.method == REINFORCEMENT_METHOD:   # OpenAI requires the grader with the data
            request["method"][self.method] = {"grader": GRADER}
        files = {"training_file": locate(output, train[0]) if train else None}
        if validation:
            request["validation_file"] = f"<FILE_ID of {validation[0]}>"
            files["validation_file"] = locate(output, validation[0])
        notes = ["upload each file first (POST /v1/files, purpose \"fine-tune\") and put the "
                 "file ids it returns in training_file / validation_file; then POST "
                 "/v1/fine_tuning/jobs with .request"]
        return finish({"service": "openai", "api": "POST /v1/fine_tuning/jobs",
                       "request": request, "files": files}, notes, [OPENAI_API])


FINE_TUNING = OpenAIRequest()
PREFERENCE = OpenAIRequest("dpo")   # method {"type": "dpo"} (OpenAI's DPO guide)
# method {"type": "reinforcement", "reinforcement": {"grader"}} (OpenAI's RFT guide)
REINFORCEMENT = OpenAIRequest(REINFORCEMENT_METHOD)
