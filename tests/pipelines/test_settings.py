"""One config (issue 13): `run`, `run --dry-run`, `inspect` and `validate` make their settings in
one place (tuneprep.pipelines.settings), so the same arguments give the same settings, and what a
run wrote passes `validate` with the arguments the run was given. In-process calls of
tuneprep.pipelines.cli.main, as in test_cli.py."""
from __future__ import annotations

import dataclasses

import orjson
import pytest

from tuneprep.pipelines import inspect_cmd, validate_cmd
from tuneprep.pipelines import settings as settings_mod
from tuneprep.pipelines.cli import main
from tuneprep.transforms.targets import run_context

from tests.helpers import SAMPLES, read_jsonl, validate_passed, write_jsonl

ALPACA = SAMPLES / "alpaca_sample.jsonl"


def cli(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def _template(tmp_path, template: dict):
    path = tmp_path / "template.json"
    path.write_bytes(orjson.dumps(template))
    return path


# --- a run's output passes validate with the run's own arguments ---------------------------------

@pytest.mark.slow
def test_a_templated_run_validates_with_the_template_json_beside_it(tmp_path, capsys):
    template = _template(tmp_path, {"prompt": "Q: {question}\nA:", "completion": " {response}"})
    out = tmp_path / "out"
    code, _, err = cli(capsys, "run", "--input", ALPACA, "--target", "sagemaker-instruction",
                       "--template", template, "--placeholder-map", "question=instruction",
                       "--validation-split", "0.1", "--output", out)
    assert code == 0, err
    shard = out / "train/part-00000-of-00001.jsonl"
    assert set(read_jsonl(shard)[0]) == {"question", "response"}
    # the dataset folder, a split folder, one file of it: template.json is read beside the data
    for path in (out, out / "train", out / "validation", shard):
        code, stdout, err = cli(capsys, "validate", "--target", "sagemaker-instruction", path)
        assert (code, stdout) == (0, "") and validate_passed(err), (path, err)
    # the run's own options are taken too
    code, stdout, err = cli(capsys, "validate", "--target", "sagemaker-instruction",
                            "--template", template, "--placeholder-map", "question=instruction",
                            out)
    assert (code, stdout) == (0, "") and validate_passed(err), err
    # a copy without its template.json is checked against the default template, and fails
    lone = tmp_path / "lone"
    lone.mkdir()
    (lone / "train.jsonl").write_bytes(shard.read_bytes())
    code, stdout, err = cli(capsys, "validate", "--target", "sagemaker-instruction", lone)
    assert code == 1 and "template_field" in stdout


def test_validate_refuses_a_broken_template_json_beside_the_data(tmp_path, capsys):
    (tmp_path / "train.jsonl").write_bytes(b'{"q": "a"}\n')
    (tmp_path / "template.json").write_bytes(b'{"prompt": "{q}"}')
    code, stdout, err = cli(capsys, "validate", "--target", "sagemaker-instruction", tmp_path)
    assert code == 2 and stdout == ""
    assert err.startswith(f"error: {tmp_path / 'template.json'}: template.json must have")


# --- the model/target check is run's -------------------------------------------------------------

def test_validate_refuses_a_model_that_does_not_take_the_target_as_run_does(tmp_path, capsys):
    out = tmp_path / "out"
    code, _, err = cli(capsys, "run", "--input", ALPACA, "--target", "bedrock-text",
                       "--output", out)
    assert code == 0, err
    code, _, run_err = cli(capsys, "run", "--input", ALPACA, "--target", "bedrock-text",
                           "--model", "nova-lite", "--output", tmp_path / "out2")
    assert code == 2 and "--model nova-lite does not take --target bedrock-text" in run_err
    code, stdout, err = cli(capsys, "validate", "--target", "bedrock-text", "--model",
                            "nova-lite", out)
    assert (code, stdout, err) == (2, "", run_err)
    code, stdout, err = cli(capsys, "inspect", ALPACA, "--target", "bedrock-text", "--model",
                            "nova-lite")
    assert (code, stdout, err) == (2, "", run_err)
    # the options are refused before a missing path is looked for, as run does
    code, _, err = cli(capsys, "validate", "--target", "bedrock-text", "--model", "nova-lite",
                       tmp_path / "nope.jsonl")
    assert (code, err) == (2, run_err)


@pytest.mark.parametrize("args,message", [
    (["--token-margin", "1"], "--token-margin must be at least 0 and below 1"),
    (["--chars-per-token", "0"], "--chars-per-token must be positive"),
    (["--max-tokens", "-3"], "--max-tokens must be positive"),
    (["--model", "no-such-model"], "no-such-model"),
])
def test_validate_checks_the_token_options_as_run_does(args, message, tmp_path, capsys):
    path = write_jsonl(tmp_path / "a.jsonl", [{"prompt": "p", "completion": "c"}])
    code, _, run_err = cli(capsys, "run", "--input", path, "--target", "bedrock-text",
                           "--output", tmp_path / "out", *args)
    assert code == 2 and message in run_err
    code, _, err = cli(capsys, "validate", "--target", "bedrock-text", *args, path)
    assert (code, err) == (2, run_err)


def test_a_placeholder_map_the_template_has_no_placeholder_for_is_refused(tmp_path, capsys):
    code, _, err = cli(capsys, "run", "--input", ALPACA, "--target", "sagemaker-instruction",
                       "--placeholder-map", "questoin=instruction", "--output", tmp_path / "o")
    assert code == 2 and "the template has no placeholder {questoin}" in err
    code, _, err = cli(capsys, "run", "--input", ALPACA, "--target", "bedrock-text",
                       "--placeholder-map", "question=instruction", "--output", tmp_path / "o")
    assert code == 2 and "--placeholder-map is for --target sagemaker-instruction" in err


# --- the configured chars/token is the one stated -----------------------------------------------

@pytest.mark.slow
def test_too_long_states_the_configured_chars_per_token(tmp_path, capsys):
    path = write_jsonl(tmp_path / "a.jsonl", [{"prompt": "p" * 100, "completion": "c"},
                                              {"prompt": "p", "completion": "c"}])
    limits = ["--max-tokens", "10", "--chars-per-token", "2", "--token-margin", "0"]
    out = tmp_path / "out"
    code, _, err = cli(capsys, "run", "--input", path, "--target", "bedrock-text",
                       "--output", out, *limits)
    assert code == 0, err
    [dead] = read_jsonl(out / "dead_letter/dead_letter.jsonl")
    assert dead["reason"] == "too_long"
    assert "(about 51 tokens at 2 chars/token); the limit is 20 characters" in dead["message"]
    code, stdout, _ = cli(capsys, "validate", "--target", "bedrock-text", *limits, path)
    assert code == 1
    assert stdout.startswith(f"{path}:1: too_long: record has 101 characters (about 51 tokens "
                             "at 2 chars/token); the limit is 20 characters")
    assert stdout.count("\n") == 1
    code, stdout, _ = cli(capsys, "inspect", path, "--target", "bedrock-text", *limits)
    assert "at 2 chars/token" in stdout and "6 chars/token" not in stdout
    code, stdout, _ = cli(capsys, "run", "--input", path, "--target", "bedrock-text",
                          "--output", tmp_path / "dry", "--dry-run", *limits)
    assert code == 0 and "(2 chars/token, 0 kept free)" in stdout


# --- the same arguments, the same settings, whichever command ------------------------------------

TEMPLATED = ["--target", "sagemaker-instruction", "--template", "{template}",
             "--placeholder-map", "question=instruction"]


@pytest.mark.parametrize("options", [
    TEMPLATED,
    TEMPLATED + ["--model", "llama2-7b", "--max-tokens", "300", "--chars-per-token", "3.5",
                 "--token-margin", "0.25"],
    ["--target", "bedrock-text", "--model", "titan-text-express"],
    ["--target", "bedrock-text", "--model", "titan-text-lite", "--chars-per-token", "4",
     "--token-margin", "0"],
])
@pytest.mark.slow
def test_run_dry_run_inspect_and_validate_get_the_same_settings(options, tmp_path, capsys,
                                                                monkeypatch):
    template = _template(tmp_path, {"prompt": "Q: {question}\nA:", "completion": " {response}"})
    options = [o.format(template=template) for o in options]
    made = []
    original = settings_mod.settings

    def spy(*args, **kwargs):
        made.append(original(*args, **kwargs))
        return made[-1]
    for module in (settings_mod, inspect_cmd, validate_cmd):   # (build_config uses settings_mod's)
        monkeypatch.setattr(module, "settings", spy)
    out = tmp_path / "out"
    code, _, err = cli(capsys, "run", "--input", ALPACA, "--output", out, *options)
    assert code == 0, err
    code, _, err = cli(capsys, "run", "--input", ALPACA, "--output", tmp_path / "dry",
                       "--dry-run", *options)
    assert code == 0, err
    code, _, err = cli(capsys, "inspect", ALPACA, *options)
    assert code == 0, err
    code, _, err = cli(capsys, "validate", *options, out)
    assert code == 0 and validate_passed(err), err
    assert len(made) == 4

    def setting(cfg):
        ctx = dataclasses.replace(run_context.target_context(cfg), dataset_uri=None)
        return (run_context.max_chars(cfg), run_context.max_tokens(cfg), cfg.chars_per_token,
                cfg.token_margin, cfg.model, cfg.template, cfg.placeholder_map, ctx)
    run, dry, inspect, validate = map(setting, made)
    assert run == dry == inspect == validate
    if "titan-text-express" in options:   # the model's limit, as characters
        assert run[0] == int(4096 * 6 * 0.9)
