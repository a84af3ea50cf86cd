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


def plant(view: Path, module: str, source: str) -> None:
    """Writes `source` as `module` (a dotted name under tuneprep) into the view, each linked
    folder on its way turned into a folder of links: the repository's files stay untouched."""
    *folders, name = module.split(".")[1:]
    folder = view / "tuneprep"
    for part in folders:
        folder = folder / part
        if folder.is_symlink():
            linked = folder.resolve()
            folder.unlink()
            folder.mkdir()
            for child in linked.iterdir():
                if child.name != "__pycache__":
                    (folder / child.name).symlink_to(child, target_is_directory=child.is_dir())
    (folder / f"{name}.py").write_text(source, encoding="utf-8")


def lint_imports(tmp_path: Path, config: Path = REPO / "pyproject.toml",
                 planted: dict[str, str] | None = None):
    view = installed_layout(tmp_path / "view")
    for module, source in (planted or {}).items():
        plant(view, module, source)
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
    """A module of the core importing Beam and a step inside a function breaks the
    contracts (so the check above is not passing for want of seeing the code); planted in a
    view of the package, not in the repository."""
    done = lint_imports(tmp_path, planted={"tuneprep.transforms.core.planted": (
        "def f():\n"
        "    import apache_beam\n"
        "    from tuneprep.transforms.steps import batching\n")})
    assert done.returncode == 1, done.stdout + done.stderr
    assert "2 kept, 3 broken" in done.stdout, done.stdout   # layers, beam-only, no-cycles
    for broken in ("tuneprep.transforms.core.planted -> apache_beam",
                   "tuneprep.transforms.core.planted -> tuneprep.transforms.steps.batching"):
        assert broken in done.stdout, done.stdout


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


# --- size and complexity ------------------------------------------------------------------------
# A module is one job and a function fits in a head: no module of pipelines/ or transforms/ over
# MAX_LINES lines, no function over complexity grade C (radon: cyclomatic complexity over 20).

MAX_LINES = 400
MAX_COMPLEXITY = 20   # radon's grade C ends at 20

# The functions over grade C today, each with its grade: this list may only shrink. A function
# that got worse than its grade, or a new one over C, fails the test; so does an entry whose
# function is now within C (remove it). Empty since issue 23 item 6: every function is within C.
OVER_C: dict = {}


def source_files():
    for folder in PARTS:
        yield from sorted((REPO / folder).rglob("*.py"))


def shown(path: Path) -> str:
    return path.relative_to(REPO).as_posix() if path.is_relative_to(REPO) else path.name


def long_modules(paths) -> list[str]:
    found = []
    for path in paths:
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES:
            found.append(f"{shown(path)}: {lines} lines, over {MAX_LINES}")
    return found


def complexity_problems(paths, allowed: dict) -> list[str]:
    """Functions over MAX_COMPLEXITY that are not allowed, allowed ones that got worse than
    their grade, and allowed ones no longer over it (the list must shrink with them)."""
    from radon.complexity import cc_rank, cc_visit
    problems, seen = [], set()
    for path in paths:
        module = shown(path)
        for block in cc_visit(path.read_text(encoding="utf-8")):
            if not hasattr(block, "closures") or block.complexity <= MAX_COMPLEXITY:
                continue   # (a class: its methods are listed on their own)
            key, grade = (module, block.fullname), cc_rank(block.complexity)
            seen.add(key)
            if key not in allowed:
                problems.append(f"{module} {block.fullname}: complexity {block.complexity} "
                                f"(grade {grade}), over {MAX_COMPLEXITY}")
            elif grade > allowed[key]:
                problems.append(f"{module} {block.fullname}: grade {grade}, worse than its "
                                f"allowed {allowed[key]}")
    problems += [f"{module} {name}: now within grade C, remove it from OVER_C"
                 for module, name in sorted(set(allowed) - seen)]
    return problems


def test_no_module_is_over_the_line_limit():
    assert long_modules(source_files()) == []


def test_no_function_is_over_complexity_c_but_the_listed_ones():
    assert complexity_problems(list(source_files()), OVER_C) == []


def test_the_size_and_complexity_checks_name_their_offenders(tmp_path):
    branches = "".join(f"    if x == {i}:\n        return {i}\n" for i in range(35))
    sample = tmp_path / "m.py"
    sample.write_text("def tangled(x):\n" + branches + "\n" * (MAX_LINES + 1))
    assert long_modules([sample]) == [f"m.py: {1 + 70 + MAX_LINES + 1} lines, over {MAX_LINES}"]
    assert complexity_problems([sample], {}) == [
        "m.py tangled: complexity 36 (grade E), over 20"]
    assert complexity_problems([sample], {("m.py", "tangled"): "D"}) == [
        "m.py tangled: grade E, worse than its allowed D"]
    assert complexity_problems([sample], {("m.py", "tangled"): "E"}) == []
    assert complexity_problems([], {("m.py", "tangled"): "E"}) == [
        "m.py tangled: now within grade C, remove it from OVER_C"]
