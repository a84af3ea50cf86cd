"""The README matches the code: its reason-code table is REASONS, and every target it names
exists."""
from __future__ import annotations

import re

from tests.conftest import REPO
from tuneprep.transforms.core.records import REASONS
from tuneprep.transforms.targets import TARGETS

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_reason_code_table_lists_every_code_with_its_meaning():
    section = README.split("### Reason codes", 1)[1].split("\n## ", 1)[0]
    rows = dict(re.findall(r"^\| `([a-z0-9_]+)` \| (.+?) \|$", section, re.M))
    assert list(rows) == list(REASONS)          # same codes, same (stable) order
    assert rows == REASONS


def test_every_target_has_an_example_and_every_example_target_exists():
    named = set(re.findall(r"--target ([a-z0-9-]+)", README))
    assert named <= set(TARGETS)
    assert set(TARGETS) <= named
