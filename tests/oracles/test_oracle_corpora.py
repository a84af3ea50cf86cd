"""AWS's validators over the shared corpora: every record tuneprep writes from them, for every
rule set of bedrock-conversation's Nova models and for openai-chat, passes the oracles that
cover it (the Nova Forge SDK; the SageMaker SDK's `converse` and `openai_chat` schemas), with
zero refusals. One `tuneprep run` per corpus and model (corpus_runs.py, the list
benchmarks/oracle_table.py tabulates), judged by every oracle that covers it.

AWS's Haiku, Llama and distillation validators are aws-samples scripts, not registry packages:
they cannot run here, and their rules stand as conformance cases in
tests/transforms/targets/test_validator_parity.py."""
from __future__ import annotations

from dataclasses import replace

import pytest

from tuneprep.transforms.targets.models import get_model

from tests.helpers import read_jsonl
from tests.oracles.corpus_runs import NOVA_RULE_SETS, OPENAI_CORPORA, nova_runs, run

pytestmark = pytest.mark.slow


def test_nova_pro_is_nova_lite_under_another_name():
    """Why nova-pro has no corpus runs of its own (NOVA_RULE_SETS): every rule tuneprep has for
    it is nova-lite's, and the Forge SDK checks the two alike (test_nova_forge's rule cases
    run through both)."""
    lite, pro = get_model("nova-lite"), get_model("nova-pro")
    assert replace(pro, name=lite.name, display=lite.display,
                   bedrock_model_id=lite.bedrock_model_id) == lite
    assert "nova-pro" not in NOVA_RULE_SETS


@pytest.mark.parametrize("model, name", nova_runs())
def test_nova_corpora_written_pass_forge_and_converse_schema(oracle, corpora, model, name,
                                                             tmp_path):
    done = run(corpora, "bedrock-conversation", model, name, tmp_path)
    assert done.code == 0, done.err
    written = sum(done.report["output_records"].values())
    forge = oracle.forge(model, done.files)
    assert (forge["refused"][:3], forge["dataset_error"]) == ([], None)
    schema = oracle.schema("converse", done.files)
    assert schema["refused"][:3] == []
    assert forge["records"] == schema["records"] == written > 0


def _tool_lines(path) -> set[int]:
    return {n for n, obj in enumerate(read_jsonl(path), 1)
            if any(m["role"] == "tool" or "tool_calls" in m for m in obj["messages"])}


@pytest.mark.parametrize("name", [n for n in OPENAI_CORPORA if n != "openai-toy"])
def test_openai_chat_corpora_written_pass_the_openai_chat_schema(oracle, corpora, name,
                                                                 tmp_path):
    """Zero refusals but for tool use: the SageMaker SDK's openai_chat schema predates tools
    (roles system/user/assistant, string content), and OpenAI's fine-tuning chat input
    reference overrules it (assistant `tool_calls` with null content, `tool` messages:
    docs/sources/formats-2026.md, "OpenAI chat with tools"); those records are checked by the
    target's own rules and tests/e2e/test_tool_round_trip.py."""
    done = run(corpora, "openai-chat", None, name, tmp_path)
    assert done.code == 0, done.err
    verdict = oracle.schema("openai_chat", done.files)
    assert verdict["records"] == sum(done.report["output_records"].values()) > 0
    tools = {(str(f), n) for f in done.files for n in _tool_lines(f)}
    assert {(r["file"], r["line"]) for r in verdict["refused"]} == tools


def test_openai_toy_is_refused_whole_for_its_size(corpora, tmp_path):
    """The toy corpus keeps 4 good records of 5: under openai-chat's minimum, the run fails and
    writes no data (the oracle table's row for it)."""
    done = run(corpora, "openai-chat", None, "openai-toy", tmp_path)
    assert done.code == 1 and done.files == []
    assert "train has 4 records; openai-chat needs at least 10" in done.err
