"""One guard for every command (issue 28, item 9/8): what `run` refuses in one line, `validate`,
`inspect`, `--template` and `--config` refuse alike: credentials in a URI (never printed),
special files (a FIFO would hang the command), files too big to hold (/dev/zero, a 1 GB line),
a YAML alias bomb in a job spec, a read-only output folder, a --field-map that takes one key
twice. Each: exit 2 (or a counted problem), one `error:` line, no traceback.

Commands that could hang or fill the memory before the guard run as subprocesses with a
timeout and an address-space limit, so a regression fails the test instead of the machine."""
from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from tuneprep.pipelines.cli import main
from tuneprep.pipelines.command_guard import MAX_SETTINGS_FILE_BYTES

from tests.helpers import write_jsonl

TUNEPREP = Path(sys.executable).parent / "tuneprep"
MEMORY_CAP = 1 << 30     # bytes of address space a guarded command may take
CHAT = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}


def _capped():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def tuneprep(*args, cwd=None) -> subprocess.CompletedProcess:
    """The installed command, killed after 60 s, its memory capped at MEMORY_CAP."""
    return subprocess.run([str(TUNEPREP), *map(str, args)], capture_output=True, text=True,
                          timeout=60, cwd=cwd, preexec_fn=_capped)


def cli(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    return lines[0]


@pytest.fixture
def fifo(tmp_path) -> Path:
    path = tmp_path / "pipe.jsonl"
    os.mkfifo(path)
    return path


# ------------------------------------------------------------------ credentials in a URI

SECRETS = [("s3://AKIAEXAMPLE:SeCrEtVaLuE123@bucket/data.jsonl", "SeCrEtVaLuE123",
            "s3://***@bucket/data.jsonl: credentials in a URI are not accepted"),
           ("s3://bucket/data.jsonl?X-Amz-Signature=SiGnAtUrE456", "SiGnAtUrE456",
            "s3://bucket/data.jsonl?X-Amz-Signature=***: credentials in a URI"),
           ("https://host/data.jsonl?token=ToKeN789", "ToKeN789",
            "https://host/data.jsonl?token=***: credentials in a URI")]


@pytest.mark.parametrize("uri,secret,said", SECRETS)
@pytest.mark.parametrize("command", [["validate", "--target", "openai-chat"], ["inspect"]])
def test_credentials_in_a_uri_are_refused_unprinted(capsys, command, uri, secret, said):
    code, out, err = cli(capsys, *command, uri)
    assert code == 2
    line = one_error_line(err)
    assert said in line
    assert secret not in out + err


# ------------------------------------------------------------------ special files, big files

def test_validate_refuses_a_fifo(fifo):
    done = tuneprep("validate", "--target", "openai-chat", fifo)
    assert done.returncode == 2
    assert one_error_line(done.stderr) == (
        f"error: {fifo}: a FIFO, not a regular file; only regular files are read")


def test_validate_refuses_a_fifo_in_a_folder(tmp_path, fifo):
    write_jsonl(tmp_path / "good.jsonl", [CHAT])
    done = tuneprep("validate", "--target", "openai-chat", tmp_path)
    assert done.returncode == 2
    assert "pipe.jsonl: a FIFO, not a regular file" in one_error_line(done.stderr)


def test_validate_refuses_a_device():
    done = tuneprep("validate", "--target", "openai-chat", "/dev/zero")
    assert done.returncode == 2
    assert one_error_line(done.stderr) == (
        "error: /dev/zero: a character device, not a regular file; only regular files are read")


@pytest.mark.parametrize("template", ["fifo", "/dev/zero"])
def test_template_must_be_a_regular_file(tmp_path, fifo, template):
    data = write_jsonl(tmp_path / "data" / "train.jsonl", [{"prompt": "q", "completion": "a"}])
    path = fifo if template == "fifo" else template
    done = tuneprep("validate", "--target", "sagemaker-instruction", "--template", path, data)
    assert done.returncode == 2
    assert one_error_line(done.stderr).startswith(f"error: --template {path}: a ")


def test_template_is_read_up_to_the_cap(tmp_path):
    big = tmp_path / "template.json"
    big.write_bytes(b" " * (MAX_SETTINGS_FILE_BYTES + 1))
    data = write_jsonl(tmp_path / "data" / "train.jsonl", [{"prompt": "q", "completion": "a"}])
    done = tuneprep("validate", "--target", "sagemaker-instruction", "--template", big, data)
    assert done.returncode == 2
    assert one_error_line(done.stderr) == (
        f"error: --template {big}: over {MAX_SETTINGS_FILE_BYTES:,} bytes; not a settings file")


@pytest.mark.slow
def test_validate_counts_a_1_gb_line_without_holding_it(tmp_path):
    """A sparse 1 GiB line (no newline), then a good one: the first is one record_too_large
    problem at run's limit (--max-record-bytes), read past in chunks; the second is checked."""
    path = tmp_path / "big.jsonl"
    with open(path, "wb") as f:
        f.truncate(1 << 30)
        f.seek(1 << 30)
        f.write(b"\n" + b'{"messages": "not a list"}\n')
    done = tuneprep("validate", "--target", "openai-chat", path)
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == (f"{path}:1: record_too_large: the line is over 16,777,216 bytes "
                        "(--max-record-bytes)")
    assert lines[1].startswith(f"{path}:2: ")   # the line after it is still checked
    assert done.stderr.strip().splitlines()[-1] == (   # (records: 2, under openai-chat's 10)
        "checked 2 records in 1 file: 3 problems in 2 records (record_too_large 1, wrong_type 1, "
        "records 1)")
    assert "Traceback" not in done.stderr


# ------------------------------------------------------------------ job specs

def test_config_refuses_a_fifo(fifo):
    done = tuneprep("run", "--config", fifo)
    assert done.returncode == 2
    assert one_error_line(done.stderr) == (
        f"error: --config {fifo}: a FIFO, not a regular file; only regular files are read")


def test_config_refuses_a_yaml_alias_bomb(tmp_path):
    """Nine levels of nine aliases under beam: 9^9 values from 10 lines; refused at the first
    alias, before anything expands."""
    lines = ["input: data.jsonl", "target: bedrock-text", "output: out", "beam:",
             '  l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 9):
        lines.append(f"  l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * 9) + "]")
    spec = tmp_path / "bomb.yaml"
    spec.write_text("\n".join(lines) + "\n")
    done = tuneprep("run", "--config", spec, cwd=tmp_path)
    assert done.returncode == 2
    assert one_error_line(done.stderr) == (
        f"error: --config {spec}: not valid YAML (line 6): an alias (*l0): aliases are not "
        "taken in a job spec; write the value out")


# ------------------------------------------------------------------ the output folder

@pytest.fixture
def read_only(tmp_path):
    """A folder nothing may be written in: chmod for a user, the immutable flag for root (whom
    permissions do not stop)."""
    folder = tmp_path / "locked"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
        pytest.skip("root, and chattr +i is not available here: no folder is read-only")
    try:
        yield folder
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


@pytest.mark.parametrize("inside", [False, True])
def test_a_read_only_output_is_one_line(capsys, tmp_path, read_only, inside):
    data = write_jsonl(tmp_path / "data.jsonl", [{"instruction": "q", "output": "a"}])
    output = read_only / "dataset" if inside else read_only
    code, out, err = cli(capsys, "run", "--input", data, "--target", "bedrock-text",
                         "--output", output)
    assert code == 2
    line = one_error_line(err)
    assert line.startswith(f"error: --output {output}: cannot write there")
    assert line.endswith(": Operation not permitted" if os.geteuid() == 0
                         else ": Permission denied")
    assert list(read_only.iterdir()) == []


# ------------------------------------------------------------------ --field-map

@pytest.mark.parametrize("field_map,said", [
    ("instruction=a,output=a",
     "--field-map: instruction=a and output=a: the key a can become one name only"),
    ("a=instruction,a=output", "--field-map: a=instruction and a=output: a is given twice")])
def test_a_field_map_taking_one_key_twice_is_refused_at_the_launch(capsys, tmp_path,
                                                                    field_map, said):
    data = write_jsonl(tmp_path / "data.jsonl", [{"a": "q", "output": "x"}])
    code, out, err = cli(capsys, "run", "--input", data, "--target", "bedrock-text",
                         "--output", tmp_path / "out", "--field-map", field_map)
    assert code == 2
    assert said in one_error_line(err)
    assert not (tmp_path / "out").exists()
