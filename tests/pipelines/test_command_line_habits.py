"""Command-line habits (issue 21, item 6): a closed pipe is a quiet exit, bare `tuneprep` prints
the help, -V the version, a misspelt option or job-spec key gets "did you mean", a job spec's
field_map may be a mapping, and `run --print-config` prints a job spec that replays the run."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tuneprep import version
from tuneprep.pipelines.cli import COMMANDS, main, make_parser
from tuneprep.pipelines.closed_pipe import EXIT_CODE
from tuneprep.pipelines.settings import settings

from tests.helpers import REPO, SAMPLES, read_json, read_jsonl

ALPACA = SAMPLES / "alpaca_sample.jsonl"
QA_CSV = REPO / "tests" / "fixtures" / "own_data" / "qa.csv"
TUNEPREP = Path(sys.executable).parent / "tuneprep"   # the installed command


def cli(capsys, *args) -> tuple[int, str, str]:
    try:
        code = main([str(a) for a in args])
    except SystemExit as e:   # --version exits through argparse
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


def shell(command: str) -> subprocess.CompletedProcess:
    """`command` run by bash with pipefail, so the exit status is tuneprep's, not head's."""
    return subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=REPO,
                          capture_output=True, text=True, timeout=120)


# ---------------------------------------------------------------- a closed pipe

@pytest.mark.slow
def test_a_pipe_closed_before_anything_is_written_is_a_quiet_exit():
    done = shell(f"{TUNEPREP} targets | true")   # `true` reads nothing and exits
    assert "Traceback" not in done.stderr and done.stderr == ""
    assert done.returncode == EXIT_CODE == 141


@pytest.mark.slow
def test_head_of_targets_and_of_inspect_end_quietly():
    done = shell(f"{TUNEPREP} targets | head -1")
    assert done.stdout == "TARGETS\n" and done.stderr == ""
    assert done.returncode in (0, EXIT_CODE)   # 0 when every byte was written before head quit
    # far more than a pipe's buffer (64 KiB): the writes after head has quit meet a closed pipe
    done = shell(f"{TUNEPREP} inspect {ALPACA} {SAMPLES / 'chat_sample.jsonl'} --records 100 "
                 "--full --target bedrock-text | head -1")
    assert done.stdout.startswith("== ") and done.stdout.count("\n") == 1
    assert "Traceback" not in done.stderr and done.stderr == ""
    assert done.returncode == EXIT_CODE


# ---------------------------------------------------------------- help, version

def test_bare_tuneprep_prints_the_help(capsys):
    code, out, err = cli(capsys)
    assert code == 0 and err == ""
    assert out.startswith("usage: tuneprep")
    for name in COMMANDS:
        assert f"\n    {name} " in out


@pytest.mark.parametrize("flag", ["-V", "--version"])
def test_dash_v_and_version_print_the_version(capsys, flag):
    code, out, err = cli(capsys, flag)
    assert code == 0 and out == f"tuneprep {version()}\n" and err == ""


# ---------------------------------------------------------------- did you mean

def test_a_misspelt_run_option_gets_a_suggestion(capsys, tmp_path):
    code, out, err = cli(capsys, "run", "--input", ALPACA, "--target", "bedrock-text",
                         "--output", tmp_path / "o", "--validaton-split", "0.1")
    assert code == 2 and out == ""
    assert err.startswith("error: option --validaton-split: unknown; did you mean "
                          "--validation-split")
    assert "see `tuneprep run --help`" in err and err.count("\n") == 1
    assert not (tmp_path / "o").exists()
    code, _, err = cli(capsys, "run", "--input", ALPACA, "--target", "bedrock-text",
                       "--output", tmp_path / "o", "--print-confg")
    assert code == 2 and "did you mean --print-config" in err


def test_a_misspelt_option_of_another_command_gets_a_suggestion(capsys):
    code, out, err = cli(capsys, "inspect", ALPACA, "--recrods", "1")
    assert code == 2 and out == ""
    assert err.startswith("error: option --recrods: unknown; did you mean --records")
    assert err.rstrip().endswith("see `tuneprep inspect --help`") and err.count("\n") == 1


def test_a_misspelt_job_spec_key_gets_a_suggestion(capsys, tmp_path):
    spec = tmp_path / "job.yaml"
    spec.write_text(f"input: {ALPACA}\ntarget: bedrock-text\noutput: {tmp_path / 'o'}\n"
                    "fieldmap: {instruction: question}\n", encoding="utf-8")
    code, out, err = cli(capsys, "run", "--config", spec)
    assert code == 2 and out == ""
    assert err == (f"error: {spec}: key fieldmap: unknown; did you mean field_map? "
                   "see `tuneprep run --help` for the options\n")
    spec.write_text(f"input: {ALPACA}\ntarget: bedrock-text\noutput: {tmp_path / 'o'}\n"
                    "beam: {runer: DirectRunner}\n", encoding="utf-8")
    code, _, err = cli(capsys, "run", "--config", spec)
    assert code == 2 and "key beam.runer: unknown; did you mean beam.runner?" in err
    assert err.count("\n") == 1


# ---------------------------------------------------------------- field_map as a mapping

@pytest.mark.slow
def test_a_job_spec_field_map_may_be_a_mapping(capsys, tmp_path):
    spec = tmp_path / "job.yaml"
    spec.write_text(yaml.safe_dump({
        "input": str(QA_CSV), "target": "bedrock-text", "output": str(tmp_path / "out"),
        "field_map": {"instruction": "question", "response": "answer"}}), encoding="utf-8")
    code, out, err = cli(capsys, "run", "--config", spec)
    assert code == 0, err
    assert out.startswith("records in: 6; accepted: 6; written: train 6; dead letters: 0")
    rows = read_jsonl(tmp_path / "out" / "train" / "train.jsonl")
    assert rows[0] == {"prompt": "What is the capital of France?", "completion": "Paris."}
    assert read_json(tmp_path / "out" / "manifest.json")["options"]["field_map"] == {
        "instruction": "question", "response": "answer"}


def test_map_and_list_options_take_yaml_forms_or_text_alike(capsys, tmp_path):
    base = {"input": str(ALPACA), "target": "sagemaker-instruction", "output": "/o"}
    as_yaml = {**base, "field_map": {"instruction": "question"}, "repair":
               ["drop_inner_system", "merge_consecutive"], "placeholder_map": {"instruction":
                                                                                "instruction"}}
    as_text = {**base, "field_map": "instruction=question", "repair":
               "drop_inner_system,merge_consecutive", "placeholder_map": "instruction=instruction"}
    configs = []
    for name, spec in (("yaml", as_yaml), ("text", as_text)):
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump(spec), encoding="utf-8")
        args, _ = make_parser().parse_known_args(_expanded(path))
        configs.append(settings(args))
    assert configs[0] == configs[1]
    assert configs[0].adapter.field_map == {"instruction": "question"}
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({**base, "field_map": {"instruction": ["a", "b"]}}))
    code, _, err = cli(capsys, "run", "--config", bad)
    assert code == 2 and "field_map.instruction: expected a string, got a list" in err


def _expanded(path: Path) -> list[str]:
    from tuneprep.pipelines.job_spec import expand_config
    return expand_config(["run", "--config", str(path)])


# ---------------------------------------------------------------- --print-config

def test_print_config_replays_the_same_run(capsys, tmp_path):
    out_dir = tmp_path / "out"
    argv = ["run", "--input", ALPACA, "--input", SAMPLES / "chat_sample.jsonl", "--target",
            "bedrock-text", "--output", out_dir, "--validation-split", "0.1", "--field-map",
            "instruction=question,response=answer", "--repair", "drop_inner_system",
            "--overwrite", "--runner", "DirectRunner", "--direct_num_workers=2"]
    code, printed, err = cli(capsys, *argv, "--print-config")
    assert code == 0 and err == ""
    assert not out_dir.exists()                     # nothing read or written
    spec = yaml.safe_load(printed)
    assert spec == {"input": [str(ALPACA), str(SAMPLES / "chat_sample.jsonl")],
                    "output": str(out_dir), "target": "bedrock-text",
                    "field_map": {"instruction": "question", "response": "answer"},
                    "repair": ["drop_inner_system"], "validation_split": 0.1,
                    "overwrite": True,
                    "beam": {"runner": "DirectRunner", "direct_num_workers": "2"}}
    path = tmp_path / "job.yaml"
    path.write_text(printed, encoding="utf-8")
    code, again, err = cli(capsys, "run", "--config", path, "--print-config")
    assert code == 0 and again == printed           # the round trip prints the same file
    direct, direct_beam = make_parser().parse_known_args([str(a) for a in argv])
    replayed, replayed_beam = make_parser().parse_known_args(_expanded(path))
    assert settings(replayed) == settings(direct)   # ... and makes the same settings
    assert vars(replayed) == vars(direct)
    assert sorted(replayed_beam) == sorted(["--runner=DirectRunner", "--direct_num_workers=2"])


def test_print_config_refuses_what_run_refuses(capsys, tmp_path):
    code, out, err = cli(capsys, "run", "--input", ALPACA, "--target", "bedrock-text",
                         "--output", tmp_path / "o", "--validation-split", "2", "--print-config")
    assert code == 2 and out == "" and "--validation-split must be" in err
