"""Helpers the target tests share: format a record and check every object it gives passes the
target's own rules, expect a format-stage dead letter, and list the reasons a written object
breaks. CTX (an empty TargetContext) is the default context; pass ctx for a model's rules."""
import orjson
import pytest

from transforms.records import FORMAT, RecordError
from transforms.targets import get_target
from transforms.targets.context import TargetContext

CTX = TargetContext()


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
