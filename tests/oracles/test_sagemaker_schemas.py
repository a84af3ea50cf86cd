"""The JSON Schemas AWS ships in the SageMaker Python SDK (sagemaker/ai_registry/schemas, read by
its dataset format detector) as a second oracle: every bedrock-conversation record tuneprep
writes, tool use and reasoning included, fits `converse.json`, and every text-only openai-chat
record fits `openai_chat.json` (that schema knows no tool messages, so the tool-use openai-chat
files are checked by the target's own rules and the round-trip test instead)."""
from __future__ import annotations

from pathlib import Path

import pytest

from tuneprep.pipelines.cli import main

from tests.helpers import REPO, SAMPLES

pytestmark = pytest.mark.slow

TOOLS = REPO / "tests/fixtures/tools"
# (converse_tools.jsonl names S3 images: the Forge tests check records with media on S3)
CONVERSE_RUNS = {   # id: (input, model, extra options)
    "alpaca": (SAMPLES / "alpaca_sample.jsonl", "nova-lite", []),
    "chat": (SAMPLES / "chat_sample.jsonl", "nova-micro", []),
    "openai-tools": (TOOLS / "openai_parallel.jsonl", None, []),
    "sharegpt-tools": (TOOLS / "sharegpt_llamafactory.jsonl", None, []),
    "think": (TOOLS / "think.jsonl", None, []),
}


def _run(capsys, source: Path, target: str, out: Path, *extra) -> list[Path]:
    code = main(["run", "--input", str(source), "--target", target, "--output", str(out),
                 *map(str, extra)])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    files = sorted(p for split in ("train", "validation") for p in (out / split).glob("*.jsonl"))
    assert files
    return files


@pytest.mark.parametrize("name", CONVERSE_RUNS)
def test_bedrock_conversation_records_fit_the_converse_schema(sagemaker_schema, name,
                                                             tmp_path, capsys):
    source, model, extra = CONVERSE_RUNS[name]
    files = _run(capsys, source, "bedrock-conversation", tmp_path / "out",
                 *(["--model", model] if model else []), *extra)
    verdict = sagemaker_schema("converse", files)
    assert verdict["records"] > 0 and verdict["refused"] == [], verdict["refused"][:3]


@pytest.mark.parametrize("name", ["chat_sample.jsonl", "openai_toy_chat.jsonl"])
def test_text_openai_chat_records_fit_the_openai_chat_schema(sagemaker_schema, name, tmp_path,
                                                            capsys):
    files = _run(capsys, SAMPLES / name, "openai-chat", tmp_path / "out")
    verdict = sagemaker_schema("openai_chat", files)
    assert verdict["records"] > 0 and verdict["refused"] == [], verdict["refused"][:3]
