"""openai-rft: OpenAI-compatible reinforcement fine-tuning prompts (OpenAI's RFT; also read by
Azure AI Foundry), one JSON object a line:

    {"messages": [{"role", "content"}, ...], "tools"?: [...], "reference_answer": ...,
     ...every other field of the source, untouched}

Sources, each rule beside its own:
- OpenAI's RFT guide (developers.openai.com/api/docs/guides/reinforcement-fine-tuning): a
  training file of prompts in the chat format; "Input messages may contain text or image content
  only. Audio and file input messages are not currently supported".
- OpenAI's graders guide (developers.openai.com/api/docs/guides/graders, "Item namespace"): the
  grader reads each dataset item's fields as {{ item.<key> }}, its example the reference answer
  as {{ item.reference_answer }}. So `messages` and `tools` are the prompt and every other key is
  the grader's: the reference answer is written as "reference_answer" (what bedrock-rft writes,
  so one grader template serves both), the other fields as the source gave them.
- The OpenAPI schema (FineTuneReinforcementRequestInput: "messages", "tools"; message roles
  developer, system, user, assistant, tool).
- Azure AI Foundry's RFT page (learn.microsoft.com/azure/foundry/openai/how-to/
  reinforcement-fine-tuning, "Requirements": "Assign the final message in the data a user role")
  is stricter than OpenAI's: its variant is the target openai-rft-azure, a second registry row
  rather than an option, because the rule is the service's, not the user's choice, and a row
  is what `validate --target`, `targets` and the launcher's checks read with no new plumbing.

Each rule, its code (the messages' rules are rft_prompt.py's, shared with bedrock-rft):

    messages a non-empty list of objects              missing_field / wrong_type / empty_field
    a message's keys: role, content, name, tool_calls, tool_call_id      unrecognized_key
    role system, developer, user, assistant, tool                         unknown_role
    content a non-blank string or text / image_url parts only    empty_field / wrong_type
    at least one user message [tuneprep: a prompt answers a user]        missing_user_message
    the last message not an assistant answer (the model writes it)        ends_with_assistant
    openai-rft-azure: the last message a user turn                        last_not_user
    reference_answer, when given, a non-blank string or a non-empty object
                                                      empty_reference_answer / wrong_type
    tools and tool use as openai-chat writes them        bad_tool_definition, bad_tool_call, ...

`run` writes a record only with a reference answer (an RFT prompt read by the prompt-answer
adapter), as bedrock-rft does; `validate` takes a file whose graders read other fields. OpenAI's
"at least 10 examples" holds for every fine-tuning method (openai-chat's minimum). OpenAI
models are not in the catalogue (as the other openai-* targets).
"""
from __future__ import annotations

from tuneprep.transforms.targets import requests_openai, rft_prompt
# openai-chat's tool rules, as its checks apply them (the same tool definitions and calls)
from tuneprep.transforms.targets.openai_chat import (OpenAIChat, _tool_use_problems,
                                                     _tools_problems)

RULES = rft_prompt.MessageRules(
    roles=("system", "developer", "user", "assistant", "tool"),
    keys=("role", "content", "name", "tool_calls", "tool_call_id"))


class OpenAIRFT(rft_prompt.PromptTarget):
    name = "openai-rft"
    kind = "openai-rft"
    request_builder = requests_openai.REINFORCEMENT
    min_train_records = OpenAIChat.min_train_records
    last_user = False       # Azure's reading: the last message a user turn

    def prompt_problems(self, obj, ctx):
        messages = obj.get("messages")
        problems = rft_prompt.messages_problems(messages, RULES)
        last = messages[-1] if isinstance(messages, list) and messages else None
        # an answer last is ends_with_assistant already: one reason a rule
        if self.last_user and isinstance(last, dict) and \
                last.get("role") not in RULES.answer_roles + ("user",):
            problems.append(("last_not_user", f"the last message is a {last.get('role')} "
                                              f"message; {self.name} takes prompts ending with a "
                                              "user turn"))
        if rft_prompt.REFERENCE in obj:
            problems += rft_prompt.reference_problems(obj)
        defined = None
        if "tools" in obj:
            tool_problems, defined = _tools_problems(obj["tools"])
            problems += tool_problems
        if isinstance(messages, list) and any(
                isinstance(m, dict) and ("tool_calls" in m or m.get("role") == "tool")
                for m in messages):
            problems += _tool_use_problems(messages, defined)
        return problems


class OpenAIRFTAzure(OpenAIRFT):
    name = "openai-rft-azure"
    last_user = True
