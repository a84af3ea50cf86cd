"""A too_long message states how the character limit comes from the token limit: the tokens,
the characters they make at the chars/token rate, and the margin kept free (issue 17, item 3)."""
from __future__ import annotations

import dataclasses

import pytest

from tuneprep.transforms.targets import check_limits, get_target
from tuneprep.transforms.core.context import TargetContext

if "max_tokens" not in {f.name for f in dataclasses.fields(TargetContext)}:
    pytest.skip("TargetContext names no token limit here (max_tokens comes with the token "
                "counting work)", allow_module_level=True)


def test_too_long_states_the_margin():
    target = get_target("bedrock-text")
    obj = {"prompt": "x" * 11_000, "completion": "y" * 1_000}
    ctx = TargetContext(max_chars=10_800, chars_per_token=6.0, max_tokens=2_000)
    [(reason, message)] = check_limits(target, obj, ctx)
    assert reason == "too_long"
    assert message == ("record has 12,000 characters (about 2,000 tokens at 6 chars/token); the "
                       "limit is 10,800 characters (limit 2,000 tokens ≈ 12,000 characters at 6 "
                       "characters a token, less the 10% margin)")


def test_no_margin_is_said_so():
    target = get_target("bedrock-text")
    ctx = TargetContext(max_chars=20, chars_per_token=2.0, max_tokens=10)
    [(_, message)] = check_limits(target, {"prompt": "p" * 100, "completion": "c"}, ctx)
    assert message.endswith("the limit is 20 characters (limit 10 tokens ≈ 20 characters at 2 "
                            "characters a token, no margin)")
