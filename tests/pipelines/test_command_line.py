"""The command line (issue 17, item 5): --version, --help listing every command, run's option
groups, "did you mean" for a misspelt target, model, adapter or command, `targets TARGET` and
`targets --json`, validate's help. Real calls of the CLI, in-process."""
from __future__ import annotations

import re

import orjson
import pytest

from tuneprep import version
from tuneprep.pipelines.cli import COMMANDS, main
from tuneprep.pipelines.options import RUN_GROUPS
from tuneprep.transforms.targets import TARGETS
from tuneprep.transforms.targets.models import MODELS

from tests.helpers import SAMPLES

ALPACA = SAMPLES / "alpaca_sample.jsonl"


def cli(capsys, *args) -> tuple[int, str, str]:
    try:
        code = main([str(a) for a in args])
    except SystemExit as e:   # --help and --version exit through argparse
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


def test_version(capsys):
    code, out, _ = cli(capsys, "--version")
    assert code == 0 and out.strip() == f"tuneprep {version()}"


def test_help_lists_every_command_with_a_line_each(capsys):
    code, out, _ = cli(capsys, "--help")
    assert code == 0
    assert set(COMMANDS) == {"run", "inspect", "validate", "targets", "grade"}
    for name, about in COMMANDS.items():
        assert re.search(rf"^\s+{name}\s+{re.escape(about[:30])}", out, re.M), name


def test_run_help_groups_its_options_and_declares_each_once(capsys):
    code, out, _ = cli(capsys, "run", "--help")
    assert code == 0
    titles = [line[:-1] for line in out.splitlines() if line in {f"{t}:" for t in RUN_GROUPS}]
    assert titles == list(RUN_GROUPS)

    def section(title):
        return out.split(f"\n{title}:\n", 1)[1].split("\n\n", 2)[1]
    assert "--input URI" in section("inputs") and "--validation-split" in section("inputs")
    assert "--target TARGET" in section("target and model") and "--model" in section(
        "target and model")
    assert "--output URI" in section("output") and "--overwrite" in section("output")
    assert "--max-tokens" in section("limits") and "--sample-to-quota" in section("limits")
    assert "--repair" in section("repairs")
    assert "--workers" in section("runner") and "--config" in section("runner")
    options = re.findall(r"^  (--[a-z-]+)", out, re.M)
    assert len(options) == len(set(options)) >= 28


def test_validate_and_inspect_help_describe_themselves_and_every_option(capsys):
    code, out, _ = cli(capsys, "validate", "--help")
    assert code == 0
    flat = " ".join(out.split())
    assert "Check JSONL files" in flat and "exit 0 when every line passes" in flat
    for option in ("--target", "--model", "--template", "--placeholder-map", "--max-tokens",
                   "--chars-per-token", "--token-margin", "--check-media", "PATH"):
        line = next(x for x in out.splitlines() if x.strip().startswith(option))
        assert len(line.split(None, 1)) == 2 or option in ("--placeholder-map",), option
    code, out, _ = cli(capsys, "inspect", "--help")
    assert code == 0 and "writes nothing" in " ".join(out.split())


@pytest.mark.parametrize("args, expected", [
    (["run", "--input", ALPACA, "--output", "o", "--target", "bedrock-txt"],
     "error: tuneprep run: --target bedrock-txt: unknown; did you mean bedrock-text"),
    (["run", "--input", ALPACA, "--output", "o", "--target", "bedrock-text",
      "--input-format", "alpacca"],
     "error: tuneprep run: --input-format alpacca: unknown; did you mean alpaca?"),
    (["rn"], "error: tuneprep: command rn: unknown; did you mean run?"),
    # (the nearest first; other openai-* targets may follow it)
    (["targets", "openai-chatt"], "error: targets openai-chatt: unknown; did you mean "
     "openai-chat"),
])
def test_misspelt_choices_get_one_line_with_suggestions(capsys, args, expected):
    code, out, err = cli(capsys, *args)
    assert code == 2 and out == ""
    assert err.startswith(expected) and err.count("\n") == 1


def test_misspelt_model_gets_three_suggestions_not_the_catalogue(capsys, tmp_path):
    code, _, err = cli(capsys, "run", "--input", ALPACA, "--output", tmp_path / "o",
                       "--target", "bedrock-conversation", "--model", "nova-lit")
    assert code == 2
    assert err == ("error: --model nova-lit: unknown; did you mean nova-lite, nova-2-lite or "
                   "nova-micro? see `tuneprep targets bedrock-conversation`\n")
    assert len(err) < 200
    # a model of another target is still found
    code, _, err = cli(capsys, "validate", "--target", "bedrock-conversation", "--model",
                       "claud-3-haiku", ALPACA)
    assert code == 2 and "did you mean claude-3-haiku" in err and err.count("\n") == 1
    code, _, err = cli(capsys, "run", "--input", ALPACA, "--output", tmp_path / "o",
                       "--target", "bedrock-text", "--model", "zzzz")
    assert err == "error: --model zzzz: unknown; see `tuneprep targets bedrock-text`\n"


def test_targets_one_target_in_aligned_columns(capsys):
    code, out, err = cli(capsys, "targets", "bedrock-image")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "TARGETS" and lines[1].split()[:2] == ["bedrock-image", "image"]
    assert sum(1 for x in lines if x.split()[:1] and x.split()[0] in TARGETS) == 1
    models = [x.split()[0] for x in lines if x.split()[:1] and x.split()[0] in MODELS]
    assert models == [m for m, s in MODELS.items() if "image" in s.kinds]
    # the model lines' columns start at the same place
    starts = {x.index(" bedrock ") for x in lines if x.split()[:1] and x.split()[0] in MODELS}
    assert len(starts) == 1
    assert "  bedrock id: amazon.nova-canvas-v1:0" in "\n".join(lines)


def test_targets_json_matches_the_catalogue(capsys):
    code, out, _ = cli(capsys, "targets", "--json")
    assert code == 0
    data = orjson.loads(out)
    assert [t["name"] for t in data["targets"]] == list(TARGETS)
    for entry in data["targets"]:
        target = TARGETS[entry["name"]]
        assert entry["kind"] == target.kind and entry["layout"] == target.layout
        assert [m["name"] for m in entry["models"]] == [
            m for m, s in MODELS.items() if target.kind in s.kinds]
        for m in entry["models"]:
            spec = MODELS[m["name"]]
            assert m["legacy"] == (spec.legacy is not None)
            assert m["bedrock_model_id"] == spec.bedrock_model_id
            assert m["limits"]["max_tokens"] == spec.max_tokens
            assert m["limits"]["max_train_records"] == spec.max_train_records
    code, out, _ = cli(capsys, "targets", "bedrock-distillation", "--json")
    one = orjson.loads(out)["targets"]
    assert [t["name"] for t in one] == ["bedrock-distillation"]
    assert {m["name"] for m in one[0]["models"]} == {
        m for m, s in MODELS.items() if "distillation" in s.kinds}
