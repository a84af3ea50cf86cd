"""sagemaker-instruction: SageMaker JumpStart instruction tuning; one object per record holding
the fields template.json's placeholders name, written as shards beside template.json."""
from __future__ import annotations

import functools
import string
from dataclasses import dataclass

import orjson

from tuneprep.transforms.core import tools
from tuneprep.transforms.core.layout import TEMPLATE
from tuneprep.transforms.targets.base import Target, exchange, fail, with_system
from tuneprep.transforms.targets.requests_sagemaker import JumpStartRequest

DEFAULT_TEMPLATE = {
    "prompt": "Below is an instruction that describes a task, paired with an input that provides "
              "further context. Write a response that appropriately completes the request.\n\n"
              "### Instruction:\n{instruction}\n\n### Input:\n{context}",
    "completion": "{response}",
}
ALIASES = {"input": "context", "output": "response", "answer": "response",
           "completion": "response", "question": "instruction", "prompt": "instruction",
           "query": "instruction", "system_prompt": "system"}


def parse_template(text: str) -> dict:
    """template.json text → the template, or ValueError with a one-line reason."""
    try:
        template = orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise ValueError(f"template.json is not valid JSON: {error}") from None
    if not isinstance(template, dict):
        raise ValueError("template.json must hold a JSON object")
    if set(template) != {"prompt", "completion"}:
        raise ValueError(f"template.json must have exactly the keys prompt and completion, "
                         f"not {', '.join(sorted(template)) or 'none'}")
    for key, value in template.items():
        if not isinstance(value, str):
            raise ValueError(f"template.json's {key} must be a string")
        _placeholders_of(value, key)
    return template


def placeholders(template: dict) -> list[str]:
    """The placeholder names of the prompt then the completion, each once, in order."""
    return list(_placeholders(template["prompt"], template["completion"]))


@functools.lru_cache(maxsize=16)   # asked twice a record; parsing the template each time cost
def _placeholders(prompt: str, completion: str) -> tuple[str, ...]:   # ~30% of the record's work
    names: list[str] = []
    for key, text in (("prompt", prompt), ("completion", completion)):
        names += [name for name in _placeholders_of(text, key) if name not in names]
    return tuple(names)


def _placeholders_of(text: str, key: str) -> list[str]:
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as error:
        raise ValueError(f"template.json's {key} is not a valid format string: {error}") from None
    names = []
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        shown = "{" + name + ("!" + conversion if conversion else "") + (":" + spec if spec else "") + "}"
        if not name.isidentifier():
            raise ValueError(f"template.json's {key} has the placeholder {shown}; placeholders "
                             f"must be plain field names like {{instruction}}")
        if spec or conversion:
            raise ValueError(f"template.json's {key} has the placeholder {shown}; conversions "
                             f"and format specs are not allowed")
        names.append(name)
    return names


def _conversation(record) -> dict:
    """instruction/context/response/system of the record's one exchange (read from its turns,
    as bedrock-text reads it), and its document text; {} for a record with neither."""
    values = {} if record.text is None else {"text": record.text}
    if not record.turns:
        return values
    system, instruction, context, response = exchange(record, SagemakerInstruction.name,
                                                      "instruction tuning")
    values.update(instruction=instruction, context=context, response=response,
                  system=system or "")
    return values


def definitions_text(specs) -> str:
    """A record's tool definitions as the JSON text a {tools} placeholder holds: glaive's and
    LLaMA-Factory's plain [{"name", "description", "parameters"}] (keys the source did not give
    left out); "[]" for a record that defines none, so every line has the field."""
    return orjson.dumps([{key: value for key, value in (
        ("name", spec.name), ("description", spec.description),
        ("parameters", spec.parameters), ("strict", spec.strict)) if value is not None}
        for spec in specs or ()]).decode()


def _without_calls(record, ctx):
    """A template writes tool definitions ({tools}) but has no place for calls and results:
    the record is refused (tool_turn) unless --repair drop_tool_turns drops them (the
    definitions are still written)."""
    if not any(role in tools.TOOL_ROLES for role, _ in record.turns):
        return record
    if "drop_tool_turns" not in ctx.repair:
        fail("tool_turn", "the record holds tool calls or results; a template writes the "
                          "tool definitions ({tools}) but not them, so the record is refused "
                          "rather than lose them (--repair drop_tool_turns drops them)")
    record.turns = [turn for turn in record.turns if turn[0] not in tools.TOOL_ROLES]
    return record


def _system_before_instruction(obj: dict, placed: dict, system: str) -> None:
    """A system prompt the template has no {system} for joins the instruction's placeholder."""
    name = next((name for name, field in placed.items() if field == "instruction"), None)
    if name is None:
        fail("template_field", "the record has a system prompt and the template has no "
                               "{system} placeholder, nor an {instruction} one to write it "
                               "before; the record is refused rather than lose it")
    obj[name] = with_system(system, obj[name])


@dataclass(frozen=True)
class _Plan:
    """What a template and a placeholder map make of every record: the placeholders in order,
    each with the field it names (through the map) and that field's canonical name (through
    ALIASES), and the fields written as they are (writes_field)."""
    template: dict
    mapping: dict
    names: tuple[str, ...]
    slots: tuple[tuple[str, str, str], ...]
    fields: frozenset
    takes_tools: bool

    @classmethod
    def of(cls, template: dict, mapping: dict) -> _Plan:
        names = _placeholders(template["prompt"], template["completion"])
        fields = [mapping.get(name, name) for name in names]
        return cls(dict(template), dict(mapping), names,
                   tuple((name, field, ALIASES.get(field, field))
                         for name, field in zip(names, fields)),
                   frozenset(fields), "tools" in fields)


class SagemakerInstruction(Target):
    """Writes the record fields the template's placeholders name (a --template is an explicit
    choice, recorded in the manifest). Content no placeholder can hold is not dropped: a system
    prompt without a {system} placeholder goes before the instruction (as bedrock-text writes
    it), and a history, an image or tool definitions the template does not name refuse the
    record. A {tools} placeholder (through --placeholder-map too) holds the record's tool
    definitions as JSON text (definitions_text)."""
    name = "sagemaker-instruction"
    kind = "instruction"
    reads = "exchange"
    layout = "sharded"
    request_builder = JumpStartRequest(instruction_tuned=True)
    takes_template = True   # --template, --placeholder-map; template.json beside the shards

    def template_placeholders(self, template: dict | None) -> list[str]:
        """The placeholders of `template` (None: the default template), for the check of
        --placeholder-map (Target.takes_template)."""
        return placeholders(template or DEFAULT_TEMPLATE)

    def build(self, record, ctx):
        plan = self._plan(ctx)
        if plan.takes_tools:
            record = _without_calls(record, ctx)
        conversation = _conversation(record)
        if plan.takes_tools:
            conversation["tools"] = definitions_text(record.tools)
        fields = record.fields
        obj, placed = {}, {}   # placeholder -> the record part or field it holds
        for name, field, canonical in plan.slots:
            # a part of the conversation by its name; a source field by its own name (one the
            # adapter did not read, e.g. a stray "input" in a Dolly record); a part by an alias
            # (looked up in that order, each only when the one before holds no string)
            source, value = field, conversation.get(field)
            if not isinstance(value, str):
                value = fields.get(field)
                if not isinstance(value, str):
                    source, value = canonical, conversation.get(canonical)
                    if not isinstance(value, str):
                        if "instruction" not in conversation:
                            fail("not_a_conversation", "the record has no instruction fields "
                                                       "or turns (a plain document?)")
                        fail("template_field", f"template placeholder {{{name}}} has no "
                                               f"string value in the record")
            obj[name], placed[name] = value, source
        system = conversation.get("system")
        if system and "system" not in placed.values():
            _system_before_instruction(obj, placed, system)
        return [obj]

    def writes_field(self, name, ctx):
        return name in self._plan(ctx).fields

    def check(self, obj, ctx):
        if not isinstance(obj, dict):
            return [("invalid_record", f"the record is a JSON {type(obj).__name__}, not an object")]
        names = self._plan(ctx).names
        for name in names:
            if not isinstance(obj.get(name), str):
                break
        else:
            return []   # the usual object, without building a list
        return [("template_field", f"template placeholder {{{name}}} has no string value "
                                   f"in the record") for name in names
                if not isinstance(obj.get(name), str)]

    def measure(self, obj) -> int:
        total = 0
        for value in obj.values():
            if isinstance(value, str):
                total += len(value)
        return total

    def texts(self, obj) -> list[str]:
        return [value for value in obj.values() if isinstance(value, str) and value]

    _last_plan = None

    def _plan(self, ctx) -> _Plan:
        """The plan of ctx's template and placeholder map, worked out once while they stay the
        same (one run's records share them) rather than on every record."""
        template = ctx.template or DEFAULT_TEMPLATE
        plan = self._last_plan
        if plan is None or plan.template != template or plan.mapping != ctx.placeholder_map:
            plan = self._last_plan = _Plan.of(template, ctx.placeholder_map)
        return plan

    def side_files(self, ctx):
        return {TEMPLATE: orjson.dumps(ctx.template or DEFAULT_TEMPLATE)}

