"""Helpers the target tests share: format a record and check every object it gives passes the
target's own rules, expect a format-stage dead letter, and list the reasons a written object
breaks. CTX (an empty TargetContext) is the default context; pass ctx for a model's rules."""
import orjson
import pytest

from tuneprep.transforms.core.records import FORMAT, Record, RecordError, Source
from tuneprep.transforms.targets import get_target
from tuneprep.transforms.targets.context import TargetContext

CTX = TargetContext()


def rec(turns=(), **kwargs):
    """A canonical record with these (role, content) turns and any other fields."""
    return Record(Source("mem://t.jsonl", 1), turns=list(turns), **kwargs)


# role-order problems every conversation target refuses, each with its own reason
ROLE_ORDER_CASES = [
    (rec([("user", "a"), ("user", "b"), ("assistant", "c")]), "consecutive_roles"),
    (rec([("assistant", "x"), ("user", "a"), ("assistant", "b")]), "starts_with_assistant"),
    (rec([("user", "a"), ("assistant", "b"), ("user", "c")]), "ends_with_user"),
    (rec([("user", "a"), ("system", "s"), ("assistant", "b")]), "system_not_first"),
    (rec([("user", "a"), ("tool", "t"), ("assistant", "b")]), "tool_turn"),
    (rec(text="a document"), "not_a_conversation"),
]


def formatted(name, record, ctx=CTX):
    """The target's objects for the record, each checked by validate and validate_line."""
    target = get_target(name)
    objs = target.format(record, ctx)
    for obj in objs:
        assert target.validate(obj, ctx) == []
        assert target.validate_line(orjson.dumps(obj), ctx) == []
    return objs


def reason(name, record, ctx=CTX):
    """The reason the target refuses the record with (a RecordError at the format stage)."""
    with pytest.raises(RecordError) as error:
        get_target(name).format(record, ctx)
    assert error.value.stage == FORMAT
    return error.value.reason


def reasons(name, obj, ctx=CTX):
    """The reasons of every rule the written object breaks ([] when it is fine)."""
    return [r for r, _ in get_target(name).validate(obj, ctx)]
