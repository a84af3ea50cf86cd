"""SageMaker's own JSON Schema for preference data (hf_preference.json in sagemaker-train's
ai_registry, which its upload check, DatasetFormatDetector, reads) as the oracle of
sagemaker-ai-dpo: every record tuneprep writes from issue 25's preference fixtures and from
LLaMA-Factory's DPO demo fits it; and the schema is lax where tuneprep is strict (it takes
chosen and rejected with different system messages, which the service page refuses)."""
from __future__ import annotations

import pytest

from tests.helpers import CORPORA, REPO, write_jsonl
from tests.oracles.test_sagemaker_schemas import _run

pytestmark = pytest.mark.slow

DPO_DEMO = CORPORA / "llamafactory_samples" / "dpo_en_demo.json"
RUNS = {"fixtures": REPO / "tests" / "fixtures" / "issue25" / "trl_preference.jsonl",
        "llamafactory-dpo": DPO_DEMO}


@pytest.mark.parametrize("name", RUNS)
def test_sagemaker_ai_dpo_records_fit_the_hf_preference_schema(sagemaker_schema, name,
                                                              tmp_path, capsys):
    if not RUNS[name].exists():
        pytest.skip(f"{RUNS[name]} is not here")
    files = _run(capsys, RUNS[name], "sagemaker-ai-dpo", tmp_path / "out", "--keep-going")
    verdict = sagemaker_schema("hf_preference", files)
    assert verdict["records"] > 0 and verdict["refused"] == [], verdict["refused"][:3]


def test_the_schema_takes_different_system_messages_tuneprep_refuses(sagemaker_schema,
                                                                     tmp_path):
    from tuneprep.transforms.targets import get_target
    record = {"chosen": [{"role": "system", "content": "Be brief."},
                         {"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}],
              "rejected": [{"role": "system", "content": "Be long."},
                           {"role": "user", "content": "q"}, {"role": "assistant", "content": "b"}]}
    verdict = sagemaker_schema("hf_preference", [write_jsonl(tmp_path / "r.jsonl", [record])])
    assert verdict["refused"] == []
    assert [r for r, _ in get_target("sagemaker-ai-dpo").validate(record, None)] == \
        ["prompt_mismatch"]
