"""Fast lanes: the commonest record shapes, taken from parsed JSON to the output object in one
step, for the commonest pairs of input format and target. Pure Python.

The general path (adapter → canonical Record → target format → validate → measure) costs ~9 µs a
record, most of it in layers that a plain instruction record does not need. A lane takes a raw
value and returns what the general path would give for it, or None when the record is not the
plain case (a field missing, empty or not a string, a system prompt, a history, over a length
limit, an option the lane does not model...). None sends the record down the general path, which
then decides, with its reasons, messages and dead letters. So a lane never refuses a record and
never decides anything the general path would decide differently: tests/test_fast_lanes.py
checks, for generated and real records, that every record a lane takes comes out byte for byte
as the general path writes it.
"""
from __future__ import annotations

from typing import Any, Callable

from transforms.targets import check_limits

# (value) -> (object, size, content) or None; content: what Record.content() gives
Lane = Callable[[Any], "tuple[dict, int, list] | None"]

# the adapters built by adapters.common.instruction_adapter: (context key, response key)
INSTRUCTION_ADAPTERS = {"alpaca": ("input", "output"), "dolly": ("context", "response")}
_PLAIN_KEYS = ("system", "history")    # present and not null → the general path


def lane_for(adapter: str | None, target, cfg, ctx) -> Lane | None:
    """The lane for this adapter, target and options, or None (the general path for all)."""
    # (a --model only sets the length limits of these two targets, which the lane checks)
    if adapter not in INSTRUCTION_ADAPTERS or cfg.adapter.field_map:
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
    limits = ctx.max_chars is not None or ctx.min_chars is not None

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
        # the canonical record's user turn: the context only when it is not blank
        user = instruction if (not context or context.isspace()) else \
            instruction + "\n\n" + context
        return obj, size, [None, [("user", user), ("assistant", response)], None, None, None,
                           context]

    return lane
