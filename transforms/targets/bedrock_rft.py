"""bedrock-rft: Bedrock reinforcement fine-tuning prompts, OpenAI chat format:
{"messages": [{"role", "content"}, ...], "reference_answer": str | object, "id"?, "tools"?:
[{"type": "function", "function": {"name", "description", "parameters"}}], ...grader fields}.

The model writes the answer (a rollout) and the user's reward function scores it against the
reference answer, so a record is a prompt: its reference (core/rft.py Reference) is written as
"reference_answer" and every other field of the source (grader fields: "ground_truth", "id",
...) is passed through untouched. Sources: docs/sources/formats-2026.md "Reinforcement
fine-tuning", docs/preference-formats.md §1 (the rules, the Forge SDK's RFTDatasetValidator,
tests/oracles/test_forge_rft.py runs it over what this target writes). The prompt's building and
its messages' rules are rft_prompt.py's (shared with openai-rft), read with Forge's roles and
message keys (RULES). Each rule, its code:

    messages a non-empty list of objects         missing_field / wrong_type / empty_field
    a message's keys: role, content, tool_calls, tool_call_id        unrecognized_key
    role system, developer, user, assistant, bot, tool (any case)    unknown_role
    a system (developer) message only first                          system_not_first
    at least one user message                                        missing_user_message
    the last message not an assistant answer (the rollout is)        ends_with_assistant
    content a non-blank string, or a non-empty list of text / image_url parts
                                                                     empty_field / wrong_type
    reference_answer a non-blank string or a non-empty object  empty_reference_answer / wrong_type
    id a non-blank string                                            wrong_type / empty_field
    tools non-empty; type "function"; name, description non-blank; names unique and as OpenAI /
    Bedrock take them; parameters {"type": "object", "properties": {...}} bad_tool_definition
    id and tools in every record or in none (Forge's dataset check)   inconsistent_fields

100-20,000 prompts: min_train_records here, each model's maximum in models.py (rft-*).
"""
from __future__ import annotations

from tuneprep.transforms.targets import requests_bedrock, rft_prompt, tool_rules
from tuneprep.transforms.targets.base import all_or_none_problems

ROLES = ("system", "developer", "user", "assistant", "bot", "tool")   # Forge's RFTMessage
SYSTEM_ROLES = ("system", "developer")      # Forge reads developer as system
ANSWER_ROLES = ("assistant", "bot")
MESSAGE_KEYS = ("role", "content", "tool_calls", "tool_call_id")
RULES = rft_prompt.MessageRules(ROLES, MESSAGE_KEYS, ANSWER_ROLES, SYSTEM_ROLES,
                                system_first=True, any_case=True)
REFERENCE = rft_prompt.REFERENCE
WRITTEN_KEYS = ("messages", REFERENCE, "tools")   # what build writes besides the grader fields
# the optional fields Forge asks in every record or in none (OPTIONAL_FIELDS, less the
# reference answer, which this target requires)
ALL_OR_NONE = ("id", "tools")
MIN_PROMPTS = 100   # Bedrock RFT, any model: docs/sources/service-formats.md §1.7


class BedrockRFT(rft_prompt.PromptTarget):
    name = "bedrock-rft"
    kind = "rft"
    request_builder = requests_bedrock.BedrockRequest("REINFORCEMENT_FINE_TUNING")
    min_train_records = MIN_PROMPTS

    def prompt_problems(self, obj, ctx):
        problems = rft_prompt.messages_problems(obj.get("messages"), RULES)
        problems += rft_prompt.reference_problems(obj)
        if "id" in obj:
            problems += _id_problems(obj["id"])
        if "tools" in obj:
            problems += _tools_problems(obj["tools"])
        return problems

    def dataset_facets(self, obj) -> set[str]:
        return {key for key in ALL_OR_NONE if key in obj}

    def dataset_problems(self, facets: dict, ctx, records: int = 0) -> list[tuple[str, str]]:
        return all_or_none_problems(facets, records, ALL_OR_NONE, "Bedrock RFT")


def _id_problems(value) -> list[tuple[str, str]]:
    if not isinstance(value, str):
        return [("wrong_type", f"id is a {type(value).__name__}, not a string")]
    return [("empty_field", "id is empty")] if tool_rules.blank(value) else []


def _tools_problems(tools) -> list[tuple[str, str]]:
    if not isinstance(tools, list) or not tools:
        return [("bad_tool_definition", "tools is not a non-empty list of tool definitions")]
    problems, names = [], []
    for index, tool in enumerate(tools, 1):
        label = f"tool {index}"
        function = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(function, dict) or tool.get("type") != "function":
            problems.append(("bad_tool_definition", f'{label} is not {{"type": "function", '
                                                    f'"function": {{...}}}}'))
            continue
        names.append((label, function.get("name")))
        description = function.get("description")
        if not isinstance(description, str) or tool_rules.blank(description):
            problems.append(("bad_tool_definition", f"{label} has no description (Bedrock RFT "
                                                    "requires one)"))
        parameters = function.get("parameters")
        if not isinstance(parameters, dict) or parameters.get("type") != "object" or \
                not isinstance(parameters.get("properties"), dict):
            problems.append(("bad_tool_definition", f'{label}\'s parameters are not {{"type": '
                                                    f'"object", "properties": {{...}}}}'))
    return problems + tool_rules.name_problems(names)
