"""`tuneprep run --config job.yaml`: a job spec holds every option, the command line wins, and a
bad file is a usage error (exit 2) naming the file and the key."""
from __future__ import annotations

import argparse
from pathlib import Path

import pytest
import yaml

from tuneprep.pipelines import job_spec, job_spec_check
from tuneprep.pipelines.cli import main, make_parser
from tuneprep.pipelines.options import UsageError
from tuneprep.transforms.targets import run_context
from tests.helpers import SAMPLES, layout, read_json

ALPACA = SAMPLES / "alpaca_sample.jsonl"
CHAT = SAMPLES / "chat_sample.jsonl"


def write_spec(path: Path, spec) -> Path:
    path.write_text(spec if isinstance(spec, str) else yaml.safe_dump(spec), encoding="utf-8")
    return path


def cli(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.slow
def test_a_spec_runs_like_its_command_line(capsys, tmp_path):
    spec = write_spec(tmp_path / "job.yaml", {
        "input": [str(ALPACA)], "target": "bedrock-text", "validation-split": 0.1,
        "output": str(tmp_path / "from_spec"), "max_dead_letter_ratio": 0.5,
        "beam": {"runner": "DirectRunner", "direct_num_workers": 1}})
    code, out, err = cli(capsys, "run", "--config", spec)
    assert code == 0, err
    code, out2, err = cli(capsys, "run", "--input", ALPACA, "--target", "bedrock-text",
                          "--validation-split", "0.1", "--output", tmp_path / "from_args",
                          "--max-dead-letter-ratio", "0.5")
    assert code == 0, err
    assert out.splitlines()[0] == out2.splitlines()[0]
    a, b = tmp_path / "from_spec", tmp_path / "from_args"
    assert layout(a) == layout(b)
    for rel in ("train/train.jsonl", "validation/validation.jsonl",
                "dead_letter/dead_letter.jsonl"):
        assert (a / rel).read_bytes() == (b / rel).read_bytes()
    assert read_json(a / "manifest.json")["options"] == read_json(b / "manifest.json")["options"]


@pytest.mark.slow
def test_the_command_line_wins(capsys, tmp_path):
    spec = write_spec(tmp_path / "job.yaml", {
        "input": [str(ALPACA), str(ALPACA)], "target": "bedrock-text", "validation_split": 0.5,
        "output": str(tmp_path / "never"), "beam": {"runner": "NoSuchRunner"}})
    out = tmp_path / "out"
    held_out = tmp_path / "held_out.jsonl"   # (one file cannot be in both splits)
    held_out.write_bytes(CHAT.read_bytes())
    code, stdout, err = cli(capsys, "run", "--config", spec, "--input", CHAT, "--target",
                            "bedrock-multi-turn", "--validation-input", held_out, "--output",
                            out, "--runner", "DirectRunner")
    assert code == 0, err
    report = read_json(out / "report.json")
    assert sorted(report["files"]) == sorted([str(CHAT), str(held_out)])   # the spec's were replaced
    assert read_json(out / "manifest.json")["options"]["target"] == "bedrock-multi-turn"
    assert not (tmp_path / "never").exists()


def _sample_value(action: argparse.Action):
    if isinstance(action, argparse._StoreTrueAction):
        return True
    if action.choices:
        return sorted(action.choices)[0]
    if action.type is int:
        return 3
    if action.type is float:
        return 0.25
    return "some/value"


def test_every_run_option_is_expressible():
    """Each option of `tuneprep run`, written in a spec, parses to what the command line gives."""
    actions = job_spec._run_actions()
    assert {"input", "target", "output", "validation_split", "validation_input", "overwrite",
            "model", "num_shards", "field_map", "template"} <= set(actions)
    base = {"input": "a.jsonl", "target": "bedrock-text", "output": "/tmp/o"}
    for key, action in actions.items():
        value = _sample_value(action)
        spec = {**base, key: [value] if isinstance(action, argparse._AppendAction) else value}
        from_spec = job_spec.spec_tokens("job.yaml", spec)
        flag = [o for o in action.option_strings if o.startswith("--")][0]
        command = ["--input", "a.jsonl", "--target", "bedrock-text", "--output", "/tmp/o"]
        if key in base:
            command = [t for t in command]
            i = command.index(flag)
            command[i + 1] = str(value)
        elif isinstance(action, argparse._StoreTrueAction):
            command.append(flag)
        else:
            command += [flag, str(value)]
        parsed_spec, _ = make_parser().parse_known_args(["run", *from_spec])
        parsed_args, _ = make_parser().parse_known_args(["run", *command])
        assert vars(parsed_spec) == vars(parsed_args), key


@pytest.mark.parametrize("spec, message", [
    ({"input": "a", "target": "bedrock-text", "output": "/o", "outptu": "/x"},
     "job.yaml: key outptu: unknown; did you mean output? see `tuneprep run --help`"),
    ({"input": "a", "target": "bedrock-text", "output": "/o", "validation_split": [0.1]},
     "job.yaml: validation_split: expected a number, got a list"),
    ({"input": "a", "target": "bedrock-text", "output": "/o", "overwrite": "yes please"},
     "job.yaml: overwrite: expected true or false"),
    ({"input": {"a": 1}, "target": "bedrock-text", "output": "/o"},
     "job.yaml: input: expected a string or a list of strings, got a mapping"),
    ({"input": "a", "target": "bedrock-text", "output": "/o", "beam": {"runer": "DataflowRunner"}},
     "job.yaml: key beam.runer: unknown; did you mean beam.runner? (not a Beam pipeline "
     "option)"),
    ({"input": "a", "target": "bedrock-text", "output": "/o", "beam": ["--runner=X"]},
     "job.yaml: beam: expected a mapping of Beam pipeline options, got a list"),
    (["input", "a"], "expected a mapping of option names, got a list"),
    ("input: [a\ntarget: x\n", "not valid YAML (line "),
])
def test_a_bad_spec_is_a_usage_error_naming_the_key(capsys, tmp_path, monkeypatch, spec, message):
    monkeypatch.chdir(tmp_path)
    write_spec(tmp_path / "job.yaml", spec)
    code, out, err = cli(capsys, "run", "--config", "job.yaml")
    assert code == 2
    assert err.startswith("error: ") and message in err, err
    assert err.count("\n") == 1


def test_a_missing_spec_and_a_bad_target(capsys, tmp_path):
    code, _, err = cli(capsys, "run", "--config", tmp_path / "nope.yaml")
    assert code == 2 and "nope.yaml: No such file or directory" in err
    spec = write_spec(tmp_path / "job.yaml", {"input": "a", "target": "nope", "output": "/o"})
    code, _, err = cli(capsys, "run", "--config", spec)
    assert code == 2 and "--target" in err and "--target nope: unknown" in err


def test_beam_values_become_options():
    tokens = job_spec.spec_tokens("job.yaml", {"beam": {
        "runner": "PortableRunner", "experiments": ["a", "b"], "save_main_session": True,
        "streaming": False, "environment_config": {"command": "/opt/apache/beam/boot"}}})
    assert tokens == ["--runner=PortableRunner", "--experiments=a", "--experiments=b",
                      "--save_main_session",
                      '--environment_config={"command": "/opt/apache/beam/boot"}']


def test_validate_applies_the_runner_path_rules(tmp_path):
    spec = write_spec(tmp_path / "job.yaml", {
        "input": "s3://b/corpus.jsonl", "target": "bedrock-text", "output": "relative/out",
        "beam": {"runner": "DataflowRunner"}})
    with pytest.raises(UsageError, match="--output relative/out: a relative local path"):
        job_spec_check.validate(str(spec))
    spec = write_spec(tmp_path / "ok.yaml", {
        "input": "s3://b/corpus/", "target": "bedrock-text", "output": "s3://b/out",
        "beam": {"runner": "DataflowRunner", "project": "p", "region": "r"}})
    assert job_spec_check.validate(str(spec))[:3] == ["run", "--input", "s3://b/corpus/"]


def test_validate_makes_the_runs_settings(tmp_path):
    """A spec's settings are checked as `run` checks them (settings.settings), and the spec
    gives the settings its command line gives."""
    from tuneprep.pipelines.settings import settings
    spec = write_spec(tmp_path / "job.yaml", {
        "input": "s3://b/corpus/", "target": "bedrock-text", "output": "s3://b/out",
        "model": "nova-lite"})
    with pytest.raises(UsageError, match="--model nova-lite does not take --target bedrock-text"):
        job_spec_check.validate(str(spec))
    spec = write_spec(tmp_path / "job2.yaml", {
        "input": "s3://b/corpus/", "target": "bedrock-text", "output": "s3://b/out",
        "token_margin": 1.5})
    with pytest.raises(UsageError, match="--token-margin must be at least 0 and below 1"):
        job_spec_check.validate(str(spec))
    spec = write_spec(tmp_path / "job3.yaml", {
        "input": "s3://b/corpus/", "target": "bedrock-text", "output": "s3://b/out",
        "model": "titan-text-lite", "chars_per_token": 4, "token_margin": 0.2})
    argv = job_spec_check.validate(str(spec))
    from_spec = settings(make_parser().parse_known_args(argv)[0])
    from_args = settings(make_parser().parse_args([
        "run", "--input", "s3://b/corpus/", "--target", "bedrock-text", "--output", "s3://b/out",
        "--model", "titan-text-lite", "--chars-per-token", "4", "--token-margin", "0.2"]))
    assert from_spec == from_args and run_context.max_chars(from_spec) == int(4096 * 4 * 0.8)
