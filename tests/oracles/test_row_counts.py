"""Bedrock's record-count bounds for Nova, as the Nova Forge SDK checks them before training
(`validate_row_counts`, which nova_forge_check.py calls as the SDK's training pre-flight does):
a training set under the model's minimum or over its maximum is refused by the oracle, and by
`tuneprep validate` (reason `records`) and `tuneprep run` (no dataset written) alike; one at
the bounds is taken by all three. One model a bound set: Nova 1 (nova-lite), Nova 2 Lite."""
from __future__ import annotations

import orjson
import pytest

from tuneprep.pipelines.cli import main
from tuneprep.transforms.targets.models import get_model

from tests.helpers import write_jsonl

pytestmark = pytest.mark.slow

TARGET = "bedrock-conversation"


def _records(n: int) -> list[dict]:
    return [{"schemaVersion": "bedrock-conversation-2024", "messages": [
        {"role": "user", "content": [{"text": f"Question {i}?"}]},
        {"role": "assistant", "content": [{"text": f"Answer {i}."}]}]} for i in range(n)]


def _validate_reasons(capsys, model: str, path) -> list[str]:
    code = main(["validate", "--target", TARGET, "--model", model, "--format", "json", str(path)])
    reasons = [p["reason"] for p in orjson.loads(capsys.readouterr().out)["problems"]]
    assert code == (1 if reasons else 0)
    return reasons


def _oracle_refuses(verdict: dict) -> bool:
    assert verdict["refused"] == []
    return (verdict["dataset_error"] or "").startswith("row counts:")


@pytest.mark.parametrize("model", ["nova-lite", "nova-2-lite"])
def test_under_the_minimum_refused_alike(oracle, model, tmp_path, capsys):
    minimum = get_model(model).min_records
    for n, refused in ((minimum - 1, True), (minimum, False)):
        source = write_jsonl(tmp_path / str(n) / "train.jsonl", _records(n))
        assert _oracle_refuses(oracle.forge(model, [source])) is refused, n
        assert _validate_reasons(capsys, model, source) == (["records"] if refused else []), n
        out = tmp_path / str(n) / "out"
        code = main(["run", "--target", TARGET, "--model", model, "--input", str(source),
                     "--output", str(out)])
        err = capsys.readouterr().err
        assert code == (1 if refused else 0), err
        assert (out / "train/train.jsonl").exists() is not refused
        if refused:
            assert f"train has {n} records; {model} needs at least {minimum}" in err


@pytest.mark.parametrize("model", ["nova-lite", "nova-2-lite"])
def test_over_the_maximum_refused_alike(oracle, model, tmp_path, capsys):
    """The oracle is asked for the count alone (--train-records): 20,001 records through its
    per-record checks take half a minute; `tuneprep validate` reads the files."""
    maximum = get_model(model).max_train_records
    for n, refused in ((maximum, False), (maximum + 1, True)):
        verdict = oracle.forge_row_counts(model, n)
        assert _oracle_refuses(verdict) is refused, n
        source = write_jsonl(tmp_path / str(n) / "train.jsonl", _records(n))
        assert bool(_validate_reasons(capsys, model, source)) is refused, n

