"""What `tuneprep grade` sends: the sampled records of an RFT dataset (JSON Lines as
bedrock-rft writes them, read directly), each with the response the reward function grades, the
reference answer or the --responses file's. A record that cannot be sent is kept with the
reason, so every sampled record is reported: graded, or not sent and why."""
from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any

from tuneprep.pipelines.options import UsageError
from tuneprep.transforms.core.reward_envelope import envelope, record_id, reference_text

DEFAULT_SAMPLE = 20
DEFAULT_SEED = 0


@dataclass(frozen=True)
class Sample:
    line: int                        # the record's line in the dataset file (1-based)
    sample_id: str | None = None
    event: list | None = None        # what the handler is called with
    not_sent: str | None = None      # why it was not called for this record


def read_lines(path: str) -> list[tuple[int, bytes]]:
    """The file's non-blank lines with their line numbers; UsageError for a file not read."""
    try:
        with open(path, "rb") as f:
            return [(n, line) for n, line in enumerate(f, 1) if line.strip()]
    except OSError as e:
        raise UsageError(f"{path}: {e.strerror or e}") from None


def choose(count: int, sample: int | None, seed: int) -> list[int]:
    """Indices of the records graded, in file order: `sample` of them drawn with `seed` (the
    same every time), or all when sample is None or not smaller than count."""
    if sample is None or sample >= count:
        return list(range(count))
    return sorted(random.Random(seed).sample(range(count), sample))


def read_responses(path: str) -> tuple[dict[str, str], dict[int, str]]:
    """--responses: JSON Lines, each {"id": ..., "response": "..."} (matched by the record's
    id) or {"response": "..."} / a JSON string (matched by line: the Nth line answers the
    dataset's Nth line)."""
    by_id, by_line = {}, {}
    for n, raw in read_lines(path):
        try:
            item = json.loads(raw)
        except ValueError as e:
            raise UsageError(f"--responses {path}:{n}: not JSON ({e})") from None
        response = item.get("response") if isinstance(item, dict) else item
        if not isinstance(response, str):
            raise UsageError(f'--responses {path}:{n}: a JSON string or an object with a '
                             'string "response" is expected')
        if isinstance(item, dict) and "id" in item:
            by_id[str(item["id"])] = response
        else:
            by_line[n] = response
    return by_id, by_line


def _response(record: dict, line: int, sample_id: str,
              responses: tuple[dict, dict] | None) -> tuple[str | None, str]:
    if responses is None:
        return reference_text(record.get("reference_answer")), (
            'no "reference_answer" to send as the response (give --responses)')
    by_id, by_line = responses
    return by_id.get(sample_id, by_line.get(line)), "no response for it in --responses"


def prepare(line: int, raw: bytes, responses, style: str) -> Sample:
    """The call for one dataset line, or why it cannot be made."""
    try:
        record: Any = json.loads(raw)
    except ValueError as e:
        return Sample(line, not_sent=f"not JSON ({e})")
    if not isinstance(record, dict) or not isinstance(record.get("messages"), list):
        return Sample(line, not_sent='not an RFT record (no "messages" list)')
    sample_id = record_id(record, line)
    response, missing = _response(record, line, sample_id, responses)
    if response is None:
        return Sample(line, sample_id, not_sent=missing)
    return Sample(line, sample_id, [envelope(record, sample_id, response, style)])
