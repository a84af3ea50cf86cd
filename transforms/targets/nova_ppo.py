"""nova-ppo: Amazon Nova proximal policy optimization (SageMaker AI Nova recipes), one
conversation a line:

    {"turns": [str, ...], "turns_to_mask": [int, ...], "reward_category": str, "meta_data"?: {}}

Source: the SageMaker Nova PPO page (model_sources._NOVA_PPO): turns are the dialogue's strings
in order (system prompt, user messages, bot responses; its conversation example writes a user
message as "User: ... Bot:", marking where the model's output begins, and so does this target);
turns_to_mask the 0-based indices of the turns that get no gradient update ("always mask index
0" when it is a system prompt, "always mask user turns": the system and user turns are masked,
the bot responses trained on); reward_category picks the reward model: default, math, coding,
if, rag or rai; meta_data an optional object (not written: the source's other fields are
reported as not written).

It takes a conversation (Record.turns + system: text only, no tool use or reasoning) that holds
a user turn; it may end with a user turn (a prompt the policy answers) or a bot response. The
reward category is a source field, "reward_category" (--field-map reward_category=KEY names
another), passed through; a record without one of the six values is refused, never guessed.
No AWS validator checks this format; each rule, its code:

    turns a non-empty list of non-blank strings       missing_field / wrong_type / empty_field
    turns_to_mask a list of integers, each a turn's index     missing_field / wrong_type /
                                                              invalid_record
    reward_category one of the six                               bad_reward_category
    meta_data an object                                           wrong_type
    no other key [own: the page names these four]                 invalid_record
"""
from __future__ import annotations

from tuneprep.transforms.targets import requests_nova_recipes
from tuneprep.transforms.targets.base import Target, fail, split_system

CATEGORY = "reward_category"
CATEGORIES = ("default", "math", "coding", "if", "rag", "rai")
KEYS = ("turns", "turns_to_mask", CATEGORY, "meta_data")
MASKED = ("system", "user")


def user_turn(text: str) -> str:
    """A user message as the page's conversation example writes it."""
    return f"User: {text} Bot:"


class NovaPPO(Target):
    name = "nova-ppo"
    kind = "nova-ppo"
    request_builder = requests_nova_recipes.PPO

    def build(self, record, ctx):
        category = record.fields.get(CATEGORY)
        if category not in CATEGORIES:
            fail("bad_reward_category", _category_message(category))
        system, turns = split_system(record)
        written, mask = ([system], [0]) if system else ([], [])
        for role, text in turns:
            if role not in ("user", "assistant"):
                fail("unknown_role", f"a turn has the role {role!r}; {self.name} writes system, "
                                     "user and assistant turns")
            if role in MASKED:
                mask.append(len(written))
            written.append(user_turn(text) if role == "user" else text)
        if not any(role == "user" for role, _ in turns):
            fail("missing_user_message", "the conversation has no user turn")
        return [{"turns": written, "turns_to_mask": mask, CATEGORY: category}]

    def writes_field(self, name, ctx):
        return name == CATEGORY

    def check(self, obj, ctx):
        if not isinstance(obj, dict):
            return [("invalid_record", f"the record is a JSON {type(obj).__name__}, not an object")]
        unknown = sorted(set(obj) - set(KEYS))
        problems = [("invalid_record", f"the record has the keys {', '.join(unknown)}; known: "
                                       f"{', '.join(KEYS)}")] if unknown else []
        turns = obj.get("turns")
        turn_problems = _turns_problems(turns)
        # (indices are checked against turns that could be read)
        problems += turn_problems + _mask_problems(obj.get("turns_to_mask"), None if
                                                   turn_problems else len(turns))
        if obj.get(CATEGORY) not in CATEGORIES:
            problems.append(("bad_reward_category", _category_message(obj.get(CATEGORY))))
        if "meta_data" in obj and not isinstance(obj["meta_data"], dict):
            problems.append(("wrong_type", f"meta_data is a {type(obj['meta_data']).__name__}, "
                                           "not an object"))
        return problems

    def measure(self, obj) -> int:
        return sum(map(len, self.texts(obj)))

    def texts(self, obj) -> list[str]:
        turns = obj.get("turns") if isinstance(obj, dict) else None
        return [t for t in (turns if isinstance(turns, list) else ()) if isinstance(t, str)]


def _category_message(value) -> str:
    given = "no reward_category" if value is None else f"the reward_category {value!r}"
    return (f"the record has {given}; Nova PPO takes one of {', '.join(CATEGORIES)} "
            "(--field-map reward_category=KEY names the source field holding it)")


def _turns_problems(turns) -> list[tuple[str, str]]:
    if turns is None:
        return [("missing_field", "the record has no turns")]
    if not isinstance(turns, list):
        return [("wrong_type", f"turns is a {type(turns).__name__}, not a list of strings")]
    if not turns:
        return [("empty_field", "turns is empty")]
    for index, turn in enumerate(turns):
        if not isinstance(turn, str):
            return [("wrong_type", f"turn {index} is a {type(turn).__name__}, not a string")]
        if not turn.strip():
            return [("empty_field", f"turn {index} is empty")]
    return []


def _mask_problems(mask, turns: int | None) -> list[tuple[str, str]]:
    if mask is None:
        return [("missing_field", "the record has no turns_to_mask")]
    if not isinstance(mask, list) or any(type(i) is not int for i in mask):
        return [("wrong_type", "turns_to_mask is not a list of integers")]
    outside = [i for i in mask if turns is not None and not 0 <= i < turns]
    if outside:
        return [("invalid_record", f"turns_to_mask holds {outside[0]}, not the index of one of "
                                   f"the {turns} turns (0-based)")]
    return []
