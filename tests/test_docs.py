"""The README matches the code: its reason-code table is REASONS, every target it names
exists, and its Development section names only modules and functions that exist, and draws the
layers of the import-linter contract. The design page is the repository's own (docs/design.md):
what cites it exists, and no file sends a reader outside the repository for design."""
from __future__ import annotations

import ast
import re
import tomllib
import subprocess
import sys

import pytest

from tests.helpers import REPO
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


# --- the Development section: what it names exists, its drawing is the layers contract -------

DEVELOPMENT = README.split("\n## Development\n", 1)[1].split("\n## ", 1)[0]
# a module by its path, with what it defines when the text says so: `transforms/sink/parts.py:
# write_part`, `transforms/targets/base.py: Target.format` (a name in capitals, NAME.py, is a
# placeholder)
NAMED = re.compile(r"(?<![\w/.])((?:transforms|pipelines|tests|benchmarks|tuneprep)/(?:\w+/)*"
                   r"[a-z_]\w*\.py)(?:: ([A-Za-z_][\w.]*))?")
# the layout drawing's folders (at the margin, or two spaces in for one of transforms/): the
# names on their lines are that folder's
FOLDER = re.compile(r"^( {0,2})(\w[\w.]*)/ ")


def _defines(path, dotted: str) -> bool:
    """Whether the module defines `dotted` (a function, class or assigned name; Class.method)."""
    body = ast.parse(path.read_text(encoding="utf-8")).body
    for part in dotted.split("."):
        found = None
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names = {node.name}
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names = {t.id for t in targets if isinstance(t, ast.Name)}
            else:
                continue
            if part in names:
                found = node
        if found is None:
            return False
        body = getattr(found, "body", [])
    return True


def stale_names(section: str, root=REPO) -> list[str]:
    """The module paths (and `path: name` pairs) `section` names that do not exist under root."""
    stale = []
    for path, name in NAMED.findall(section):
        if not (root / path).is_file():
            stale.append(path)
        elif name and not _defines(root / path, name):
            stale.append(f"{path}: {name}")
    return stale


def stale_in_layout(drawing: str, root=REPO) -> list[str]:
    """The files the layout drawing names (`cli.py`, `readers/` under `pipelines/`, `  io/`)
    that are not in their folder."""
    stale, folders = [], []
    for line in drawing.splitlines():
        opened = FOLDER.match(line)
        if opened:
            depth = len(opened.group(1)) // 2
            folders = folders[:depth] + [opened.group(2)]
            line = line[opened.end():]
        where = root.joinpath(*folders)
        for name in re.findall(r"(?<![\w/.-])([a-z_]\w*\.py|[a-z_]\w*/)(?![\w/])", line):
            if not (where / name.rstrip("/")).exists():
                stale.append(f"{'/'.join(folders)}/{name}")
    return stale


def layer_problems(drawing: str, config: str) -> list[str]:
    """The modules of the `layers` contract not drawn in their own layer: the drawing's layers
    are the blocks between its ─── lines, top to bottom, as the contract lists them."""
    contract = next(c for c in tomllib.loads(config)["tool"]["importlinter"]["contracts"]
                    if c["id"] == "layers")
    drawn = re.split(r"^─+$", drawing, flags=re.M)
    if len(drawn) != len(contract["layers"]):
        return [f"{len(drawn)} layers drawn, {len(contract['layers'])} in the contract"]
    problems = []
    for layer, block in zip(contract["layers"], drawn):
        for module in re.split(r"\s*:\s*", layer.strip()):
            short = module.rsplit(".", 1)[-1]
            # drawn as its folder (`sink/`) or file (`__main__.py`)
            if not re.search(rf"(?<![\w]){re.escape(short)}(/|\.py)", block):
                problems.append(f"{module} is not drawn in its layer")
    return problems


def _blocks(section: str) -> list[str]:
    return re.findall(r"^```\n(.*?)^```$", section, re.S | re.M)


def test_every_module_and_function_the_development_section_names_exists():
    assert len(NAMED.findall(DEVELOPMENT)) > 30
    assert stale_names(DEVELOPMENT) == []
    assert stale_in_layout(_blocks(DEVELOPMENT)[0]) == []


def test_the_layer_drawing_is_the_layers_contract():
    drawing = _blocks(DEVELOPMENT.split("### The layers", 1)[1])[0]
    assert layer_problems(drawing, (REPO / "pyproject.toml").read_text(encoding="utf-8")) == []


def test_the_development_checks_catch_a_stale_name():
    planted = ("`transforms/sink/parts.py: write_part`, `transforms/io/nope.py`, "
               "`transforms/sink/parts.py: no_such`, `transforms/targets/base.py: Target.format`, "
               "`transforms/targets/base.py: Target.nope`, tests/helpers.py, "
               "pipelines/fast_lanes.py, transforms/adapters/NAME.py")
    assert stale_names(planted) == [
        "transforms/io/nope.py", "transforms/sink/parts.py: no_such",
        "transforms/targets/base.py: Target.nope", "pipelines/fast_lanes.py"]
    layout = ("pipelines/       cli.py, options.py, gone.py\n"
              "transforms/      the pipeline\n"
              "  io/            storage.py, readers/ (one file), fast_lanes.py\n"
              "  core/          records.py\n")
    assert stale_in_layout(layout) == ["pipelines/gone.py", "transforms/io/fast_lanes.py"]
    config = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    drawing = _blocks(DEVELOPMENT.split("### The layers", 1)[1])[0]
    moved = drawing.replace("sink/    the dataset sink", "", 1).replace("core/", "core/ sink/")
    assert layer_problems(moved, config) == [
        "tuneprep.transforms.sink is not drawn in its layer"]
    assert layer_problems(re.sub(r"^─+\n", "", drawing, count=1, flags=re.M),
                          config) == [
        "5 layers drawn, 6 in the contract"]


# --- design notes: docs/design.md, inside the repository ------------------------------------

DESIGN = REPO / "docs" / "design.md"
# An earlier design page lived outside the repository (../shared/DESIGN.md): nothing may send a
# reader there. Tests may still read ../shared/corpora (they skip when it is absent).
OUTSIDE = re.compile(r"DESIGN\.md|(?<![\w.-])(?:\.\./)?shared/(?!corpora)")
# Files whose owner has yet to point them at docs/design.md (issue 13); empty this set then.
NOT_YET: set[str] = set()   # files still to repoint (none)


def tracked_files() -> list[str]:
    try:
        out = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True,
                             check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [name for name in out.splitlines() if (REPO / name).is_file()]


def test_no_file_but_tests_sends_readers_outside_the_repository_for_design():
    found = []
    for name in tracked_files():
        if name.startswith("tests/") or name in NOT_YET:
            continue
        try:
            text = (REPO / name).read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        found += [f"{name}:{text.count(chr(10), 0, m.start()) + 1}: {m.group()}"
                  for m in OUTSIDE.finditer(text)]
    assert found == []


def test_the_outside_reference_check_sees_what_it_should():
    assert OUTSIDE.search("see DESIGN.md §4") and OUTSIDE.search("../shared/reference/x.md")
    assert OUTSIDE.search("shared/reference/service-formats.md")
    assert not OUTSIDE.search("the shared corpora (`../shared/corpora`)")
    assert not OUTSIDE.search("docs/design.md §3, my_shared/x, not-shared/x")


def test_design_sections_cited_in_the_code_exist():
    sections = set(re.findall(r"^## (\d+)\. ", DESIGN.read_text(encoding="utf-8"), re.M))
    cited = set()
    for name in tracked_files():
        if name.endswith((".py", ".md")):
            text = (REPO / name).read_text(encoding="utf-8")
            for first, last in re.findall(r"docs/design\.md §(\d+)(?:-(\d+))?", text):
                cited.update({first, last} - {""})
    assert cited and cited <= sections


def test_every_module_the_design_page_names_exists():
    text = DESIGN.read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:transforms|pipelines|benchmarks|tests)/[\w/.]*)", text))
    short = re.findall(r"`((?:core|io|beam|report)/[\w/.]+)", text)   # under transforms/
    named |= {f"transforms/{p}" for p in short}
    assert len(named) > 10
    missing = [p for p in sorted(named) if not (REPO / p).exists()]
    assert missing == []


@pytest.mark.slow
def test_what_make_sample_prints_is_what_the_readme_shows(tmp_path):
    """The README's 'What `make sample` does': its command, run as written (from the repository,
    relative paths), prints the lines the README shows."""
    section = README.split("## What `make sample` does", 1)[1]
    blocks = re.findall(r"```(?:sh)?\n(.*?)```", section, re.S)
    command, printed = blocks[0], blocks[1]
    makefile = (REPO / "Makefile").read_text()
    recipe = re.search(r"^sample:.*\n((?:\t.*\n)+)", makefile, re.M).group(1)
    squash = lambda text: " ".join(text.replace("\\\n", " ").split())  # noqa: E731
    # the Makefile's recipe is the README's command
    assert squash(recipe.replace("$(BIN)", ".venv/bin").replace("$(SAMPLE_OUT)", "out/sample")) \
        == squash(command)
    out = tmp_path / "sample"
    argv = [sys.executable, "-m", "tuneprep"] \
        + squash(command).replace("out/sample", str(out)).split()[1:]
    done = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.replace(str(out), "out/sample").splitlines() == printed.splitlines()
