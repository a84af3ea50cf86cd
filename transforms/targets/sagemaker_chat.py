"""sagemaker-chat: SageMaker JumpStart chat fine-tuning (chat_dataset="True"),
{"dialog": [{"role": "system"?, ...}, {"role": "user", "content"}, {"role": "assistant", ...}]}:
an optional leading system turn, then user/assistant turns that alternate, start with user and
end with assistant. Source: docs/sources/service-formats.md §3.4 ([3rd]; the Llama chat convention)."""
from __future__ import annotations

from tuneprep.transforms.targets.base import Target, exact_keys
from tuneprep.transforms.targets.conversation import (clean_turns, order_problems, role_problem,
                                                      string_content_problem)
from tuneprep.transforms.targets.requests_sagemaker import JumpStartRequest


class SagemakerChat(Target):
    name = "sagemaker-chat"
    kind = "chat"
    request_builder = JumpStartRequest(chat_dataset=True)

    def build(self, record, ctx):
        system, turns = clean_turns(record, ctx)
        dialog = [{"role": "system", "content": system}] if system else []
        dialog += [{"role": role, "content": content} for role, content in turns]
        return [{"dialog": dialog}]

    def check(self, obj, ctx):
        problems = exact_keys(obj, {"dialog"})
        if problems:
            return problems
        dialog = obj["dialog"]
        if not isinstance(dialog, list):
            return [("invalid_record", "dialog is not a list")]
        roles = []
        for position, turn in enumerate(dialog, 1):
            if not isinstance(turn, dict):
                problems.append(("invalid_record", f"turn {position} is not an object"))
                roles.append(None)
                continue
            problems += [(reason, f"turn {position}: {text}")
                         for reason, text in exact_keys(turn, {"role", "content"})]
            role = turn.get("role")
            if not (position == 1 and role == "system") and "role" in turn:
                problem = role_problem(role, position, "only the first turn may be system")
                problems += [problem] if problem else []
            problem = string_content_problem(turn, "turn", position)
            problems += [problem] if problem else []
            roles.append(role)
        if roles and roles[0] == "system":
            roles = roles[1:]
        if len(roles) < 2:
            problems.append(("invalid_record", f"dialog holds {len(roles)} user/assistant "
                                               f"turns; at least 2 are needed"))
        return problems + order_problems(roles)
