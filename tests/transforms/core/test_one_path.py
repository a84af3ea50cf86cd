"""One per-record path (issue 23, item 2): every record of every adapter and target goes through
the same chain (steps/process.py: adapt -> media -> format -> check); no lane builds output of its
own, and no module outside the chain, its adapters and its targets formats or adapts a record
(inspect, validate, the dry run and the launch check hand theirs to the chain). The adapters'
shortcuts for the plain case (no optional keys, text fields as strings) are checked against
their general readers: the same record written with an optional key set to null (which the
general readers read as absent) must come out exactly the same."""
from __future__ import annotations

import ast
import importlib.util
import pathlib

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tuneprep.transforms.adapters import ADAPTERS
from tuneprep.transforms.steps.batching import Batch
from tuneprep.transforms.core.config import RunConfig
from tuneprep.transforms.steps.process import BatchProcessor
from tuneprep.transforms.io.readers import RawItem, read_items
from tuneprep.transforms.targets import TARGETS

from tests.helpers import SAMPLES

CORE = pathlib.Path(BatchProcessor.__call__.__code__.co_filename).parent
PAIRS = [(adapter, target) for adapter in ("alpaca", "dolly")
         for target in ("bedrock-text", "sagemaker-instruction", "bedrock-multi-turn",
                        "openai-chat")]
OPTIONS = [{}, {"validation_split": 0.5}, {"max_tokens": 6, "chars_per_token": 2.0},
           {"model": "titan-text-lite"}]

texts = st.sampled_from(["", " ", "\n", "Question", "  padded  ", "é ü", "a\u2028b",
                         "x" * 40]) | st.text(max_size=20)
field_values = texts | st.none() | st.integers(-5, 5) | st.booleans() | st.lists(texts,
                                                                                  max_size=2)
KEYS = ["instruction", "input", "output", "context", "response", "system", "history",
        "category", "text"]
# near the plain case (so the shortcuts take many of them) and anything else
nearly_plain = st.fixed_dictionaries(
    {"instruction": texts, "output": texts, "response": texts},
    optional={"input": texts | st.none() | st.integers(0, 3), "context": texts | st.none(),
              "system": st.none() | texts, "history": st.none() | st.just([]),
              "category": field_values})
records = nearly_plain | st.dictionaries(st.sampled_from(KEYS), field_values, max_size=6)


def processed(values, adapter, target, **options):
    cfg = RunConfig(target=target, output="mem://out", **options)
    items = [RawItem(i + 1, v) for i, v in enumerate(values)]
    return BatchProcessor(cfg)(Batch(0, 0, "mem://in/a.jsonl", None, adapter, items))


def same_outcome(a, b):
    assert a.lines.get("train") == b.lines.get("train")
    assert a.lines.get("validation") == b.lines.get("validation")
    assert a.sources == b.sources
    assert [orjson.loads(d)["message"] for d in a.lines.get("dead_letter", [])] == \
        [orjson.loads(d)["message"] for d in b.lines.get("dead_letter", [])]
    assert a.stats == b.stats


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.lists(records, min_size=1, max_size=8), pair=st.sampled_from(PAIRS),
       options=st.sampled_from(OPTIONS), key=st.sampled_from(["history", "system", "images",
                                                              "tools", "chosen", "label"]))
def test_the_plain_case_comes_out_as_the_general_readers_write_it(values, pair, options, key):
    """A null optional key sends a record past the adapter's plain-case shortcut to the
    readers of every optional part; nothing written, refused or counted may differ."""
    # (a record without "instruction" might hold no adapter key but the null one: its refusal
    # names the keys found, so it is left as it is)
    with_null = [{**v, key: None} if key not in v and "instruction" in v else v
                 for v in values]
    same_outcome(processed(values, *pair, **options), processed(with_null, *pair, **options))


def test_the_sample_corpus_comes_out_as_the_general_readers_write_it():
    values = [item.value for item in read_items(str(SAMPLES / "alpaca_sample.jsonl"))]
    for target in ("bedrock-text", "sagemaker-instruction"):
        plain = processed(values, "alpaca", target, validation_split=0.1)
        same_outcome(plain, processed([{**v, "history": None} if isinstance(v, dict) else v
                                            for v in values], "alpaca",
                                      target, validation_split=0.1))
        assert len(plain.lines["train"]) > 50


def test_there_is_no_fast_lane_module_or_switch():
    assert importlib.util.find_spec("tuneprep.transforms.core.fast_lanes") is None
    assert "fast_lanes" not in BatchProcessor.__init__.__code__.co_varnames


def branched_on(source: str) -> set[str]:
    """The strings a module compares something with (==, !=, in, match/case), or looks up in a
    registry by (TARGETS["x"], get_target("x"), ...): the names it branches on. (A string that
    only happens to equal an adapter's name, such as a content block's "text", is no branch.)"""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
        elif isinstance(node, ast.MatchValue):
            operands = [node.value]
        elif isinstance(node, ast.Subscript):
            operands = [node.slice]
        elif isinstance(node, ast.Call):
            operands = list(node.args)
            if not (isinstance(node.func, ast.Name) and node.func.id.startswith("get_")):
                continue
        else:
            continue
        for operand in operands:
            for leaf in ast.walk(operand):
                if isinstance(leaf, ast.Constant) and isinstance(leaf.value, str):
                    found.add(leaf.value)
    return found


def test_the_per_record_steps_name_no_target_or_adapter():
    """core/ (the per-record chain and what feeds it) holds no branch on a target or an
    adapter: a target's and an adapter's rules live in their own modules."""
    # "text" is the text adapter's name and also the content block every chat format has, which
    # core/shape_rules.py compares with: that is no branch on the adapter.
    names = (set(TARGETS) | set(ADAPTERS)) - {"text"}
    for module in sorted(CORE.glob("*.py")):
        source = module.read_text()
        assert not branched_on(source) & names, (module.name, branched_on(source) & names)
        assert "target.name" not in source and ".adapter ==" not in source, module.name


def test_a_branch_on_a_target_or_adapter_is_found():
    planted = ('if cfg.target == "bedrock-text": pass\n'
               'x = kind in ("alpaca", "dolly")\n'
               'match name:\n    case "openai-chat": pass\n'
               'y = TARGETS["sagemaker-instruction"]\n'
               'z = get_adapter("sharegpt")\n'
               'def f(taken="text"): return {"text": 1}\n')
    assert branched_on(planted) & (set(TARGETS) | set(ADAPTERS)) == {
        "bedrock-text", "alpaca", "dolly", "openai-chat", "sagemaker-instruction", "sharegpt"}


# --- no second formatting path: only the chain formats and adapts records -------------------

REPO = CORE.parents[1]
# the chain itself (not the other steps: they feed it or count what it gives), and the adapters
# and targets it calls
CHAIN_HOME = ("transforms/steps/process.py", "transforms/targets/", "transforms/adapters/")
ADAPT = {"normalize", "normalizer"}
FORMAT = {"format", "build"}


def _names(node) -> set[str]:
    """The identifiers an expression is made of (x.target, TARGETS[n], get_target(n), ...)."""
    return {n.id if isinstance(n, ast.Name) else n.attr for n in ast.walk(node)
            if isinstance(n, (ast.Name, ast.Attribute))}


def second_paths(source: str) -> list[tuple[int, str]]:
    """(line, what) of each place a module formats or adapts a record itself: a target's
    format()/build() (a receiver named after a target, or a call taking (record, ctx) as
    str.format is never given), an adapter's normalize/normalizer (imported from the adapters,
    or reached through an adapters module or an adapter)."""
    tree = ast.parse(source)
    modules = set()   # names bound to an adapters module
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and "adapters" in (node.module or ""):
            found += [(node.lineno, f"imports {a.name}") for a in node.names if a.name in ADAPT]
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            modules |= {a.asname or a.name for a in node.names
                        if a.name.split(".")[-1] == "adapters" or "adapters" in a.name
                        and isinstance(node, ast.Import)}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        names = {n.lower() for n in _names(node.value)}
        if node.attr in ADAPT and (any("adapter" in n for n in names)
                                   or isinstance(node.value, ast.Name)
                                   and node.value.id in modules):
            found.append((node.lineno, f"{node.attr} of an adapter"))
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in FORMAT):
            continue
        receiver = node.func.value
        if isinstance(receiver, ast.Constant):   # "…{}".format(...)
            continue
        if any("target" in n.lower() for n in _names(receiver)) or \
                len(node.args) == 2 and not node.keywords:
            found.append((node.lineno, f"{node.func.attr}() of a target"))
    return sorted(found)


def outside_the_chain() -> list[pathlib.Path]:
    modules = [p for folder in ("pipelines", "transforms", "tuneprep")
               for p in (REPO / folder).rglob("*.py") if "__pycache__" not in p.parts]
    return [p for p in modules
            if not p.relative_to(REPO).as_posix().startswith(CHAIN_HOME)]


def test_no_module_outside_the_chain_formats_or_adapts_a_record():
    """inspect, validate, dry run and the launch check hand their records to the chain
    (BatchProcessor); none formats or normalizes one itself (issue 23: one per-record path)."""
    modules = outside_the_chain()
    assert len(modules) > 80 and REPO / "pipelines" / "inspect_cmd.py" in modules
    breaches = [f"{p.relative_to(REPO)}:{line}: {what}" for p in modules
                for line, what in second_paths(p.read_text(encoding="utf-8"))]
    assert breaches == []


def test_a_second_formatting_path_is_found():
    """Each way of formatting or adapting a record outside the chain is seen (the old copies in
    validate_findings.py and inspect_cmd.py among them), str.format is not; and the chain's own
    module, scanned, shows its calls: the guard cannot pass for want of seeing code."""
    planted = ("from tuneprep.transforms.adapters import normalize, ADAPTERS\n"      # 1
               "from tuneprep.transforms import adapters as ad\n"                     # 2
               "import tuneprep.transforms.adapters\n"                                # 3
               "record = normalize(value, adapter, Source(uri, 1), cfg.adapter)\n"    # 4
               "objs = target.format(record, ctx)\n"                                  # 5
               "objs = TARGETS[name].build(record, ctx)\n"                            # 6
               "objs = get_target(cfg.target).format(record, ctx)\n"                  # 7
               "f = ad.normalizer(name, opts)\n"                                      # 8
               "g = ADAPTERS[name].normalize(value, source, opts)\n"                  # 9
               "objs = t.format(rec, ctx)\n"                                          # 10
               "s = 'a {} b'.format(1, 2) + _SHARD.format(index=1, count=2)\n"        # 11
               "h = tuneprep.transforms.adapters.normalize\n")                        # 12
    assert [line for line, _ in second_paths(planted)] == [1, 5, 6, 7, 8, 9, 10, 12]
    chain = second_paths((CORE / "process.py").read_text(encoding="utf-8"))
    assert {what for _, what in chain} >= {"imports normalizer", "format() of a target"}
