"""Fast lanes: the commonest record shapes, taken from parsed JSON to the output object in one
step, for the commonest pairs of input format and target. Pure Python.

The general path (adapter → canonical Record → target format → validate → measure) costs ~9 µs a
record, most of it in layers that a plain instruction record does not need. A lane takes a raw
value and returns what the general path would give for it, or None when the record is not the
plain case (a field missing, empty or not a string, a system prompt, a history, over a length
limit, a word the model reserves, an option the lane does not model...). None sends the record down the general path, which
then decides, with its reasons, messages and dead letters. So a lane never refuses a record and
never decides anything the general path would decide differently: tests/transforms/core/test_fast_lanes.py
checks, for generated and real records, that every record a lane takes comes out byte for byte
as the general path writes it.
"""
from __future__ import annotations

from typing import Any, Callable

from tuneprep.transforms.adapters.common import MEDIA_KEYS
from tuneprep.transforms.adapters.tool_use import TOOL_KEYS
from tuneprep.transforms.core.preferences import PREFERENCE_KEYS
from tuneprep.transforms.targets import check_limits
from tuneprep.transforms.targets.conversation import reserved_word_problems

# (value) -> (object, size, content) or None; content: what Record.content() gives, the same
# list the general path hashes for the record id (so the train/validation split is the same)
Lane = Callable[[Any], "tuple[dict, int, list] | None"]

# the adapters built by adapters.common.instruction_adapter: (context key, response key)
INSTRUCTION_ADAPTERS = {"alpaca": ("input", "output"), "dolly": ("context", "response")}
# present and not null → the general path (which writes them, or refuses the record)
_PLAIN_KEYS = ("system", "history") + TOOL_KEYS + MEDIA_KEYS + PREFERENCE_KEYS
# Bedrock messaging targets: how many turns they take (None: any even number from 2)
CHAT_TARGETS = {"bedrock-multi-turn": None, "bedrock-single-turn": 2}


def lane_for(adapter: str | None, target, cfg, ctx) -> Lane | None:
    """The lane for this adapter, target and options, or None (the general path for all)."""
    # (a --model only sets the length limits of these targets, which the lanes check)
    if cfg.adapter.field_map:
        return None
    if adapter == "messages" and target.name in CHAT_TARGETS:
        return _chat_lane(CHAT_TARGETS[target.name], target, ctx)
    if adapter not in INSTRUCTION_ADAPTERS:
        return None
    context_key, response_key = INSTRUCTION_ADAPTERS[adapter]
    if target.name == "bedrock-text":
        shape = _prompt_completion
    elif target.name == "sagemaker-instruction" and ctx.template is None \
            and not ctx.placeholder_map:
        shape = _default_template
    else:
        return None
    return _instruction_lane(context_key, response_key, shape, target, ctx)


def _prompt_completion(instruction: str, context: str, response: str) -> dict:
    # bedrock-text's build: the context joins the prompt when it is not "" (even if blank)
    return {"prompt": instruction + "\n\n" + context if context else instruction,
            "completion": response}


def _default_template(instruction: str, context: str, response: str) -> dict:
    # sagemaker-instruction's build with DEFAULT_TEMPLATE: its placeholders, in their order
    return {"instruction": instruction, "context": context, "response": response}


def _instruction_lane(context_key: str, response_key: str, shape, target, ctx) -> Lane:
    limits = ctx.max_chars is not None

    def lane(value: Any):
        if type(value) is not dict:
            return None
        instruction = value.get("instruction")
        response = value.get(response_key)
        context = value.get(context_key)
        if context is None:
            context = ""
        if not (type(instruction) is str and type(response) is str and type(context) is str
                and instruction and response and not instruction.isspace()
                and not response.isspace()):
            return None
        for key in _PLAIN_KEYS:
            if value.get(key) is not None:
                return None
        obj = shape(instruction, context, response)
        size = 0
        for text in obj.values():
            size += len(text)
        if limits and check_limits(target, obj, ctx, size):
            return None
        # the canonical record (adapters.common.instruction_record): the user turn holds the
        # context when it is not blank; Record.context is the last item of Record.content()
        user = instruction if (not context or context.isspace()) else \
            instruction + "\n\n" + context
        return obj, size, [None, [("user", user), ("assistant", response)], None, None, None,
                           context]

    return lane


# media, tool definitions (and the flag of OpenAI's parallel calls, part of a tool-use record),
# a preference record's answers or label: the general path writes or refuses them
_SIDE_KEYS = MEDIA_KEYS + TOOL_KEYS + ("parallel_tool_calls",) + PREFERENCE_KEYS


def _thinks(content: str) -> bool:
    """Might the adapter split reasoning off this text (a leading <think>, tools.split_think)?"""
    return content.startswith("<think>") or (content[:1].isspace()
                                             and content.lstrip().startswith("<think>"))


def _chat_lane(turn_count: int | None, target, ctx) -> Lane:
    """{"system"?: str, "messages": [{"role": "user"|"assistant", "content": str}, ...]}: user
    first, alternating, assistant last, every content non-blank → Bedrock messaging."""
    limits = ctx.max_chars is not None
    model = getattr(ctx, "model", None)
    # the model's reserved words (Claude 3 Haiku's turn markers): the target's own rule, so a
    # record holding one takes the general path, which refuses it (reserved_word)
    reserved = bool(getattr(model, "reserved_words", ()))

    def lane(value: Any):
        if type(value) is not dict:
            return None
        messages = value.get("messages")
        system = value.get("system")
        if type(messages) is not list or len(messages) < 2 or len(messages) % 2 or (
                turn_count is not None and len(messages) != turn_count) or not (
                system is None or type(system) is str) or "context" in value:
            return None   # (a scalar "context" would join the record's id)
        for key in _SIDE_KEYS:
            if value.get(key) is not None:
                return None
        turns, out, size = [], [], 0
        expected = "user"
        for message in messages:
            # only role and content: tool calls, reasoning fields take the general path
            if type(message) is not dict or len(message) != 2:
                return None
            content = message.get("content")
            if message.get("role") != expected or type(content) is not str or not content \
                    or content.isspace() or _thinks(content):
                return None
            turns.append((expected, content))
            out.append({"role": expected, "content": content})
            size += len(content)
            expected = "assistant" if expected == "user" else "user"
        system = system or None              # the adapter keeps a blank system, as None if ""
        written = system if system is not None and system.strip() else None  # target: no blank
        obj = {"system": written, "messages": out} if written else {"messages": out}
        size += len(written) if written else 0
        if limits and check_limits(target, obj, ctx, size):
            return None
        if reserved and (written and reserved_word_problems(written, "system", model) or any(
                reserved_word_problems(m["content"], "message", model) for m in out)):
            return None
        return obj, size, [system, turns, None, None, None, None]

    return lane
