"""schemaVersion (issue 22, item 3): every bedrock-conversation record carries exactly
"bedrock-conversation-2024", Nova's too, as AWS's Nova Forge SDK refuses any other value (the
Nova page's "any string" is not what the validator does; transforms/targets/converse_check.py
check_converse). `run` writes it, `validate` refuses another: the two agree."""
from __future__ import annotations

import pytest

from tuneprep.pipelines.cli import main
from tests.helpers import read_jsonl, write_jsonl


def record(i: int, version: str | None) -> dict:
    obj = {"schemaVersion": version} if version is not None else {}
    obj["messages"] = [{"role": "user", "content": [{"text": f"question {i}"}]},
                       {"role": "assistant", "content": [{"text": f"answer {i}"}]}]
    return obj


@pytest.mark.slow
@pytest.mark.parametrize("model", ["nova-lite", "nova-2-lite"])
def test_validate_refuses_another_schema_version_and_run_writes_the_one(model, tmp_path,
                                                                       capsys):
    # AWS's own Nova tool-use sample says "tooluse-dataset-2024"; one record says none
    rows = [record(i, "tooluse-dataset-2024") for i in range(199)] + [record(199, None)]
    source = write_jsonl(tmp_path / "converse.jsonl", rows)
    check = ["validate", "--target", "bedrock-conversation", "--model", model]
    assert main([*check, "--all", str(source)]) == 1
    out, _ = capsys.readouterr()
    refused = [line for line in out.splitlines() if ": invalid_record: " in line]
    assert len(refused) == 200
    assert refused[0].endswith(":1: invalid_record: schemaVersion is 'tooluse-dataset-2024', "
                               "not 'bedrock-conversation-2024'")
    assert refused[-1].endswith(":200: invalid_record: schemaVersion is None, not "
                                "'bedrock-conversation-2024'")
    out_dir = tmp_path / "out"
    code = main(["run", "--input", str(source), "--target", "bedrock-conversation", "--model",
                 model, "--output", str(out_dir)])
    assert code == 0, capsys.readouterr().err
    written = read_jsonl(out_dir / "train/train.jsonl")
    assert len(written) == 200
    assert {r["schemaVersion"] for r in written} == {"bedrock-conversation-2024"}
    capsys.readouterr()
    assert main([*check, str(out_dir / "train/train.jsonl")]) == 0
