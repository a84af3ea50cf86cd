"""The tool-use rules of a written Converse record: the toolConfig (tool definitions), each
toolUse and toolResult block, and the record's calls and results together (ids paired, names
defined, the model taking tool use). Sources: AWS's Nova dataset validator (Nova Forge SDK
sft_dataset_validator) and the Bedrock API reference, cited beside each rule; the rules shared
with openai-chat are tool_rules.py's."""
from __future__ import annotations

from tuneprep.transforms.targets import tool_rules
from tuneprep.transforms.targets.conversation import reserved_word_problems


class ToolUses:
    """The tool calls and results of one record, in order, for the record-level rules; None
    in place of one where the format takes no tool use (bedrock-distillation)."""

    def __init__(self):
        self.events: list[tuple[str, object, str]] = []   # tool_rules.id_problems
        self.calls: list[tuple[str, object]] = []          # (label, name)
        self.blocks = False


def tool_config_problems(config) -> tuple[list[tuple[str, str]], set | None]:
    """The toolConfig's rules: (problems, the defined names)."""
    if not isinstance(config, dict) or set(config) != {"tools"}:
        return [("invalid_record", 'toolConfig must be {"tools": [...]}')], None
    specs = config["tools"]
    # a non-empty list: Nova Forge SDK sft_dataset_validator, ToolConfig
    if not isinstance(specs, list) or not specs:
        return [("bad_tool_definition", "toolConfig.tools is not a non-empty list of tools")], None
    problems, names = [], []
    for index, tool in enumerate(specs):
        label = f"toolConfig.tools[{index}]"
        spec = tool.get("toolSpec") if isinstance(tool, dict) and set(tool) == {"toolSpec"} \
            else None
        if not isinstance(spec, dict):
            problems.append(("bad_tool_definition", f'{label} must be {{"toolSpec": {{...}}}}'))
            continue
        names.append((f"{label}.toolSpec", spec.get("name")))
        problems += _tool_spec_problems(spec, label)
    problems += tool_rules.name_problems(names)
    return problems, {n for _, n in names if isinstance(n, str)}


def _tool_spec_problems(spec: dict, label: str) -> list[tuple[str, str]]:
    """One toolSpec's keys, description and input schema (its name: tool_rules.name_problems)."""
    problems = []
    # name, description and inputSchema each required: Nova Forge SDK sft_dataset_validator,
    # ToolSpec (the Bedrock API takes no description; the SDK refuses a blank one)
    missing = [k for k in ("name", "description", "inputSchema") if k not in spec]
    extra = sorted(set(spec) - {"name", "description", "inputSchema"})
    if missing or extra:
        problems.append(("bad_tool_definition", f"{label}.toolSpec "
                         + "; ".join(([f"has no {', '.join(missing)}"] if missing else [])
                                     + ([f"has the keys {', '.join(extra)}, not taken"]
                                        if extra else []))))
    if "description" in spec and tool_rules.blank(spec["description"]):
        problems.append(("bad_tool_definition", f"{label}.toolSpec's description is "
                                                "empty"))
    schema = spec.get("inputSchema")
    if "inputSchema" in spec:
        if not isinstance(schema, dict) or set(schema) != {"json"}:
            problems.append(("bad_tool_definition", f'{label}.toolSpec.inputSchema must be '
                                                    f'{{"json": {{...}}}}'))
        else:
            problems += tool_rules.schema_problems(schema["json"],
                                                   f"{label}.toolSpec.inputSchema.json")
    return problems


def tool_use_rules(uses: ToolUses, defined, has_config: bool, model) -> list[tuple[str, str]]:
    if model is not None and not getattr(model, "tool_use", False):
        # tool_turn, as run's Target.format refuses tool use a target or model does not write
        return [("tool_turn", f"{model.display} takes no tool use (toolConfig, toolUse, "
                              "toolResult) in fine-tuning data (run's --repair drop_tool_turns "
                              "drops it)")]
    problems = []
    if uses.blocks and not has_config:
        # Bedrock: "The toolConfig field must be defined when using toolUse and toolResult
        # content blocks"
        problems.append(("undefined_tool", "the messages hold toolUse / toolResult blocks and "
                                           "the record has no toolConfig defining the tools"))
    problems += tool_rules.id_problems(uses.events)
    return problems + tool_rules.call_name_problems(uses.calls, defined if has_config else None)


def tool_use_problems(value, label: str, role, model, uses: ToolUses) -> list[tuple[str, str]]:
    """One toolUse block (Nova Forge SDK sft_dataset_validator, ToolUse and Message; the
    Bedrock API reference, ToolUseBlock)."""
    problems = []
    if role != "assistant":
        problems.append(("misplaced_tool_block", f"{label} is a toolUse in a {role} turn; only "
                                                 "assistant turns make calls"))
    if not isinstance(value, dict) or set(value) != {"toolUseId", "name", "input"}:
        return problems + [("bad_tool_call", f'{label} must be {{"toolUse": {{"toolUseId", '
                                             f'"name", "input"}}}}')]
    tool_id = value["toolUseId"]
    if isinstance(tool_id, str) and tool_id.strip() and not tool_rules.TOOL_USE_ID.fullmatch(
            tool_id):
        problems.append(("bad_tool_call", f"{label}: the toolUseId {tool_id!r} is not 1-64 "
                                          "letters, digits, _ or -"))
    if not isinstance(value["input"], dict):
        problems.append(("bad_tool_call", f"{label}: input is a JSON "
                                          f"{type(value['input']).__name__}, not an object"))
    if isinstance(value["name"], str) and value["name"].strip() and \
            not tool_rules.NAME.fullmatch(value["name"]):
        problems.append(("bad_tool_call", f"{label}: the name {value['name']!r} is not 1-64 "
                                          "letters, digits, _ or -"))
    uses.events.append(("call", tool_id, label))
    uses.calls.append((label, value["name"]))
    return problems


def tool_result_problems(value, label: str, role, model, uses: ToolUses
                          ) -> list[tuple[str, str]]:
    """One toolResult block (Nova Forge SDK sft_dataset_validator, ToolResult,
    ToolResultContentItem and Message; "status" as the Bedrock ToolResultBlock has it)."""
    problems = []
    if role != "user":
        problems.append(("misplaced_tool_block", f"{label} is a toolResult in a {role} turn; "
                                                 "results go in user turns"))
    if not isinstance(value, dict) or not {"toolUseId", "content"} <= set(value) or \
            set(value) - {"toolUseId", "content", "status"}:
        return problems + [("bad_tool_result", f'{label} must be {{"toolResult": '
                                               f'{{"toolUseId", "content": [...]}}}}')]
    if "status" in value and value["status"] not in ("success", "error"):
        problems.append(("bad_tool_result", f"{label}: status is {value['status']!r}, not "
                                            "success or error"))
    uses.events.append(("result", value["toolUseId"], label))
    items = value["content"]
    if not isinstance(items, list) or not items:
        return problems + [("bad_tool_result", f"{label}: content is not a non-empty list of "
                                               "items")]
    for number, item in enumerate(items):
        where = f"{label} item {number}"
        # exactly one of text / json, json an object (ToolResultContentItem)
        if not isinstance(item, dict) or len(item) != 1 or not item.keys() <= {"text", "json"}:
            problems.append(("bad_tool_result", f'{where} must be exactly one of {{"text"}} / '
                                                f'{{"json"}}'))
        elif "json" in item and not isinstance(item["json"], dict):
            problems.append(("bad_tool_result", f"{where}: json is a JSON "
                                                f"{type(item['json']).__name__}, not an object"))
        elif "text" in item and not isinstance(item["text"], str):
            problems.append(("bad_tool_result", f"{where}: text is not a string"))
        elif "text" in item and tool_rules.blank(item["text"]):
            problems.append(("bad_tool_result", f"{where}: the text is empty"))
        elif "text" in item:
            # reserved words in result text: Nova Forge SDK, the keyword check's
            # ToolResultContentItem scope
            problems += reserved_word_problems(item["text"], where, model)
    return problems
