"""report.html's preference and RFT section (transforms/report/html_preferences.py): drawn only
when the run wrote such records, the chosen-longer share in words, field names escaped."""
from __future__ import annotations

import re

import pytest

from tests.helpers import rec
from tuneprep.transforms.core.preferences import PREFERENCES, REWARDS, Preference
from tuneprep.transforms.core.rft import Reference
from tuneprep.transforms.report import html
from tuneprep.transforms.sink.run_report import build_report
from tuneprep.transforms.steps import preference_stats as ps
from tuneprep.transforms.steps import stats as st

HEADING = "<h2>Preference and RFT data</h2>"


def page(records, trains_on) -> str:
    stats = st.new_stats()
    ps.add(stats, [ps.summary(r, trains_on) for r in records], 6.0)
    return html.render(build_report(stats, {}, {}, []), {}, None)


def test_pairs_show_how_often_chosen_is_longer():
    records = [rec([("user", "q")], preference=Preference((("assistant", c),),
                                                          (("assistant", r),)))
               for c, r in (("longer one", "short"), ("a", "bb"), ("cc", "dd"))]
    out = page(records, PREFERENCES)
    assert HEADING in out
    assert "chosen longer in 1 of 3 pairs (33.3%), 1 the same length" in out
    assert "Estimated tokens per chosen answer" in out and "RFT prompts" not in out


def test_rft_grader_fields_are_listed_escaped():
    records = [rec([("user", "q")], tools=[object()] if i == 0 else None,
                   reference=Reference("42", "answer", {"<script>x</script>": i, "task": "t"}))
               for i in range(4)]
    out = page(records, REWARDS)
    assert "4 RFT prompts written with their reference answer; 1 (25.0%) carry tools" in out
    assert "<script>" not in out and "<code>&lt;script&gt;x&lt;/script&gt;</code>" in out
    assert '<code>task</code></td><td class="n">4</td>' in out


def test_no_section_without_such_records():
    assert HEADING not in page([rec([("user", "q"), ("assistant", "a")])], PREFERENCES)


def test_the_chosen_and_rejected_charts_share_one_scale():
    """3 short chosen answers and 1 short rejected one: the rejected bar is a third as tall."""
    records = [rec([("user", "q")], preference=Preference((("assistant", "c" * 10),),
                                                          (("assistant", r),)))
               for r in ("r" * 10, "r" * 4000, "r" * 4000)]
    out = page(records, PREFERENCES)
    heights = re.findall(r'height="([\d.]+)" rx="2" fill="[^"]+"><title>≤64: (\d)', out)
    assert [(float(h), int(n)) for h, n in heights] == [(148.0, 3), (pytest.approx(49.3, 0.1), 1)]
