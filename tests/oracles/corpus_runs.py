"""The runs AWS's validators judge: each shared corpus (../shared/corpora) through each target
and model an oracle covers, one `tuneprep run` each. Plain Python: the oracle tests
(test_oracle_corpora.py) and benchmarks/oracle_table.py run the same list.

Which oracle covers what: the Nova Forge SDK the Nova models of bedrock-conversation, one model
a rule set (NOVA_RULE_SETS); the SageMaker SDK's `converse` schema every bedrock-conversation
record, its `openai_chat` schema the openai-chat records. AWS's Haiku, Llama and distillation
validators (aws-samples scripts, no registry package) cannot run here: their rules are
conformance cases in tests/transforms/targets/test_validator_parity.py.
"""
from __future__ import annotations

import contextlib
import io
import shutil
from dataclasses import dataclass
from pathlib import Path

import orjson

from tuneprep.pipelines.cli import main

CORPUS_INPUTS = {   # id: (file under the shared corpora, extra options, copies of the file read)
    "alpaca": ("alpaca_demo_1k/alpaca_en_demo.json", [], 1),
    "sharegpt": ("sharegpt_fastchat_dummy/dummy_conversation.json", [], 1),
    "nova-tooluse-train": ("bedrock_samples/nova_tooluse_train_ft.jsonl", [], 1),
    "nova-tooluse-converse": ("bedrock_samples/nova_tooluse_formatted_test_ft.jsonl", [], 1),
    # glaive: 153 of its 300 records call tools, and Nova takes toolUse in every record or
    # in none: one dataset of each kind, chosen explicitly; read twice, as Nova 2 Lite's
    # 200-record minimum is over either half (2 x 153 with calls, 2 x 147 without)
    "glaive-calls": ("sharegpt_glaive_toolcall/glaive_toolcall_en_demo.json",
                     ["--records-with", "toolUse"], 2),
    "glaive-no-calls": ("sharegpt_glaive_toolcall/glaive_toolcall_en_demo.json",
                        ["--records-without", "toolUse"], 2),
    "glaive": ("sharegpt_glaive_toolcall/glaive_toolcall_en_demo.json", [], 1),
    "llamafactory-v1": ("llamafactory_samples/v1_sft_demo.jsonl", [], 1),
    "openai-toy": ("openai_chat_toy/toy_chat_fine_tuning.jsonl", [], 1),
}
# openai-chat reads glaive whole (--records-with is bedrock-conversation's)
OPENAI_CORPORA = ("alpaca", "sharegpt", "glaive", "nova-tooluse-train", "nova-tooluse-converse",
                  "llamafactory-v1", "openai-toy")

# One model a rule set: nova-pro is nova-lite's rules under another name (test_oracle_corpora
# checks that), so nova-lite stands for both
NOVA_RULE_SETS = ("nova-micro", "nova-lite", "nova-2-lite")
NOVA1 = ("nova-micro", "nova-lite")
# corpora with no corpus test for a model, and why (each is still a row of the oracle table)
NOT_FOR = {
    # Nova 1 takes no tool use: every record is a tool_turn dead letter
    "glaive-calls": NOVA1,
    # toolUse in some records only: the halves above instead (read whole, Nova 1 dead-letters
    # the calls, as glaive-calls shows, and writes glaive-no-calls; for openai-chat)
    "glaive": NOVA_RULE_SETS,
    # under Nova 2 Lite's 200-record minimum
    "nova-tooluse-converse": ("nova-2-lite",),
    # 5 records (3 of them bad): under every Nova minimum
    "openai-toy": NOVA_RULE_SETS,
}


def nova_runs(all_runs: bool = False) -> list[tuple[str, str]]:
    """(model, corpus) of each Nova run; `all_runs`: NOT_FOR's too."""
    return [(model, name) for name in CORPUS_INPUTS for model in NOVA_RULE_SETS
            if all_runs or model not in NOT_FOR.get(name, ())]


@dataclass
class Run:
    code: int
    out: Path
    report: dict | None
    err: str

    @property
    def files(self) -> list[Path]:
        return sorted(p for split in ("train", "validation")
                      for p in (self.out / split).glob("*.jsonl"))


def _inputs(corpora: Path, name: str, workdir: Path) -> list:
    """--input arguments for a corpus, each copy a file of its own (a file named twice is
    read once)."""
    path, _, copies = CORPUS_INPUTS[name]
    if copies == 1:
        return ["--input", corpora / path]
    argv = []
    for n in range(copies):
        copy = workdir / "in" / name / str(n) / Path(path).name
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(corpora / path, copy)
        argv += ["--input", copy]
    return argv


def run(corpora: Path, target: str, model: str | None, name: str, workdir: Path) -> Run:
    """`tuneprep run` of corpus `name` into workdir/<target>/<model>/<name>, in this process."""
    out = workdir / target / (model or "any") / name
    extra = CORPUS_INPUTS[name][1]
    argv = ["run", "--target", target, *(["--model", model] if model else []),
            *_inputs(corpora, name, workdir), *extra, "--output", out]
    printed, errors = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(errors):
        code = main([str(a) for a in argv])
    report = out / "report.json"
    return Run(code, out, orjson.loads(report.read_bytes()) if report.exists() else None,
               errors.getvalue())
