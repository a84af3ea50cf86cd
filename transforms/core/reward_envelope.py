"""What a Bedrock RFT reward function (a Lambda handler) is sent and must return, for
`tuneprep grade` to call it offline. Pure Python: the command runs the calls (pipelines/).

Sent (Bedrock appends the model's rollout as the last, assistant message and adds an id):
  [{"id": "...", "messages": [...the prompt, {"role": "assistant", "content": RESPONSE}],
    "metadata": {"reference_answer": ..., ...every other field of the record}}]
Sources: docs.aws.amazon.com/bedrock/latest/userguide/reward-functions-open-weight.html
("Input structure": a list of {id, messages, metadata}); the SageMaker Nova RFT page
(sagemaker/latest/dg/nova-rft, "Interface format": the same envelope, and "additional fields
... passed to your reward function in the metadata field").
The "flat" style is the other documented one: reference_answer and the other fields beside
"messages" instead of under "metadata" (docs.aws.amazon.com/nova/latest/nova2-userguide/
nova-implementing-reward-functions, sagemaker/latest/dg/nova-implementing-reward-functions),
which is also what the Forge SDK's local check sends (amzn_nova_forge.util.reward_verifier:
the records as written, all in one call).
Returned, one entry per sample (all pages above; Forge's RewardFunctionOutput):
  [{"id": "...", "aggregate_reward_score": number,
    "metrics_list"?: [{"name": str, "value": number, "type": "Reward" | "Metric"}]}]
"""
from __future__ import annotations

import json
import math
from typing import Any

ENVELOPES = ("metadata", "flat")        # the two documented styles; metadata is Bedrock's
METRIC_TYPES = ("Reward", "Metric")
# the record's own keys that are not grader fields: the prompt, and the id Bedrock sends apart
NOT_METADATA = ("messages", "id")


def record_id(record: dict, line: int) -> str:
    """The id sent for a record: its own "id" when it has a non-blank string one (bedrock-rft
    writes it so), else its line, as Bedrock adds an id of its own to each sample."""
    given = record.get("id")
    return given if isinstance(given, str) and given.strip() else f"line-{line}"


def reference_text(reference: Any) -> str | None:
    """A reference answer as the text a model would have answered: a string as is, an object
    as its JSON (a model's rollout is text); None when there is none to send."""
    if reference is None or reference == "" or reference == {}:
        return None
    return reference if isinstance(reference, str) else json.dumps(reference, ensure_ascii=False)


def envelope(record: dict, sample_id: str, response: str, style: str = "metadata") -> dict:
    """The one sample a reward function receives for `record` with `response` as the rollout."""
    messages = list(record["messages"]) + [{"role": "assistant", "content": response}]
    fields = {k: v for k, v in record.items() if k not in NOT_METADATA}
    if style == "flat":
        return {"id": sample_id, "messages": messages, **fields}
    return {"id": sample_id, "messages": messages, "metadata": fields}


def _number(value) -> bool:
    # bool is an int to Python, never a score; NaN and infinity are no reward either
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


def _metric_problem(metric) -> str | None:
    if not isinstance(metric, dict):
        return f"a metrics_list entry is {type(metric).__name__}, not an object"
    if not isinstance(metric.get("name"), str):
        return 'a metrics_list entry has no string "name"'
    if not _number(metric.get("value")):
        return f'metric {metric["name"]!r}: "value" is {metric.get("value")!r}, not a number'
    if metric.get("type") not in METRIC_TYPES:
        return (f'metric {metric["name"]!r}: "type" is {metric.get("type")!r}, not one of '
                f"{', '.join(METRIC_TYPES)}")
    return None


def entry_problem(entry, sample_id: str) -> str | None:
    """Why one returned entry is not a valid reward for the sample sent as `sample_id`."""
    if not isinstance(entry, dict):
        return f"the entry is {type(entry).__name__}, not an object"
    if entry.get("id") != sample_id:
        return f'"id" is {entry.get("id")!r}, not the id sent ({sample_id!r})'
    if "aggregate_reward_score" not in entry:
        return 'no "aggregate_reward_score"'
    if not _number(entry["aggregate_reward_score"]):
        return f'"aggregate_reward_score" is {entry["aggregate_reward_score"]!r}, not a number'
    metrics = entry.get("metrics_list")
    if metrics is not None and not isinstance(metrics, list):
        return f'"metrics_list" is {type(metrics).__name__}, not a list'
    return next(filter(None, map(_metric_problem, metrics or [])), None)


def result_problem(result, sample_id: str) -> str | None:
    """Why a handler's result for a one-sample call is not the documented shape (a list of one
    valid entry for the id sent); None when it is."""
    if not isinstance(result, list):
        return f"the result is {type(result).__name__}, not a list (one entry per sample)"
    if len(result) != 1:
        return f"the result has {len(result)} entries for 1 sample sent"
    return entry_problem(result[0], sample_id)
