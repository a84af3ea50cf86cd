"""`tuneprep grade`'s report: the reward spread (min, median, max, a histogram), the results
that are not the documented shape, the exceptions (type and first line, counted, the first
records that raised each), timeouts, crashes, the records not sent, the time per call; and the
exit code (0 only when every record sampled got a valid reward). Pure Python."""
from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict

from tuneprep.transforms.core.reward_envelope import result_problem

SHOWN = 3          # the first records shown for each problem
BUCKETS = 5        # the histogram's bars
BAR = 30           # the longest bar, in characters


def classify(sample, outcome: dict | None) -> tuple[str, object]:
    """(kind, detail) of one sampled record: ("reward", score), ("bad_result", why),
    ("exception", (type, first line, where)), ("timeout", ""), ("crash", note),
    ("not_sent", why)."""
    if sample.not_sent:
        return "not_sent", sample.not_sent
    for kind in ("timeout", "crash"):
        if kind in outcome:
            return kind, outcome[kind]
    if "exception" in outcome:
        return "exception", (outcome["exception"], outcome["message"], outcome["where"])
    if "unserializable" in outcome:
        return "bad_result", f"the result cannot be sent as JSON: {outcome['unserializable']}"
    problem = result_problem(outcome["result"], sample.sample_id)
    if problem:
        return "bad_result", problem
    return "reward", outcome["result"][0]["aggregate_reward_score"]


def _n(value: float) -> str:
    return f"{value:.4g}"


# the failures in the last line: kind, one, many
_NAMES = (("bad_result", "bad result", "bad results"), ("exception", "exception", "exceptions"),
          ("timeout", "timeout", "timeouts"), ("crash", "crash", "crashes"),
          ("not_sent", "not sent", "not sent"))


def histogram(rewards: list[float]) -> list[str]:
    lo, hi = min(rewards), max(rewards)
    if lo == hi:
        return [f"  {_n(lo):>17}  {'#' * min(BAR, len(rewards))} {len(rewards)}"]
    width = (hi - lo) / BUCKETS
    counts = Counter(min(BUCKETS - 1, int((r - lo) / width)) for r in rewards)
    top = max(counts.values())
    lines = []
    for b in range(BUCKETS):
        low, high = lo + b * width, (hi if b == BUCKETS - 1 else lo + (b + 1) * width)
        bar = "#" * math.ceil(BAR * counts[b] / top) if counts[b] else ""
        closing = "]" if b == BUCKETS - 1 else ")"
        lines.append(f"  [{low:>7.3g}, {high:>7.3g}{closing}  {bar} {counts[b]}")
    return lines


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _records(where: list[str]) -> str:
    more = f" (and {len(where) - SHOWN} more)" if len(where) > SHOWN else ""
    return ", ".join(where[:SHOWN]) + more


def _shown(details: list[tuple[str, str]]) -> list[str]:
    lines = [f"  {at}: {why}" for at, why in details[:SHOWN]]
    if len(details) > SHOWN:
        lines.append(f"  (and {len(details) - SHOWN} more)")
    return lines


def report(file: str, graded: list[tuple[object, dict | None]],
           timeout: float) -> tuple[list[str], int]:
    """The report's lines for the sampled records and their outcomes, and the exit code."""
    kinds: dict[str, list] = defaultdict(list)
    seconds = []
    for sample, outcome in graded:
        kind, detail = classify(sample, outcome)
        at = f"{file}:{sample.line}" + (f" (id {sample.sample_id})" if sample.sample_id
                                        and sample.sample_id != f"line-{sample.line}" else "")
        kinds[kind].append((at, detail))
        if outcome and kind not in ("timeout", "crash"):
            seconds.append(outcome["seconds"])
    lines = _spread([score for _, score in kinds["reward"]])
    if kinds["bad_result"]:
        lines += [f"results not in the documented shape: {len(kinds['bad_result'])}",
                  *_shown(kinds["bad_result"])]
    if kinds["exception"]:
        lines += [f"exceptions: {len(kinds['exception'])}", *_exceptions(kinds["exception"])]
    if kinds["timeout"]:
        lines += [f"timed out (over {timeout:g} s): {len(kinds['timeout'])}: "
                  + _records([at for at, _ in kinds["timeout"]])]
    if kinds["crash"]:
        lines += [f"the handler's process died: {len(kinds['crash'])}",
                  *_shown([(at, f"ended{note}") for at, note in kinds["crash"]])]
    if kinds["not_sent"]:
        lines += [f"records not sent: {len(kinds['not_sent'])}", *_shown(kinds["not_sent"])]
    if seconds:
        lines.append(f"time per call: median {statistics.median(seconds) * 1000:.3g} ms, "
                     f"p95 {percentile(seconds, 0.95) * 1000:.3g} ms ({len(seconds)} calls)")
    failed = len(graded) - len(kinds["reward"])
    if not failed:
        return lines + [f"every one of {len(graded)} calls returned a valid reward"], 0
    why = ", ".join(f"{len(kinds[k])} {one if len(kinds[k]) == 1 else many}"
                    for k, one, many in _NAMES if kinds[k])
    return lines + [f"{failed} of {len(graded)} records got no valid reward ({why})"], 1


def _spread(rewards: list[float]) -> list[str]:
    if not rewards:
        return ["rewards: none valid"]
    return [f"rewards: {len(rewards)} valid; min {_n(min(rewards))}, median "
            f"{_n(statistics.median(rewards))}, max {_n(max(rewards))}", *histogram(rewards)]


def _exceptions(raised: list[tuple[str, tuple]]) -> list[str]:
    groups: dict[tuple, list[str]] = defaultdict(list)
    for at, key in raised:
        groups[key].append(at)
    return [f"  {len(ats)} x {kind}: {message} (at {where}); records: {_records(ats)}"
            for (kind, message, where), ats in sorted(groups.items(), key=lambda g: -len(g[1]))]
