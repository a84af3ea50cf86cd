"""One config (issue 23, item 5): RunConfig is frozen and built by settings.build_config; the
launcher's later facts come from one function (cli.claimed_run), as a copy."""
from __future__ import annotations

import dataclasses
import pickle

import pytest

from tuneprep.pipelines.cli import claimed_run, make_parser
from tuneprep.pipelines.settings import build_config

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
