"""The base every target builds on: error wrapping, measuring, line validation, shared helpers."""
from __future__ import annotations

import orjson

from tuneprep.transforms.adapters.common import TOOL_KEYS
from tuneprep.transforms.core.records import FORMAT, RecordError, Record

_BOM = b"\xef\xbb\xbf"
INSTRUCTION_FIELDS = ("instruction", "response")


class Target:
    name = ""
    kind = ""
    layout = "single"
    takes_validation = True

    def format(self, record: Record, ctx) -> list[dict]:
        try:
            if record.fields and not record.fields.keys().isdisjoint(TOOL_KEYS):
                refuse_unwritten_tools(self, record, ctx)
            return self.build(record, ctx)
        except RecordError as error:
            error.stage = FORMAT
            raise
        except Exception as error:  # a bug, not bad input: a dead letter, never a crash
            raise RecordError("internal_error", f"cannot format the record for {self.name}: "
                              f"{type(error).__name__}: {error}", FORMAT) from error

    def build(self, record: Record, ctx) -> list[dict]:
        raise NotImplementedError

    def writes_field(self, name: str, ctx) -> bool:
        """Does the target write Record.fields[name] as it is? (sagemaker-instruction: when a
        template placeholder names it.) Decides whether tool definitions are written."""
        return False

    def prepare_media(self, record: Record, ctx) -> Record:
        """Called before format(): checks the media a record names (images) and puts them where
        the service can read them (uploads local files, rewrites the reference), returning the
        record. A no-op for text targets. Raises RecordError for a bad medium (stage format),
        tuneprep.transforms.io.storage.StorageError when the store itself fails (the run stops)."""
        return record

    def uploads_images(self, model) -> bool:
        """Does prepare_media check and upload images for this model (None: no --model)? The
        launcher takes --image-uri-prefix only then."""
        return False

    def check_environment(self) -> str | None:
        """A one-line problem when this machine lacks something the target needs (Pillow for
        images); None when all is there. Checked by the launcher before the run."""
        return None

    def media_uris(self, obj) -> list[str]:
        """The s3:// URIs an output object references, for the report's bucket check."""
        return []

    def dataset_facets(self, obj) -> set[str]:
        """What an output object contributes to rules over the whole dataset (e.g. its media
        kinds); gathered in the same pass by the pipeline and by `tuneprep validate`."""
        return set()

    def dataset_problems(self, facets: set, ctx) -> list[tuple[str, str]]:
        """(reason, message) for each rule the dataset's facets break; [] for most targets."""
        return []

    def validate(self, obj, ctx, size: int | None = None) -> list[tuple[str, str]]:
        """Schema problems first; the length limits only for an object that has the schema.
        size: measure(obj), when the caller has it already."""
        problems = self.check(obj, ctx)
        return problems or _check_limits()(self, obj, ctx, size)

    def check(self, obj, ctx) -> list[tuple[str, str]]:
        raise NotImplementedError

    def measure(self, obj) -> int:
        total = 0
        for key, value in obj.items():  # flat objects (most targets) need no recursion
            if type(value) is not str:
                return _string_length(obj)
            if key != "role":
                total += len(value)
        return total

    def side_files(self, ctx) -> dict[str, bytes]:
        return {}

    def validate_line(self, line: bytes, ctx) -> list[tuple[str, str]]:
        if line.startswith(_BOM):
            return [("invalid_record", "the line starts with a byte order mark (BOM)")]
        if not line or line.isspace():
            return [("invalid_record", "blank line: JSONL takes one JSON object on every line")]
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError as error:
            return [("invalid_record", f"the line is not one JSON object (pretty-printed?): {error}")]
        if not isinstance(obj, dict):
            return [("invalid_record",
                     f"the line holds a JSON {type(obj).__name__}, not an object")]
        return self.validate(obj, ctx)


def _check_limits():
    # the registry module imports this one, so its check_limits is looked up at first use
    global _CHECK_LIMITS
    if _CHECK_LIMITS is None:
        from tuneprep.transforms.targets import check_limits
        _CHECK_LIMITS = check_limits
    return _CHECK_LIMITS


_CHECK_LIMITS = None


def _string_length(value, key: str | None = None) -> int:
    if isinstance(value, str):
        return 0 if key == "role" else len(value)
    if isinstance(value, dict):
        return sum(_string_length(item, k) for k, item in value.items())
    if isinstance(value, list):
        return sum(_string_length(item) for item in value)
    return 0


def fail(reason: str, message: str):
    raise RecordError(reason, message, FORMAT)


def holds_tools(value) -> bool:
    """Does a tool-definitions field hold any? "", "[]", "{}", "null", [] and {} hold none."""
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return False
        try:
            value = orjson.loads(text)
        except orjson.JSONDecodeError:
            return True   # text that is not JSON still defines tools
    return bool(value)


def refuse_unwritten_tools(target: Target, record: Record, ctx) -> None:
    """No target writes tool definitions yet (but a sagemaker-instruction template naming the
    field): a record that has some is refused (tool_turn) rather than written without them,
    unless --repair drop_tool_turns drops them with the tool turns."""
    names = [name for name in TOOL_KEYS if holds_tools(record.fields.get(name))
             and not target.writes_field(name, ctx)]
    if names and "drop_tool_turns" not in getattr(ctx, "repair", ()):
        fail("tool_turn", f'the record defines tools (field "{names[0]}"); tool definitions '
                          f"are not written by --target {target.name}, so the record is "
                          "refused rather than lose them (--repair drop_tool_turns drops them "
                          "with the tool turns)")


def join_system(*parts: str | None) -> str | None:
    for part in parts:
        if part is not None and not isinstance(part, str):
            fail("wrong_type", f"the system prompt is a {type(part).__name__}, not a string")
    texts = [part for part in parts if part and part.strip()]
    return "\n\n".join(texts) if texts else None


def split_system(record: Record) -> tuple[str | None, list[tuple[str, str]]]:
    """The system text (record.system and/or a leading system turn) and the remaining turns."""
    turns = list(record.turns)
    leading = None
    if turns and turns[0][0] == "system":
        leading = turns.pop(0)[1]
    return join_system(record.system, leading), turns


def has_instruction_fields(record: Record) -> bool:
    return not record.fields.keys().isdisjoint(INSTRUCTION_FIELDS)


def refuse_history(record: Record, what: str) -> None:
    """An instruction-shaped record whose turns hold more than its one exchange (an Alpaca
    "history" of earlier [question, answer] pairs): a target that takes one exchange refuses it
    rather than write the last exchange alone."""
    turns = [role for role, _ in record.turns if role != "system"]
    if len(turns) > 2:
        fail("not_single_turn", f"{what} takes one exchange; the record has {len(turns)} turns "
                                f"(a history of earlier exchanges before it)")


def instruction_prompt(instruction: str, context: str) -> str:
    return instruction if not context else instruction + "\n\n" + context


def with_system(system: str | None, prompt: str) -> str:
    """A target with no place of its own for the system prompt writes it before the prompt, a
    blank line between (bedrock-text; sagemaker-instruction without a {system} placeholder)."""
    return system + "\n\n" + prompt if system else prompt


def single_turn(record: Record) -> tuple[str | None, str, str]:
    """(system, user, assistant) of a one-exchange conversation, or a RecordError."""
    system, turns = split_system(record)
    if not turns:
        fail("not_a_conversation", "the record has no user/assistant turns")
    roles = [str(role) for role, _ in turns]
    if roles != ["user", "assistant"]:
        fail("not_single_turn", f"the target takes one user turn then one assistant turn; "
                                f"the record has {'/'.join(roles)}")
    return system, turns[0][1], turns[1][1]


def require_string(value, name: str) -> str:
    if value is None:
        fail("missing_field", f"the record has no {name}")
    if not isinstance(value, str):
        fail("wrong_type", f"{name} is a {type(value).__name__}, not a string")
    if not value or value.isspace():
        fail("empty_field", f"{name} is empty")
    return value


def exact_keys(obj, expected: set[str], optional: set[str] = frozenset()) -> list[tuple[str, str]]:
    if not isinstance(obj, dict):
        return [("invalid_record", f"the record is a JSON {type(obj).__name__}, not an object")]
    keys = obj.keys()
    if keys == expected or (optional and expected <= keys <= expected | optional):
        return []   # the usual case, without building sets and sorted lists
    problems = []
    extra = sorted(set(obj) - expected - optional)
    missing = sorted(expected - set(obj))
    if extra:
        problems.append(("invalid_record", f"unexpected keys: {', '.join(extra)}"))
    if missing:
        problems.append(("invalid_record", f"missing keys: {', '.join(missing)}"))
    return problems


def non_empty_string(obj: dict, key: str) -> list[tuple[str, str]]:
    value = obj.get(key)
    if not isinstance(value, str):
        return [("invalid_record", f"{key} is a {type(value).__name__}, not a string")]
    if not value or value.isspace():
        return [("empty_field", f"{key} is empty")]
    return []
