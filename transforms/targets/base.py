"""The Target base class: the contract every target implements, its declared capabilities, and
the helpers targets share (error wrapping, measuring, line validation, the one exchange of a
record)."""
from __future__ import annotations

import orjson

from tuneprep.transforms.core import preferences, tools
from tuneprep.transforms.core.records import FORMAT, RecordError, Record
from tuneprep.transforms.core.weights import without_weights
from tuneprep.transforms.targets.measuring import string_length, strings
from tuneprep.transforms.targets.media_staging import MediaStaging

_BOM = b"\xef\xbb\xbf"


class Target:
    """A training service's format: the canonical Record → its JSON object(s), and that object's
    rules. A target is a subclass that declares its capabilities and implements build() and
    check(); the other hooks have defaults that suit a text target. One instance serves a whole
    run (and `tuneprep validate`): targets hold no per-record state.

    What a target reads of the Record (transforms/core/records.py) is one truth: the
    conversation is Record.turns (+ Record.system); an instruction-shaped source's context is
    Record.context, a part of the last user turn; documents are Record.text, images
    Record.image (+ caption). Record.fields holds only the other source scalars (ids, category,
    tool definitions): extra values a template may name, never the conversation.

    Declared capabilities (class attributes; the launcher, the pipeline and `tuneprep targets`
    read them):

        name             the --target name
        kind             what models.py matches a ModelSpec's kinds on ("text-to-text",
                         "pretrain", "image", "single-turn", "multi-turn", "instruction",
                         "conversation", "distillation", "chat", "domain-adaptation",
                         "openai-chat")
        reads            the part of the Record built from: "exchange" (one user/assistant
                         exchange: bedrock-text, sagemaker-instruction), "conversation" (the
                         turns), "document" (Record.text) or "image" (image + caption)
        layout           "single" (one <split>.jsonl a split) or "sharded"
                         (part-NNNNN-of-MMMMM.jsonl)
        takes_validation can the dataset have a validation split?
        takes_image      does the output carry Record.image? When not, format() refuses a
                         record with an image (not_taken_by_model) once build() has taken the
                         rest of it, rather than drop the image
        media            the target's media capability (targets/media_staging.py MediaStaging:
                         stage, uploads_images, check_environment, media_uris, media_checker),
                         or None for a target that takes no media. Its stage() runs in the
                         staging step (steps/stage_media.py) before format(): a target's
                         build() and check() read no store and write none
        writes_tools     can the output carry tool use (Record.tools, tool_call and tool
                         parts)? takes_tools(ctx) adds the model's say (ModelSpec.tool_use).
                         When not, format() refuses a record with tool use (tool_turn) unless
                         --repair drop_tool_turns drops its definitions, calls and results
        selectable_fields the optional fields of dataset_facets() a user may ask every record
                         to hold or not to hold (--records-with / --records-without)
        writes_reasoning can the output carry reasoning parts? takes_reasoning(ctx) adds the
                         model's (ModelSpec.reasoning_content). When not, format() refuses a
                         record with reasoning (reasoning_not_taken) unless --repair
                         drop_reasoning
        writes_weights   can the output carry a message's training weight (Record.weights)?
                         When not, format() refuses a record with weights (weight_not_taken)
                         unless --repair drop_weights
        min_train_records the service's minimum of train records whatever the model (None:
                         the model's ModelSpec.min_records only); a dataset rule
                         (transforms/sink/dataset_rules.py), in run and validate
        request_builder  the service's training-request builder (a targets/requests_*.py
                         object called as request_builder(spec, output, train, validation,
                         validation_split)); None: no request is written
        takes_template   does it take --template / --placeholder-map (a template.json)?
        takes_media_owner does it take --media-bucket-owner (s3Location.bucketOwner)?

    Hooks, each documented once here (ctx: core/context.py TargetContext):

        build(record, ctx) -> list[dict]        REQUIRED. The output object, or several (a
                                                chunked document). Raises RecordError via
                                                fail() for a record it cannot write.
        check(obj, ctx) -> [(reason, message)]  REQUIRED. Schema problems of one written
                                                object; [] when it is fine.
        format(record, ctx) -> list[dict]       Do not override: the tool-use, reasoning and
                                                image checks above around build(); any error becomes a
                                                RecordError of stage "format" (a bug becomes
                                                internal_error, a dead letter, never a crash).
        validate(obj, ctx, size=None)           Do not override: check(), then, for an object
                                                with the schema, the per-record length limits
                                                (ctx.max_chars, measured by measure();
                                                too_long).
        measure(obj) -> int                     The characters that count toward the model's
                                                token limit (default: every string but roles).
        texts(obj) -> [str]                     The strings measure() counts, for an exact
                                                token count (transforms/core/tokens.py).
        validate_line(line, ctx)                Do not override: one JSONL line of an existing
                                                file (`tuneprep validate`) → validate().
        side_files(ctx) -> {name: bytes}        Files beside the data in each split folder
                                                (template.json); {} by default.
        writes_field(name, ctx) -> bool         Does the output carry Record.fields[name] as it
                                                is (a sagemaker-instruction placeholder naming
                                                it)? A template naming "tools" takes the tool
                                                definitions (and so the record's tool use).
        takes_tools(ctx) / takes_reasoning(ctx) See writes_tools / writes_reasoning.
        dataset_facets(obj) -> set[str]         What an object contributes to rules over the
                                                whole dataset (its media kinds, optional fields).
        dataset_problems(facets, ctx, records)  (reason, message) for each dataset rule broken:
                                                facets maps each facet to the records holding
                                                it, of `records` written; [] by default.
    """
    name = ""
    kind = ""
    reads = "conversation"
    layout = "single"
    takes_validation = True
    takes_image = False
    media: MediaStaging | None = None
    writes_tools = False
    writes_reasoning = False
    writes_weights = False
    min_train_records: int | None = None
    selectable_fields: tuple[str, ...] = ()
    request_builder = None
    takes_template = False
    takes_media_owner = False
    trains_on = preferences.ANSWERS

    def format(self, record: Record, ctx) -> list[dict]:
        try:
            if (record.preference is not None and self.trains_on != preferences.PREFERENCES
                    or record.reference is not None and self.trains_on == preferences.ANSWERS):
                record = preferences.as_supervised(record, ctx, self.name, _rft_targets())
            if record.tools or not tools.plain_turns(record.turns):  # (else neither is held)
                if tools.has_tool_use(record) and not self.takes_tools(ctx):
                    record = _without(record, ctx, "drop_tool_turns", tools.without_tool_use,
                                      "tool_turn", f"the record holds tool use (definitions, calls "
                                      f"or results) that --target {self.name}{_for(ctx)} does not "
                                      "write; it is refused rather than lose them")
                if tools.has_reasoning(record) and not self.takes_reasoning(ctx):
                    record = _without(record, ctx, "drop_reasoning", tools.without_reasoning,
                                      "reasoning_not_taken", f"the record holds reasoning that "
                                      f"--target {self.name}{_for(ctx)} does not write")
            if record.weights is not None and not self.writes_weights:
                record = _without(record, ctx, "drop_weights", without_weights,
                                  "weight_not_taken", f'a message has a "weight" (0 or 1: train '
                                  f"on it or not) that --target {self.name} does not write; the "
                                  "record is refused rather than train on what a weight left out")
            objs = self.build(record, ctx)
            if record.image is not None and not self.takes_image:
                fail("not_taken_by_model", f"{self.name} takes text only; the record has an "
                                           "image")
            return objs
        except RecordError as error:
            error.stage = FORMAT
            raise
        except Exception as error:  # a bug, not bad input: a dead letter, never a crash
            raise RecordError("internal_error", f"cannot format the record for {self.name}: "
                              f"{type(error).__name__}: {error}", FORMAT) from error

    def build(self, record: Record, ctx) -> list[dict]:
        raise NotImplementedError

    def check(self, obj, ctx) -> list[tuple[str, str]]:
        raise NotImplementedError

    def validate(self, obj, ctx, size: int | None = None) -> list[tuple[str, str]]:
        problems = self.check(obj, ctx)
        return problems or (_CHECK_LIMITS or _check_limits())(self, obj, ctx, size)

    def measure(self, obj) -> int:
        total = 0
        for key, value in obj.items():  # flat objects (most targets) need no recursion
            if type(value) is not str:
                return string_length(obj)
            if key != "role":
                total += len(value)
        return total

    def texts(self, obj) -> list[str]:
        return strings(obj, [])

    def validate_line(self, line: bytes, ctx) -> list[tuple[str, str]]:
        if line.startswith(_BOM):
            # (not JSON: run's reader refuses it as invalid_json but at the start of a file)
            return [("invalid_json", "the line starts with a byte order mark (BOM)")]
        if not line or line.isspace():
            return [("invalid_record", "blank line: JSONL takes one JSON object on every line")]
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError as error:   # run's reader: the same line, the same code
            return [("invalid_json", f"the line is not one JSON object (pretty-printed?): {error}")]
        if not isinstance(obj, dict):   # run's adapters refuse it as wrong_type
            return [("wrong_type",
                     f"the line holds a JSON {type(obj).__name__}, not an object")]
        return self.validate(obj, ctx)

    def side_files(self, ctx) -> dict[str, bytes]:
        return {}

    def writes_field(self, name: str, ctx) -> bool:
        return False

    def takes_tools(self, ctx) -> bool:
        model = getattr(ctx, "model", None)
        return (self.writes_tools and (model is None or model.tool_use)
                or self.writes_field("tools", ctx))

    def takes_reasoning(self, ctx) -> bool:
        model = getattr(ctx, "model", None)
        return self.writes_reasoning and (model is None or model.reasoning_content)

    def dataset_facets(self, obj) -> set[str]:
        return set()

    def dataset_problems(self, facets: dict, ctx, records: int = 0) -> list[tuple[str, str]]:
        return []


def _check_limits():
    # the registry module imports this one, so its check_limits is looked up at first use
    global _CHECK_LIMITS
    if _CHECK_LIMITS is None:
        from tuneprep.transforms.targets import check_limits
        _CHECK_LIMITS = check_limits
    return _CHECK_LIMITS


_CHECK_LIMITS = None


def _rft_targets() -> str:
    """The registered targets that train on rewards, named in an RFT prompt's refusal (the
    registry imports this module, so it is asked at first use)."""
    from tuneprep.transforms.targets import names_where
    return names_where(lambda target: target.trains_on == preferences.REWARDS)


def fail(reason: str, message: str):
    raise RecordError(reason, message, FORMAT)


def _for(ctx) -> str:
    model = getattr(ctx, "model", None)
    return f" --model {model.name}" if model is not None else ""


def _without(record: Record, ctx, repair: str, drop, reason: str, message: str) -> Record:
    """The record with a part the target cannot write dropped, when the user named the repair;
    else the record is refused, never written without it."""
    if repair not in getattr(ctx, "repair", ()):
        fail(reason, f"{message} (--repair {repair} drops it)")
    record.repairs += (repair,)   # the report's repaired_records: what was mended, not refused
    return drop(record)


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


def single_turn(record: Record, who: str = "the target") -> tuple[str | None, str, str]:
    """(system, user, assistant) of a one-exchange conversation, or a RecordError."""
    system, turns = split_system(record)
    if not turns:
        fail("not_a_conversation", "the record has no user/assistant turns")
    roles = [str(role) for role, _ in turns]
    if roles != ["user", "assistant"]:
        fail("not_single_turn", f"{who} takes one user turn then one assistant turn; "
                                f"the record has {'/'.join(roles)}")
    return system, turns[0][1], turns[1][1]


def split_context(user, context: str | None) -> tuple[str, str]:
    """(instruction, context) of an exchange's user turn: an instruction record's context
    (Record.context) is split off the end of the turn that holds it; a blank context is not
    in the turn and is given as it is; a conversation's turn is all instruction."""
    if not context:
        return user, ""
    if context.isspace():
        return user, context
    tail = "\n\n" + context
    if isinstance(user, str) and user.endswith(tail):
        return user[:-len(tail)], context
    return user, ""   # the turn no longer holds it (an edited turn): the turn is the truth


def exchange(record: Record, what: str, who: str = "the target"
             ) -> tuple[str | None, str, str, str]:
    """(system, instruction, context, response) of a record's one exchange, read from its
    turns, the same for every input format: the system text is record.system and/or a leading
    system turn; an instruction record with a history is refused (not_single_turn), as is a
    conversation of more than one exchange."""
    turns = record.turns
    if len(turns) == 2 and turns[0][0] == "user" and turns[1][0] == "assistant":
        # the common case, as the general rules below give it, without copying the turns
        system = None if record.system is None else join_system(record.system)
        user, assistant = turns[0][1], turns[1][1]
    else:
        if record.context is not None:
            refuse_history(record, what)
        system, user, assistant = single_turn(record, who)
    instruction, context = split_context(user, record.context)
    return system, instruction, context, assistant


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


def all_or_none_problems(facets: dict, records: int, keys: tuple[str, ...], service: str,
                         prefix: str = "") -> list[tuple[str, str]]:
    """inconsistent_fields when an optional field the service takes in every record or in none
    (Forge's dataset checks: bedrock-rft's id and tools, multi-turn RFT's metadata fields) is in
    some of the `records` written (facets: a field -> the records holding it)."""
    some = [f"{facets[key]:,} of {records:,} records hold "
            f"{prefix + key if prefix else repr(key)}"
            for key in keys if 0 < facets.get(key, 0) < records]
    if not some:
        return []
    named = " and ".join([", ".join(keys[:-1]), keys[-1]] if len(keys) > 1 else keys)
    return [("inconsistent_fields", f"{'; '.join(some)}; {service} takes {named} in every "
                                    "record or in none")]


def non_empty_string(obj: dict, key: str) -> list[tuple[str, str]]:
    value = obj.get(key)
    if not isinstance(value, str):
        return [("invalid_record", f"{key} is a {type(value).__name__}, not a string")]
    if not value or value.isspace():
        return [("empty_field", f"{key} is empty")]
    return []
