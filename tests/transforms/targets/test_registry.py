"""The target registry (transforms/targets/__init__.py TARGETS) is the one list of targets: no
module outside transforms/targets/ spells a target's name in code, and a new target is one
class plus one registry row, which `tuneprep run` and `tuneprep targets` take with no other
change (issue 23, item 4)."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import orjson
import pytest

from tests.helpers import REPO, SAMPLES, check_accounting, check_counts, read_json, read_jsonl
from tuneprep.pipelines.cli import main
from tuneprep.pipelines.options import UsageError
from tuneprep.pipelines.setting_checks import check_media_bucket_owner, check_template_target
from tuneprep.transforms.core.layout import TRAINING_REQUEST
from tuneprep.transforms.targets import TARGETS, names_where, target_kinds
from tuneprep.transforms.targets.base import Target, exact_keys, exchange, non_empty_string
from tuneprep.transforms.targets.request_parts import finish, s3_uri

SOURCES = ("transforms", "pipelines")
TARGETS_PACKAGE = REPO / "transforms" / "targets"


def _docstrings(tree) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _help_texts(tree) -> set[int]:
    """The string parts of every help= argument (prose for people, which may name targets)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "help":
            found |= {id(part) for part in ast.walk(node.value)}
    return found


def _input_format_names(tree) -> set[int]:
    """The name of each input format (Adapter(NAME, ...)): another namespace, where a format a
    target writes is read back under the same name (nova-dpo)."""
    return {id(node.args[0]) for node in ast.walk(tree) if isinstance(node, ast.Call)
            and getattr(node.func, "id", None) == "Adapter" and node.args}


def name_spellings(path: Path, names) -> list[str]:
    """The target names `path` spells in code: in a string value that is neither a docstring
    nor an option's help text (comments are not code), or a string that is a names' common
    prefix ("bedrock-": a branch on a family of names)."""
    spelt = re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, names)) + r")(?![\w-])")
    prefixes = {name[:i + 1] for name in names for i, c in enumerate(name) if c == "-"}
    tree = ast.parse(path.read_text(encoding="utf-8"))
    allowed = _docstrings(tree) | _help_texts(tree) | _input_format_names(tree)
    strings = [node for node in ast.walk(tree) if isinstance(node, ast.Constant)
               and isinstance(node.value, str) and id(node) not in allowed]
    found = [(node.lineno, match) for node in strings for match in spelt.findall(node.value)]
    found += [(node.lineno, node.value) for node in strings if node.value in prefixes]
    return [f"{path.name}:{line}: {name!r}" for line, name in sorted(found)]


def test_no_module_outside_the_targets_spells_a_target_name():
    checked, found = 0, []
    for folder in SOURCES:
        for path in sorted((REPO / folder).rglob("*.py")):
            if TARGETS_PACKAGE not in path.parents:
                checked += 1
                found += [f"{path.parent.relative_to(REPO)}/{hit}"
                          for hit in name_spellings(path, TARGETS)]
    assert checked > 100, "the walk found too few modules"
    assert found == [], "read the target's declared capability (targets/base.py) instead"


def test_the_check_finds_a_name_in_code_only(tmp_path):
    sample = tmp_path / "m.py"
    sample.write_text('"""Writes bedrock-text lines."""\n'            # docstring: prose
                      'A = "bedrock-text"\n'
                      'B = name.startswith("openai-chat")\n'
                      'C = f"--template is for sagemaker-instruction, not {x}"\n'
                      'p.add_argument("--x", help="bedrock-conversation: the owner")\n'
                      'D = "bedrock-conversation-2024"  # an input marker, not the target\n'
                      'E = "bedrock-"\n'
                      'F = Adapter("bedrock-text", KEYS)  # an input format\'s own name\n'
                      'G = Adapter(name="x", keys=("bedrock-text",))\n', encoding="utf-8")
    assert name_spellings(sample, TARGETS) == [
        "m.py:2: 'bedrock-text'", "m.py:3: 'openai-chat'", "m.py:4: 'sagemaker-instruction'",
        "m.py:7: 'bedrock-'", "m.py:9: 'bedrock-text'"]


def test_every_registry_row_is_a_whole_target():
    """Each row declares what the rest of tuneprep reads of it: its name (the --target), a kind,
    what it reads of the Record, its layout and its training request."""
    for name, target in TARGETS.items():
        assert isinstance(target, Target) and target.name == name
        assert target.kind in target_kinds()
        assert target.reads in ("exchange", "conversation", "document", "image"), name
        assert target.layout in ("single", "sharded"), name
        assert callable(target.request_builder), name
    assert names_where(lambda t: t.takes_template) == "sagemaker-instruction"
    assert names_where(lambda t: t.takes_media_owner) == "bedrock-conversation"
    assert names_where(lambda t: t.reads == "document") == ("bedrock-pretrain, "
                                                           "sagemaker-domain-adaptation")


class _ToyRequest:
    """A toy service's training request, as a requests_*.py module would build it."""

    def __call__(self, spec, output, train, validation, validation_split=0.0):
        return finish({"service": "toy", "api": "POST /toy/jobs",
                       "request": {"data": s3_uri(output, train[0], "TRAINING_S3_URI")}},
                      ["send it to the toy service"], ["https://toy.example/api"])


class ToyTarget(Target):
    """A new target as a new module would define it: {"q", "a"} lines of one exchange."""
    name = "toy-qa"
    kind = "toy"
    reads = "exchange"
    request_builder = _ToyRequest()

    def build(self, record, ctx):
        _system, instruction, context, answer = exchange(record, self.name)
        return [{"q": instruction + (f"\n\n{context}" if context else ""), "a": answer}]

    def check(self, obj, ctx):
        return exact_keys(obj, {"q", "a"}) or (non_empty_string(obj, "q")
                                              + non_empty_string(obj, "a"))


@pytest.fixture
def toy(monkeypatch):
    """The toy target in the registry: its one row, nothing else changed."""
    monkeypatch.setitem(TARGETS, ToyTarget.name, ToyTarget())
    return TARGETS[ToyTarget.name]


@pytest.mark.slow
def test_a_new_target_is_one_class_and_one_registry_row(toy, tmp_path, capsys):
    out = tmp_path / "out"
    source = SAMPLES / "alpaca_sample.jsonl"
    code = main(["run", "--input", str(source), "--output", str(out), "--target", toy.name,
                 "--validation-split", "0.2"])
    stdout, err = capsys.readouterr()
    assert code == 0, err
    report = read_json(out / "report.json")
    check_accounting(report)   # every input record written or a dead letter with its reason
    train, validation = read_jsonl(out / "train/train.jsonl"), read_jsonl(
        out / "validation/validation.jsonl")
    dead = read_jsonl(out / "dead_letter/dead_letter.jsonl")
    assert len(train) + len(validation) + len(dead) == report["input_records"] == 94
    assert report["output_records"] == {"train": len(train), "validation": len(validation)}
    assert train and validation and all(obj.keys() == {"q", "a"} for obj in train + validation)
    # what the sample's first line becomes: its instruction and output, as the target built it
    first = orjson.loads(source.read_bytes().splitlines()[0])
    assert {"q": first["instruction"], "a": first["output"]} in train + validation
    check_counts(report)   # each dead letter with a known reason code
    # the sink wrote the target's own training request, and the summary points at it
    assert read_json(out / TRAINING_REQUEST) == {
        "service": "toy", "api": "POST /toy/jobs",
        "request": {"data": "<TRAINING_S3_URI: the s3:// URI of train/train.jsonl once "
                            "uploaded>"},
        "placeholders": ["request.data"], "notes": ["send it to the toy service"],
        "sources": ["https://toy.example/api"]}
    assert "next step:" in stdout and "POST /toy/jobs" in stdout


def test_a_new_target_is_listed_and_its_options_checked(toy, monkeypatch, capsys):
    assert main(["targets", toy.name, "--json"]) == 0
    listed = orjson.loads(capsys.readouterr().out)["targets"]
    assert [(t["name"], t["kind"], t["models"]) for t in listed] == [("toy-qa", "toy", [])]
    # an option only some targets take is checked by what they declare, not by their names:
    # the toy target does not take --media-bucket-owner, then does once it declares it
    with pytest.raises(UsageError, match="^--media-bucket-owner is for --target "
                                         "bedrock-conversation$"):
        check_media_bucket_owner("123456789012", toy)
    monkeypatch.setattr(ToyTarget, "takes_media_owner", True)
    check_media_bucket_owner("123456789012", toy)
    with pytest.raises(UsageError, match="is for --target bedrock-conversation, toy-qa$"):
        check_media_bucket_owner("123456789012", TARGETS["bedrock-text"])
    with pytest.raises(UsageError, match="^--template is for --target sagemaker-instruction$"):
        check_template_target(toy)
