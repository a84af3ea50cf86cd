"""One config (issue 23, item 5): RunConfig is frozen and built by settings.build_config; the
launcher's later facts come from one function (cli.claimed_run), as a copy; each option's default
is its config field's, and every job-spec key is a setting or the launcher's own option."""
from __future__ import annotations

import dataclasses
import pickle

import pytest

from tuneprep.pipelines import job_spec
from tuneprep.pipelines.cli import claimed_run, make_parser
from tuneprep.pipelines.options import (LAUNCHER_OPTIONS, LIST_OPTIONS, MAP_OPTIONS,
                                         SETTING_FIELDS, WORKED_OUT)
from tuneprep.pipelines.settings import (LOCAL_BATCH_SIZE, batch_size_for, build_config,
                                          parse_map)
from tuneprep.transforms.core.config import RunConfig, config_default

from tests.helpers import SAMPLES

ALPACA = SAMPLES / "alpaca_sample.jsonl"


def run_config(tmp_path, *extra: str):
    args, _ = make_parser().parse_known_args(
        ["run", "--input", str(ALPACA), "--validation-input", str(SAMPLES / "chat_sample.jsonl"),
         "--target", "bedrock-text", "--output", str(tmp_path / "out"), *extra])
    return build_config(args)


def test_the_built_config_is_frozen_and_pickles_whole(tmp_path, capsys):
    cfg = run_config(tmp_path, "--repair", "drop_inner_system")
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.output = "elsewhere"
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.claimed = True
    # no list a worker (or the launcher) could still change under the others
    for name in ("inputs", "validation_inputs", "repair", "input_warnings", "skipped_inputs"):
        assert isinstance(getattr(cfg, name), tuple), name
    assert cfg.inputs == (str(ALPACA),) and cfg.validation_inputs
    assert pickle.loads(pickle.dumps(cfg)) == cfg   # Beam's DoFns carry it to the workers


def test_a_list_given_to_the_config_is_kept_as_a_tuple(tmp_path, capsys):
    cfg = dataclasses.replace(run_config(tmp_path), inputs=["a", "b"], input_warnings=["w"])
    assert cfg.inputs == ("a", "b") and cfg.input_warnings == ("w",)


@pytest.mark.parametrize("output, beam_args, by_launcher, drop", [
    ("local", [], True, True),                                          # the local runner
    ("local", ["--runner", "FlinkRunner"], True, False),                # a runner that retries
    ("local", ["--runner", "FlinkRunner", "--output_executable_path", "job.jar"], False, False),
    ("s3://bucket/out", [], True, False),                               # not local disk
])
def test_the_claimed_run_says_who_writes_success_and_whether_parts_go(
        output, beam_args, by_launcher, drop, tmp_path, capsys):
    cfg = run_config(tmp_path)
    if output != "local":
        cfg = dataclasses.replace(cfg, output=output)
    claimed = claimed_run(cfg, beam_args)
    assert (claimed.claimed, claimed.success_by_launcher, claimed.drop_copied_parts) == (
        True, by_launcher, drop)
    assert not cfg.claimed   # a copy: the config built before the claim is left as it was
    assert dataclasses.replace(claimed, claimed=False, success_by_launcher=False,
                               drop_copied_parts=False) == cfg


# --- each default written once: in the config, taken by the options and the job spec ------------

def _field(path: str):
    """The dataclass field behind a SETTING_FIELDS path ("read.encoding": ReadOptions')."""
    owner = RunConfig
    if "." in path:
        holder, path = path.split(".", 1)
        owner = RunConfig.__dataclass_fields__[holder].default_factory
    return owner.__dataclass_fields__[path]


def _text_form(dest: str, text):
    """An option's text as the config holds it (a map or list option's "" is empty)."""
    if dest in MAP_OPTIONS:
        return parse_map(text, dest)
    if dest in LIST_OPTIONS:
        return tuple(name for name in text.split(",") if name)
    return list(text) if isinstance(text, list) else text


def test_every_job_spec_key_is_a_setting_or_the_launchers_own():
    keys = set(job_spec._run_actions())
    assert keys == set(SETTING_FIELDS) | set(LAUNCHER_OPTIONS)
    assert not set(SETTING_FIELDS) & set(LAUNCHER_OPTIONS)
    assert set(WORKED_OUT) <= set(SETTING_FIELDS)
    for path in SETTING_FIELDS.values():
        _field(path)   # a field of the config (KeyError otherwise)


def test_each_options_default_is_its_config_fields():
    actions = job_spec._run_actions()
    for dest, path in SETTING_FIELDS.items():
        action = actions[dest]
        if action.required or dest in WORKED_OUT:   # none, or worked out at the launch
            assert action.default in (None, []), dest
            continue
        expected = config_default(path)
        assert _text_form(dest, action.default) == (list(expected) if action.default == []
                                                    else expected), dest


def test_the_options_take_their_defaults_from_the_config(monkeypatch):
    """Change a default in the config alone: the option follows (it is written once)."""
    actions = job_spec._run_actions()
    direct = {dest: path for dest, path in SETTING_FIELDS.items()
              if dest not in (*WORKED_OUT, *MAP_OPTIONS, *LIST_OPTIONS)
              and actions[dest].default is not None and actions[dest].default is not False
              and not actions[dest].required and actions[dest].default != []}
    assert set(direct) == {"token_margin", "encoding", "text_unit", "validation_split",
                           "max_record_bytes", "split_bytes"}
    changed = {dest: _another(config_default(path)) for dest, path in direct.items()}
    for dest, path in direct.items():
        monkeypatch.setattr(_field(path), "default", changed[dest])
    actions = job_spec._run_actions()
    assert {dest: actions[dest].default for dest in direct} == changed


def _another(value):
    """A different value of the same type."""
    return value + ("-changed" if isinstance(value, str) else 1 if isinstance(value, int)
                    else 0.125)


def test_the_batch_size_falls_back_to_the_configs(tmp_path):
    assert batch_size_for(str(tmp_path)) == LOCAL_BATCH_SIZE
    assert batch_size_for("s3://bucket/out") == batch_size_for(None) == config_default(
        "batch_size")
