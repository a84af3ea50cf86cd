"""The layout's contract. The layers, the one importer of apache_beam and the absence of import
cycles are import-linter contracts in pyproject.toml ([tool.importlinter]), run here with
`lint-imports`; import-linter sees imports inside functions too. What it cannot see is checked
here over each module's source: no module imports the old top-level names `transforms` or
`pipelines` (in a checkout they load the same files as second modules)."""
from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.helpers import REPO

PARTS = {"transforms": "tuneprep.transforms", "pipelines": "tuneprep.pipelines"}


def installed_layout(root: Path) -> Path:
    """A folder where `tuneprep` holds pipelines/ and transforms/, as installed: in the checkout
    they sit beside tuneprep/ (setup.py maps them), and import-linter reads the package's own
    folder, where it would find two modules. Links, so the repository's files are the ones read."""
    package = root / "tuneprep"
    package.mkdir(parents=True)
    for name in ("__init__.py", "__main__.py"):
        (package / name).symlink_to(REPO / "tuneprep" / name)
    for part in PARTS:
        (package / part).symlink_to(REPO / part, target_is_directory=True)
    return root


def lint_imports(tmp_path: Path, config: Path = REPO / "pyproject.toml"):
    view = installed_layout(tmp_path / "view")
    # import-linter puts the folder it runs in first on sys.path: run it in the view so that
    # `tuneprep` is the view's; the contracts are the repository's (pyproject.toml)
    return subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache", "--no-logo",
         str(config)], cwd=view, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(view)})


def test_the_import_contracts_hold(tmp_path):
    done = lint_imports(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    analyzed = re.search(r"Analyzed (\d+) files", done.stdout)
    assert analyzed and int(analyzed.group(1)) > 150, done.stdout   # it saw the whole package
    assert "0 broken" in done.stdout


def test_the_contracts_catch_a_breach(tmp_path):
    """A Beam import in the core, even inside a function, breaks a contract (so the check above
    is not passing for want of seeing the code)."""
    config = tmp_path / "pyproject.toml"
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    config.write_text(text.replace(
        '"tuneprep.pipelines.cli -> apache_beam",', "").replace(
        '"tuneprep.transforms.core.config -> tuneprep.transforms.adapters",\n', "", 1),
        encoding="utf-8")
    done = lint_imports(tmp_path, config)
    assert done.returncode == 1
    assert "tuneprep.pipelines.cli -> apache_beam" in done.stdout
    assert "tuneprep.transforms.core.config -> tuneprep.transforms.adapters" in done.stdout


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


def test_no_module_imports_the_old_top_level_names():
    seen, broken = 0, []
    for name, path in modules():
        seen += 1
        for imported in imports_of(path):
            if imported.split(".")[0] in PARTS:
                broken.append(f"{name} imports the old top-level name {imported}")
    assert seen > 60, "the walk found too few modules"
    assert broken == []


def test_the_old_name_check_sees_an_import_inside_a_function(tmp_path):
    sample = tmp_path / "m.py"
    sample.write_text("def f():\n    import apache_beam as beam\n    from transforms import x\n")
    assert imports_of(sample) == {"apache_beam", "transforms"}
