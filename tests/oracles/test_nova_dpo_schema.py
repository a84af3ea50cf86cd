"""SageMaker's Nova DPO JSON Schema (sagemaker-train's ai_registry/schemas/dpo.json) as the
oracle for nova-dpo: what `tuneprep run --target nova-dpo` writes from the shared DPO demo and
issue 25's preference fixtures passes it and `tuneprep validate`; each bad record is refused by
validate with its reason, and where the schema is laxer than the Nova DPO page the case says
so (docs/preference-formats.md §3: two "preferred", candidates mid-conversation)."""
from __future__ import annotations

import orjson
import pytest

from tests.helpers import REPO, read_json
from tuneprep.pipelines.cli import main

pytestmark = pytest.mark.slow

DPO_DEMO = "/work/shared/corpora/llamafactory_samples/dpo_en_demo.json"
FIXTURES = REPO / "tests" / "fixtures" / "issue25"


def _user(text="Name a prime."):
    return {"role": "user", "content": [{"text": text}]}


def _nova(*candidates, prompt=None, **extra) -> dict:
    candidates = candidates or ({"content": [{"text": "7"}], "preferenceLabel": "preferred"},
                                {"content": [{"text": "9"}], "preferenceLabel": "non-preferred"})
    return {"schemaVersion": "bedrock-conversation-2024", **extra, "messages": (
        prompt or [_user()]) + [{"role": "assistant", "candidates": list(candidates)}]}


def _label(text, label):
    return {"content": [{"text": text}], "preferenceLabel": label}


# (record, tuneprep's reason, does the schema refuse it too?)
CASES = [
    (_nova(), None, False),
    (_nova(system=[{"text": "Be brief."}]), None, False),
    (_nova(_label("7", "preferred"), _label("9", "worse")), "missing_label", True),
    (_nova(_label("7", "preferred")), "invalid_record", True),
    (_nova(id="x"), "invalid_record", True),
    (_nova(_label("7", "preferred"), _label("", "non-preferred")), "empty_field", False),
    # laxer schema: it takes two "preferred", and candidates before the last message
    (_nova(_label("7", "preferred"), _label("9", "preferred")), "missing_label", False),
    (_nova(prompt=[_user(), {"role": "assistant", "candidates": [
        _label("7", "preferred"), _label("9", "non-preferred")]}, _user("Another?")]),
     "invalid_record", False),
]


def _cli(capsys, *argv) -> tuple[int, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    return code, out


def test_each_case_is_refused_with_its_reason(sagemaker_schema, tmp_path, capsys):
    for index, (record, expected, schema_refuses) in enumerate(CASES):
        path = tmp_path / f"case{index}.jsonl"
        path.write_bytes(orjson.dumps(record) + b"\n")
        _, out = _cli(capsys, "validate", path, "--target", "nova-dpo", "--format", "json")
        found = {p["reason"] for p in orjson.loads(out)["problems"] if p["line"] is not None}
        assert found == ({expected} if expected else set()), record
        assert bool(sagemaker_schema("dpo", [path])["refused"]) == schema_refuses, record


@pytest.mark.parametrize("source, written", [(DPO_DEMO, 300),
                                             (FIXTURES / "nova_dpo.jsonl", 1),
                                             (FIXTURES / "trl_preference.jsonl", 3)])
def test_what_run_writes_passes_the_schema_and_validate(sagemaker_schema, source, written,
                                                        tmp_path, capsys):
    out = tmp_path / "out"
    _cli(capsys, "run", "--input", source, "--output", out, "--target", "nova-dpo",
         "--keep-going")
    report = read_json(out / "report.json")
    assert report["accepted_records"] == written
    files = sorted((out / "train").glob("*.jsonl"))
    if report["errors"]:   # under the 8-record minimum: nothing written, as it should be
        assert not files and written < 8
        return
    verdict = sagemaker_schema("dpo", files)
    assert (verdict["records"], verdict["refused"]) == (written, [])
    code, _ = _cli(capsys, "validate", *files, "--target", "nova-dpo")
    assert code == 0
