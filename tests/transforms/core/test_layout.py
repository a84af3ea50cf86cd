"""transforms/core/layout.py: the output layout's names, written once. No module of transforms/ or
pipelines/ spells a layout name as a value of its own (a second copy that would not follow a
change); the names agree with the record kinds and with what dataset_folder.py proves."""
from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.helpers import REPO
from tuneprep.transforms.steps import process
from tuneprep.transforms.sink import dataset_folder

# a file or folder name of the layout, as a whole string value (a path of folders allowed)
from tuneprep.transforms.core import layout
NAME = re.compile(r"(?:[\w.-]+/)*(?:_SUCCESS|_RUNNING|_temporary|manifest\.json|report\.json"
                  r"|report\.html|training-request\.json|template\.json"
                  r"|(?:dead_letter|sampled_out|train|validation)\.jsonl"
                  r"|part-\d{5}-of-\d{5}\.jsonl)/?")
# an f-string building a split's file or a shard's name: {x}/{x}.jsonl, {x}/part-{i}-of-{n}.jsonl
BUILT = re.compile(r"(?:\{\}/)?(?:\{\}|.*part-.*)\.jsonl|.*-of-\{\}.*")
SOURCES = ("transforms", "pipelines")


def _docstrings(tree) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _template(node: ast.JoinedStr) -> str:
    return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)


def layout_copies(path: Path) -> list[str]:
    """The layout names `path` spells itself: string values (not docstrings, not prose that
    merely mentions a name) and f-strings that build a split's or a shard's file name."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings, found = _docstrings(tree), []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr) and BUILT.fullmatch(_template(node)):
            found.append((node.lineno, f"builds {_template(node)!r}"))
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str)
              and id(node) not in docstrings and NAME.fullmatch(node.value)):
            found.append((node.lineno, repr(node.value)))
    return [f"{path.name}:{line}: {what}" for line, what in sorted(found)]


def test_no_module_but_layout_spells_a_layout_name():
    checked, found = 0, []
    for folder in SOURCES:
        for path in sorted((REPO / folder).rglob("*.py")):
            if path != REPO / "transforms" / "core" / "layout.py":
                checked += 1
                found += [f"{folder}/{path.relative_to(REPO / folder).parent}/{hit}"
                          for hit in layout_copies(path)]
    assert checked > 100, "the walk found too few modules"
    assert found == [], "import these names from transforms/core/layout.py"


def test_the_check_finds_each_kind_of_copy(tmp_path):
    sample = tmp_path / "m.py"
    sample.write_text('"""Writes manifest.json and _SUCCESS."""\n'
                      'A = "_SUCCESS"\n'
                      'B = join(out, "dead_letter/dead_letter.jsonl")\n'
                      'C = f"{split}/{split}.jsonl"\n'
                      'D = f"{split}/part-{i:05d}-of-{n:05d}.jsonl"\n'
                      'E = "see report.html for the examples"\n'   # prose: a mention, no copy
                      'F = f"{key}.jsonl"\n', encoding="utf-8")
    assert layout_copies(sample) == [
        "m.py:2: '_SUCCESS'", "m.py:3: 'dead_letter/dead_letter.jsonl'",
        "m.py:4: builds '{}/{}.jsonl'", "m.py:5: builds '{}/part-{}-of-{}.jsonl'",
        "m.py:7: builds '{}.jsonl'"]


def test_the_split_folders_are_the_record_kinds():
    assert layout.SPLITS == (process.TRAIN, process.VALIDATION)
    assert layout.DEAD_LETTER_FOLDER == process.DEAD_LETTER


def test_every_name_a_run_writes_is_one_dataset_folder_proves_a_dataset_file():
    assert all(dataset_folder.is_dataset_file(path) for path in layout.written_examples())
    assert dataset_folder.is_dataset_file(layout.shard_file("validation", 41, 42))
    assert layout.shard_file("train", 0, 2) == "train/part-00000-of-00002.jsonl"
    assert not dataset_folder.is_dataset_file("train/part-0-of-2.jsonl")


def test_the_dry_run_list():
    assert layout.planned_files(["train"], True, None, {}) == [
        "train/train.jsonl", "dead_letter/dead_letter.jsonl", "manifest.json", "report.json",
        "report.html", "training-request.json", "_SUCCESS"]
    assert layout.planned_files(["train", "validation"], False, 3, {"template.json": b""})[:4] == [
        "train/part-00000-of-00003.jsonl … part-00002-of-00003.jsonl", "train/template.json",
        "validation/part-00000-of-00003.jsonl … part-00002-of-00003.jsonl",
        "validation/template.json"]
    assert layout.planned_files(["train"], False, None, {})[0] == (
        "train/part-NNNNN-of-MMMMM.jsonl (one per ~256 MB)")
