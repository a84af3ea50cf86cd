"""The layout's contract, checked over every module's imports (top level and inside functions):
- only tuneprep.transforms.beam imports apache_beam: the core, the readers, adapters, targets
  and the report are plain Python, testable and reusable without Beam;
- tuneprep.transforms never imports tuneprep.pipelines (the entry points sit on top);
- no module imports the old top-level names `transforms` or `pipelines`."""
from __future__ import annotations

import ast
from pathlib import Path

from tests.helpers import REPO

PARTS = {"transforms": "tuneprep.transforms", "pipelines": "tuneprep.pipelines"}


def modules():
    for folder, package in PARTS.items():
        for path in sorted((REPO / folder).rglob("*.py")):
            rel = path.relative_to(REPO / folder).with_suffix("")
            name = ".".join([package, *rel.parts]).removesuffix(".__init__")
            yield name, path


def imports_of(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def test_the_import_contract_holds():
    seen, broken = 0, []
    for name, path in modules():
        seen += 1
        for imported in imports_of(path):
            top = imported.split(".")[0]
            if top in ("transforms", "pipelines"):
                broken.append(f"{name} imports the old top-level name {imported}")
            if name.startswith("tuneprep.transforms"):
                if top == "apache_beam" and not name.startswith("tuneprep.transforms.beam"):
                    broken.append(f"{name} imports {imported}: only tuneprep.transforms.beam "
                                  "may import Beam")
                if imported.startswith("tuneprep.pipelines"):
                    broken.append(f"{name} imports {imported}: transforms never import the "
                                  "entry points")
    assert seen > 60, "the walk found too few modules"
    assert broken == []


def test_the_contract_check_sees_an_import_inside_a_function(tmp_path):
    sample = tmp_path / "m.py"
    sample.write_text("def f():\n    import apache_beam as beam\n    from transforms import x\n")
    assert imports_of(sample) == {"apache_beam", "transforms"}
