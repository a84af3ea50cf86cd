"""openai-chat: OpenAI chat fine-tuning, {"messages": [{"role", "content", "weight"?}, ...],
"tools"?: [...], "parallel_tool_calls"?: bool}.

Checks are the OpenAI cookbook's format checks (Chat_finetuning_data_prep.ipynb), each with a
reason code:

    cookbook error key                  reason code
    data_type                           invalid_record
    missing_messages_list               missing_field / empty_field (/ wrong_type: not a list)
    message_missing_key                 missing_field
    message_unrecognized_key            unrecognized_key (keys other than role, content, name,
                                        function_call, tool_calls, tool_call_id, weight)
    unrecognized_role                   unknown_role (system, user, assistant, tool, function)
    missing_content                     empty_field (/ wrong_type: not a string; an assistant
                                        message with tool_calls or function_call may have null
                                        content)
    example_missing_assistant_message   missing_assistant_message

plus the cookbook's "missing user message" warning, refused here (missing_user_message: an
example with no user turn teaches the model to answer nothing), and `weight` on assistant
messages only, 0 or 1 (bad_weight: core/weights.py, the rule the messages adapter applies in
`run`). A record's weights (Record.weights, one per assistant message) are written on its
assistant messages. OpenAI is not a model of the catalogue: `--max-tokens` sets
the per-record limit (the cookbook's examples over 4,096 / 16,385 tokens are truncated).

Tool use (OpenAI fine-tuning chat input, docs/sources/formats-2026.md "OpenAI chat with
tools"): a top-level "tools" list of {"type": "function", "function": {"name", "description"?,
"parameters"?, "strict"?}}; an assistant message {"role": "assistant", "content": text or null,
"tool_calls": [{"id", "type": "function", "function": {"name", "arguments": a JSON string}}]};
each result a {"role": "tool", "tool_call_id", "content"} message (a JSON result as its JSON
text); "parallel_tool_calls" when the source gives it (Record.fields). The rules (tool_rules.py),
checked on every written object, so `tuneprep validate` applies them to existing files too:

    tool names 1-64 of [a-zA-Z0-9_-], unique; parameters an object  bad_tool_definition
    arguments a JSON string of an object; a call names a tool        bad_tool_call
    a called name is defined, when the record gives tools            undefined_tool
    each call id unique, answered by exactly one tool message after  unmatched_tool_id
    a tool message's content a non-empty string                     bad_tool_result
    tool_calls only on assistant messages, tool_call_id on tool ones misplaced_tool_block

From canonical records: a system prompt becomes a leading system message; system turns stay
where the source put them; a tool turn that holds text only (no call id) is refused (tool_turn;
--repair drop_tool_turns). OpenAI chat fine-tuning takes no reasoning: a record with reasoning is
refused (reasoning_not_taken; --repair drop_reasoning), by the gate in Target.format.
"""
from __future__ import annotations

import orjson

from tuneprep.transforms.core.tools import ToolResult
from tuneprep.transforms.core.weights import weight_problem
from tuneprep.transforms.targets import requests_openai, tool_rules
from tuneprep.transforms.targets.base import Target, fail, split_system

ROLES = ("system", "user", "assistant", "tool")
COOKBOOK_ROLES = ROLES + ("function",)
MESSAGE_KEYS = ("role", "content", "name", "function_call", "tool_calls", "tool_call_id",
                "weight")
FUNCTION_KEYS = ("name", "description", "parameters", "strict")


def result_text(result: ToolResult) -> str:
    """A tool result as a tool message's content: its text, or the JSON text of a JSON one."""
    content = result.content
    return content if isinstance(content, str) else orjson.dumps(content).decode()


def tool_definition(spec) -> dict:
    function = {"name": spec.name}
    if spec.description is not None:
        function["description"] = spec.description
    if spec.parameters is not None:
        function["parameters"] = spec.parameters
    if spec.strict is not None:
        function["strict"] = spec.strict
    return {"type": "function", "function": function}


def tool_call(call) -> dict:
    arguments = call.arguments if isinstance(call.arguments, str) else \
        orjson.dumps(call.arguments).decode()   # text a source could not decode: as it was
    return {"id": call.id, "type": "function",
            "function": {"name": call.name, "arguments": arguments}}


def chat_messages(system: str | None, parts) -> list[dict]:
    """OpenAI chat messages of a system text and the record's parts (checked_parts): a call
    joins the assistant message before it, a result is a tool message (bedrock-rft's prompts
    are these messages too)."""
    messages = [{"role": "system", "content": system}] if system else []
    previous = None
    for role, content in parts:
        last = messages[-1] if messages else None
        if role == "tool_call":
            if previous in ("assistant", "tool_call"):   # the calls of that message
                last.setdefault("tool_calls", []).append(tool_call(content))
            else:
                messages.append({"role": "assistant", "content": None,
                                 "tool_calls": [tool_call(content)]})
        elif role == "tool":
            messages.append({"role": "tool", "tool_call_id": content.id,
                             "content": result_text(content)})
        elif role == "assistant" and previous == "tool_call" and last["content"] is None:
            last["content"] = content   # the text of the message that makes the calls
        else:
            messages.append({"role": role, "content": content})
        previous = role
    return messages


class OpenAIChat(Target):
    name = "openai-chat"
    kind = "openai-chat"
    request_builder = requests_openai.FINE_TUNING
    writes_tools = True
    writes_reasoning = False   # OpenAI chat SFT takes no reasoning field
    writes_weights = True
    # OpenAI refuses a training file of fewer than 10 examples (its fine-tuning guide: "at least
    # 10 examples"; docs/sources/formats-2026.md, "OpenAI chat record count")
    min_train_records = 10

    def build(self, record, ctx):
        system, turns = split_system(record)
        if not turns:
            fail("not_a_conversation", "the record has no user/assistant turns")
        messages = chat_messages(system, tool_rules.checked_parts(turns, ctx))
        if record.weights is not None:
            _put_weights(messages, record.weights)
        roles = {m["role"] for m in messages}
        if "assistant" not in roles:
            fail("missing_assistant_message", "the example has no assistant message")
        if "user" not in roles:
            fail("missing_user_message", "the example has no user message")
        obj: dict = {"messages": messages}
        if record.tools:
            obj["tools"] = [tool_definition(spec) for spec in record.tools]
        if "parallel_tool_calls" in record.fields:
            obj["parallel_tool_calls"] = record.fields["parallel_tool_calls"]
        return [obj]

    def writes_field(self, name, ctx):
        return name == "parallel_tool_calls"   # as the source gave it (build)

    def check(self, obj, ctx):
        if not isinstance(obj, dict):
            return [("invalid_record", f"the record is a JSON {type(obj).__name__}, not an object")]
        if "messages" not in obj:
            return [("missing_field", "the record has no messages list")]
        messages = obj["messages"]
        if not isinstance(messages, list):
            return [("wrong_type", f"messages is a {type(messages).__name__}, not a list")]
        if not messages:
            return [("empty_field", "messages is empty")]
        problems = []
        for position, message in enumerate(messages, 1):
            problems += _message_problems(message, position)
        roles = [m.get("role") for m in messages if isinstance(m, dict)]
        if "assistant" not in roles:
            problems.append(("missing_assistant_message", "no message has the role assistant"))
        if "user" not in roles:
            problems.append(("missing_user_message", "no message has the role user"))
        defined = None
        if "tools" in obj:
            tool_problems, defined = _tools_problems(obj["tools"])
            problems += tool_problems
        if "parallel_tool_calls" in obj and type(obj["parallel_tool_calls"]) is not bool:
            problems.append(("wrong_type", f"parallel_tool_calls is "
                                           f"{obj['parallel_tool_calls']!r}, not true or false"))
        if any(isinstance(m, dict) and ("tool_calls" in m or m.get("role") == "tool")
               for m in messages):
            problems += _tool_use_problems(messages, defined)
        return problems


def _message_problems(message, position: int) -> list[tuple[str, str]]:
    label = f"message {position}"
    if not isinstance(message, dict):
        return [("invalid_record", f"{label} is not an object")]
    problems = []
    # a message that makes calls may leave its content out (OpenAI's chat format: content is
    # optional with tool_calls / function_call), as run writes it with content null
    calls = message.get("tool_calls") or message.get("function_call")
    missing = [key for key in ("role", "content") if key not in message
               and not (key == "content" and calls)]
    if missing:
        problems.append(("missing_field", f"{label} has no {' or '.join(missing)}"))
    unknown = sorted(set(message) - set(MESSAGE_KEYS))
    if unknown:
        problems.append(("unrecognized_key", f"{label} has the keys {', '.join(unknown)}; "
                                             f"known: {', '.join(MESSAGE_KEYS)}"))
    role = message.get("role")
    if "role" in message and role not in COOKBOOK_ROLES:
        problems.append(("unknown_role", f"{label} has the role {role!r}; known: "
                                         f"{', '.join(ROLES)}"))
    if "content" in message and role != "tool":   # a tool message's content: bad_tool_result
        problems += _content_problems(message, label)
    if "weight" in message:
        problem = weight_problem(role, message["weight"], label)
        if problem:
            problems.append(("bad_weight", problem))
    return problems


def _content_problems(message: dict, label: str) -> list[tuple[str, str]]:
    content = message["content"]
    if content is None and (message.get("function_call") or message.get("tool_calls")):
        return []   # a call carries no content
    if not isinstance(content, str):
        return [("wrong_type", f"{label}'s content is a {type(content).__name__}, not a string")]
    if not content or content.isspace():
        return [("empty_field", f"{label}'s content is empty")]
    return []


def _put_weights(messages: list[dict], weights: tuple) -> None:
    """Each assistant message's weight on it, in order (none where the source gave none)."""
    assistants = [m for m in messages if m["role"] == "assistant"]
    if len(assistants) != len(weights):   # messages were joined: a weight has no one place
        fail("bad_weight", f"the record's {len(weights)} weighted assistant message(s) are "
                           f"written as {len(assistants)}; a weight cannot be placed")
    for message, weight in zip(assistants, weights):
        if weight is not None:
            message["weight"] = weight


def _tools_problems(tools) -> tuple[list[tuple[str, str]], set | None]:
    """The top-level tools list: (problems, the defined names)."""
    if not isinstance(tools, list):
        return [("bad_tool_definition", f"tools is a JSON {type(tools).__name__}, not a "
                                        "list")], None
    problems, names = [], []
    for index, tool in enumerate(tools, 1):
        label = f"tool {index}"
        function = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(tool, dict) or tool.get("type") != "function" or \
                set(tool) != {"type", "function"} or not isinstance(function, dict):
            problems.append(("bad_tool_definition", f'{label} is not {{"type": "function", '
                                                    f'"function": {{...}}}}'))
            continue
        names.append((label, function.get("name")))
        extra = sorted(set(function) - set(FUNCTION_KEYS))
        if extra:
            problems.append(("bad_tool_definition", f"{label}'s function has the keys "
                                                    f"{', '.join(extra)}; known: "
                                                    f"{', '.join(FUNCTION_KEYS)}"))
        if "description" in function and not isinstance(function["description"], str):
            problems.append(("bad_tool_definition", f"{label}'s description is not a string"))
        if "parameters" in function and not isinstance(function["parameters"], dict):
            problems.append(("bad_tool_definition", f"{label}'s parameters are not a JSON "
                                                    "Schema object"))
        if "strict" in function and type(function["strict"]) is not bool:
            problems.append(("bad_tool_definition", f"{label}'s strict is not true or false"))
    problems += tool_rules.name_problems(names)
    return problems, {n for _, n in names if isinstance(n, str)}


def _tool_use_problems(messages, defined) -> list[tuple[str, str]]:
    """The calls and results of a record: their shapes, their ids in order, their names."""
    problems, events, calls = [], [], []
    for position, message in enumerate(messages, 1):
        if not isinstance(message, dict):
            continue
        label, role = f"message {position}", message.get("role")
        if "tool_calls" in message:
            if role != "assistant":
                problems.append(("misplaced_tool_block", f"{label} is a {role} message with "
                                                         "tool_calls; only assistant messages "
                                                         "make calls"))
            problems += _calls_problems(message["tool_calls"], label, events, calls)
        if role == "tool":
            events.append(("result", message.get("tool_call_id"), label))
            content = message.get("content")
            if not isinstance(content, str):
                problems.append(("bad_tool_result", f"{label}'s content is a "
                                                    f"{type(content).__name__}, not a string"))
            elif tool_rules.blank(content):
                problems.append(("bad_tool_result", f"{label}'s content is empty"))
        elif "tool_call_id" in message:
            problems.append(("misplaced_tool_block", f"{label} is a {role} message with a "
                                                     "tool_call_id; only tool messages answer "
                                                     "calls"))
    return problems + tool_rules.id_problems(events) + \
        tool_rules.call_name_problems(calls, defined)


def _calls_problems(tool_calls, label: str, events: list, calls: list) -> list[tuple[str, str]]:
    if not isinstance(tool_calls, list) or not tool_calls:
        return [("bad_tool_call", f"{label}'s tool_calls is not a list of calls")]
    problems = []
    for index, call in enumerate(tool_calls, 1):
        where = f"{label} call {index}"
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(call, dict) or set(call) != {"id", "type", "function"} or \
                call["type"] != "function" or not isinstance(function, dict) or \
                set(function) != {"name", "arguments"}:
            problems.append(("bad_tool_call", f'{where} is not {{"id", "type": "function", '
                                              f'"function": {{"name", "arguments"}}}}'))
            continue
        events.append(("call", call["id"], where))
        calls.append((where, function["name"]))
        arguments = function["arguments"]
        try:
            decoded = orjson.loads(arguments) if isinstance(arguments, str) else None
        except orjson.JSONDecodeError:
            decoded = None
        if not isinstance(decoded, dict):
            problems.append(("bad_tool_call", f"{where}'s arguments are not a JSON string of "
                                              "an object"))
    return problems
