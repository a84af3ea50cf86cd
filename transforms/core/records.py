"""The canonical record every source format is normalized into, and the errors that refuse one.

Pure Python: no Beam import here, so adapters, targets and rules are easy to test.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import orjson

from tuneprep.transforms.core.redaction import redact

# The stage a dead letter was refused at (docs/design.md §3).
READ, NORMALIZE, FORMAT, VALIDATE, SAMPLE = "read", "normalize", "format", "validate", "sample"
DEDUP = "dedup"   # --dedup: a duplicate of a record kept earlier in input order

# Stable reason codes. Add new ones at the end; never rename one (users filter on them).
REASONS: dict[str, str] = {
    "invalid_json": "the line or file is not valid JSON",
    "invalid_utf8": "the bytes are not valid UTF-8",
    "invalid_csv": "the CSV row could not be parsed",
    "unreadable_file": "the file could not be opened or read to its end",
    "empty_file": "the file holds no record",
    "record_too_large": "the raw record is larger than --max-record-bytes, or a Parquet row "
                        "group decodes to far more than its stored bytes (a decompression bomb)",
    "unknown_format": "no input adapter recognises the record",
    "wrong_type": "a field has the wrong JSON type",
    "missing_field": "a required field is missing",
    "empty_field": "a required field is empty",
    "unknown_role": "a turn has a role the adapter does not know",
    "system_not_first": "a system turn appears after the conversation started",
    "consecutive_roles": "two turns of the same role follow each other",
    "starts_with_assistant": "the conversation starts with the assistant",
    "ends_with_user": "the conversation does not end with an assistant turn",
    "tool_turn": "the conversation holds a tool or function turn the target cannot express",
    "not_single_turn": "the target takes exactly one user turn and one assistant turn",
    "not_a_conversation": "the record has no user/assistant turns (for example a plain document)",
    "no_document_text": "the target needs document text and the record has none",
    "no_image": "the target needs an image reference and the record has none",
    "bad_image_ref": "the image reference is not an s3:// URI",
    "unsupported_image_type": "the image is not JPEG or PNG",
    "too_long": "the record is over the model's per-record limit",
    "too_short": "the record is under the model's per-record minimum",
    "template_field": "a template placeholder has no string value in the record",
    "invalid_record": "the written record breaks the target's schema",
    "not_taken_by_model": "the model does not take this kind of record",
    "sampled_out": "left out by the deterministic down-sample to the model's record quota: no "
                   "dead letter, counted as sampled_out_records and named in sampled_out/",
    "internal_error": "an unexpected error while handling the record (a bug: please report it)",
    "reserved_word": "a text block holds a word the model reserves (Nova: User:, USER:, Thought:, "
                     "<image>, ...)",
    "media_in_assistant_turn": "an image or video is in an assistant turn; only user turns take media",
    "mixed_media": "the record mixes images and videos; a dataset holds one kind of media",
    "inconsistent_fields": "an optional field (system, image, video, reasoning, toolUse, "
                           "toolResult) is in some records and not others; the model takes each "
                           "in every record or in none (--records-with / --records-without FIELD "
                           "make the dataset of one kind)",
    "too_many_media": "more images or videos than the model takes in one message or record",
    "unsupported_video_type": "the video is not of a format the model takes",
    "media_outside_dataset_bucket": "the media is not in the S3 bucket of the dataset",
    "missing_assistant_message": "the example has no assistant message to learn from",
    "missing_user_message": "the example has no user message",
    "unrecognized_key": "a message has a key the format does not know",
    "bad_weight": "a message weight is not 0 or 1, or is on a message other than the assistant's",
    "image_missing": "the image file or S3 object does not exist",
    "image_unreadable": "the image could not be read, or its content is not an image",
    "image_too_large": "the image file is larger than the model takes",
    "image_dimensions": "the image's width, height or pixel count is outside the model's limits",
    "image_aspect": "the image's aspect ratio is outside the model's limits",
    "too_deep": "the record nests lists and objects over 254 levels deep",
    "video_missing": "the video's S3 object does not exist",
    "video_unreadable": "the video could not be read, or its content is not a video whose "
                        "container and duration can be read",
    "video_too_large": "the video file is larger than the model takes",
    "video_too_long": "the video lasts longer than the model takes",
    "bad_tool_definition": "a tool definition has no name, a name used twice or not taken, or "
                           "a parameters schema the service refuses",
    "bad_tool_call": "a tool call has no name, or arguments that are not a JSON object",
    "undefined_tool": "a tool call names a tool the record does not define",
    "unmatched_tool_id": "a tool call is not answered by exactly one result after it, or a "
                         "result answers no call",
    "bad_tool_result": "a tool result is empty, or holds other than text or JSON",
    "misplaced_tool_block": "a tool call outside an assistant turn, or a result outside a user "
                            "turn",
    "reasoning_not_taken": "the record holds reasoning the target or model does not take",
    "misplaced_reasoning": "reasoning outside an assistant turn, or in a message with media",
    "not_selected": "left out by --records-with / --records-without: the record lacks a field "
                    "asked for, or holds one left out",
    "weight_not_taken": "a message has a weight (0 or 1: train on it or not) the target cannot "
                        "write (--repair drop_weights drops it)",
    "truncated_file": "the file ends inside a record or before its JSON document closes (named: "
                      "the byte offset, the records read before it); it may be cut short",
    "unreadable_tail": "reading stopped inside the file (named: the byte offset, the records "
                       "read before it); what follows could not be read as records",
    "preference_record": "a preference or labelled record (chosen / rejected, a KTO label, "
                         "candidates) given to a target that trains on the answers as given (a "
                         "supervised one): it would train on every answer (a preference target "
                         "writes it; --repair use_chosen writes the chosen one)",
    "missing_bucket_owner": "a Nova record's image or video has no s3Location.bucketOwner, "
                            "which AWS's Nova Forge validator requires (--media-bucket-owner "
                            "ACCOUNT_ID writes it)",
    "identical_preference": "the chosen and rejected responses (preferred / non-preferred) are "
                            "the same text",
    "missing_label": "a preference label is missing or not one the format knows (a Nova "
                     "candidate's preferenceLabel, LLaMA-Factory's kto_tag), or no candidate "
                     "is labelled preferred / non-preferred",
    "prompt_mismatch": "the chosen and rejected conversations do not share the same prompt (an "
                       "implicit prompt, or different system messages)",
    "ends_with_assistant": "the prompt ends with an assistant answer where the answer is "
                           "generated or compared (an RFT prompt, a preference prompt)",
    "empty_reference_answer": "an RFT record has no reference answer, or a blank string or "
                              "empty object",
    "no_preference_pair": "a preference target got a record with no chosen / rejected pair (a "
                          "KTO label, an RFT prompt or a plain conversation)",
    "duplicate": "--dedup exact: the record's normalised conversation is the same as an "
                 "earlier record's (input order), which is kept and named in the message",
    "last_not_user": "the prompt's last message is not a user turn where the service takes a "
                     "prompt ending with one (Azure OpenAI reinforcement fine-tuning)",
    "bad_reward_category": "a Nova PPO record has no reward_category, or not one of default, "
                           "math, coding, if, rag, rai (--field-map reward_category=KEY names "
                           "the source field)",
}


class RecordError(Exception):
    """A record is refused: `reason` is one of REASONS, `message` says why in one line."""

    def __init__(self, reason: str, message: str, stage: str | None = None):
        assert reason in REASONS, reason
        # one line whatever record content the message quotes (keys, values)
        message = " ".join(str(message).split())
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.stage = stage

    def __reduce__(self):  # Exception pickles only .args; runners may encode read errors
        return (RecordError, (self.reason, self.message, self.stage))


# What a source position counts: a line of a line-based file (JSON Lines, CSV, text), or a
# record of a JSON document (the 1-based index of the element in its array, wrapper list or map),
# whose lines say nothing about where a record is (a pretty-printed element spans many).
LINE, RECORD = "line", "record"


@dataclass(slots=True)
class Source:
    uri: str
    line: int  # 1-based position in the file, counted in `unit`s; 0 for the whole file
    unit: str = LINE
    offset: int | None = None   # a JSON document's element: its first byte, where it is known


def source_entry(uri: str, line: int, unit: str = LINE, offset: int | None = None) -> dict:
    """A dead letter's "source": {"uri", "line"} in a line-based file (line 0: the whole file),
    {"uri", "record"} (+ "offset", the element's first byte, 0-based) in a JSON document."""
    if unit != RECORD or not line:
        return {"uri": uri, "line": line}
    return {"uri": uri, "record": line} | ({} if offset is None else {"offset": offset})


def source_text(source: dict) -> str:
    """Where a dead letter's source is, as people read it: `file.jsonl:93` for a line,
    `file.json record 4 (byte 1,234)` for a JSON document's record."""
    uri = source.get("uri")
    if "record" not in source:
        return f"{uri}:{source.get('line')}"
    at = f" (byte {source['offset']:,})" if isinstance(source.get("offset"), int) else ""
    return f"{uri} record {source['record']}{at}"


@dataclass(slots=True)
class Record:
    """One canonical record, whatever the source format.

    turns: ordered (role, content) parts, role in {"system", "user", "assistant", "reasoning",
        "tool_call", "tool"}: text for the first four, a ToolCall / ToolResult for the last two
        (transforms/core/tools.py says how parts make messages). A system turn stays where the
        source put it; targets decide what to do with it.
    tools: the tool definitions (tools.ToolSpec) the conversation may call; None when none.
    system: a system prompt given apart from the turns (e.g. a top-level "system" field).
    text: document text, for pre-training style targets.
    image / caption: an image path or URI and its caption.
    context: the context an instruction-shaped source gives apart from its instruction
        (Alpaca "input", Dolly "context"; "" when it has none, and for prompt/completion pairs),
        None for conversations and documents. It is a part of the last user turn, not a copy:
        that turn is instruction + "\n\n" + context when the context is not blank, else the
        instruction alone; a target that writes the context apart splits it off that turn.
    fields: the other top-level scalars of the source (ids, category, parallel_tool_calls, ...):
        extra values templates can name, never the conversation itself.
    weights: the training weight of each assistant message, in order (None where a message
        gives none; core/weights.py says which values), or None when no message gives one.
    preference: a preference record's chosen / rejected answers or KTO label
        (core/preferences.py Preference); None for a plain record.
    reference: an RFT record's reference answer and grader fields (core/rft.py Reference),
        its prompt being the turns; None for any other record.
    repairs: the --repair fixes applied to the record (names from targets.context.REPAIRS
        that count themselves: the report's repaired_records).
    unread: the names of the source's top-level fields the adapter did not read (scalars
        among them are also in fields): unless the target writes one (a sagemaker template
        naming it), the output does not carry it, and the run says so
        (core/unwritten_fields.py). Not content: the id does not count it.
    """

    source: Source
    turns: list[tuple[str, str]] = field(default_factory=list)
    system: str | None = None
    text: str | None = None
    image: str | None = None
    caption: str | None = None
    context: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    id: str = ""
    tools: list | None = None
    weights: tuple | None = None
    preference: Any = None
    reference: Any = None
    repairs: tuple = ()
    unread: tuple = ()

    def content(self) -> list:
        """What identifies the record: its text, not where it came from."""
        context = self.context if self.context is not None else self.fields.get("context")
        if context is not None and not isinstance(context, str):
            context = str(context)  # any scalar a source gave (orjson refuses big integers)
        content = [self.system, self.turns, self.text, self.image, self.caption, context]
        # tools and weights only when there are some: the ids of records without stay as they were
        if self.tools:
            content = content + [self.tools]
        if self.weights is not None:
            content = content + [["weights", self.weights]]
        if self.reference is not None:   # two prompts with different answers are two records
            content = content + [["reference", self.reference]]
        return content + [["preference", self.preference]] if self.preference else content

    def with_id(self) -> "Record":
        """Sets a stable id from the content, so splits do not move when files are renamed."""
        self.id = content_id(self.content())
        return self


def content_id(content: list) -> str:
    """The record id of Record.content(): a short hex digest."""
    return hashlib.blake2b(orjson.dumps(content), digest_size=10).hexdigest()


def truncate_raw(raw: Any, limit: int = 2048) -> str | None:
    """The raw text kept in a dead letter: a bounded prefix, so a huge bad record stays cheap."""
    if raw is None:
        return None
    if isinstance(raw, (bytes, bytearray, memoryview)):
        raw = bytes(raw).decode("utf-8", "backslashreplace")
    elif not isinstance(raw, str):
        try:
            raw = orjson.dumps(raw, default=str).decode()
        except TypeError:   # (orjson.JSONEncodeError is one) nested over the 254 levels orjson
            # writes, or a key that is not a string: show the top levels, repr() if need be
            raw = _shallow(raw, RAW_DEPTH)
            try:
                raw = orjson.dumps(raw, default=str).decode()
            except TypeError:
                raw = repr(raw)
    return raw if len(raw) <= limit else raw[:limit] + "…"


RAW_DEPTH = 32   # levels of a value kept in a dead letter when the whole cannot be written


def _shallow(value: Any, depth: int) -> Any:
    """A copy of a JSON-like value with what nests below `depth` levels replaced by "…"."""
    if isinstance(value, dict):
        return {k: _shallow(v, depth - 1) for k, v in value.items()} if depth > 0 else "…"
    if isinstance(value, (list, tuple)):
        return [_shallow(v, depth - 1) for v in value] if depth > 0 else "…"
    return value


def dead_letter(reason: str, stage: str, message: str, uri: str, line: int, raw: Any = None,
                raw_limit: int = 2048, unit: str = LINE, offset: int | None = None) -> dict:
    """A dead-letter line (docs/design.md §3). The source URI and the message are redacted
    (no credentials); the raw text is the input's own and is kept as it was."""
    full = raw if isinstance(raw, (str, bytes)) else None
    out = {"reason": reason, "stage": stage, "message": redact(message),
           "source": source_entry(redact(uri), line, unit, offset),
           "raw": truncate_raw(raw, raw_limit)}
    if full is not None and len(full) > raw_limit:
        data = full.encode("utf-8", "surrogatepass") if isinstance(full, str) else full
        out["raw_sha256"] = hashlib.sha256(data).hexdigest()
    return out
