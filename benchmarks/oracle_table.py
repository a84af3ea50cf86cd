"""The oracle table: each shared corpus (../shared/corpora) through each target and model AWS's
validators cover, one `tuneprep run` each, and what the validators say of what it wrote.

    python -m benchmarks.oracle_table                   # Nova x4, Llama 3.2 1B, openai-chat
    python -m benchmarks.oracle_table --models nova-lite nova-2-lite --corpora alpaca glaive

Prints two markdown tables: target/model x validator -> records written / refused by the
validator (summed over the corpora), then one row a run (records in, written, dead letters,
each validator's refusals; a run that fails writes nothing, and its first error is shown).
The validators are the oracle tests' (tests/oracles: the Nova Forge SDK, the SageMaker SDK's
`converse` and `openai_chat` schemas, in .venv-oracle, `make oracle`), the runs are
tests/oracles/corpus_runs.py's list. Exit 1 when a validator refused a written record
(the openai_chat schema's tool-use refusals apart: that schema predates tools, and OpenAI's
fine-tuning reference overrules it; they are shown, marked "tool use").
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import orjson

from tests.helpers import CORPORA
from tests.oracles.corpus_runs import CORPUS_INPUTS, OPENAI_CORPORA, run
from tests.oracles.oracle_client import FORGE_MODEL, ORACLE_PYTHON, Oracle

CONVERSATION = "bedrock-conversation"
DEFAULT_MODELS = (*FORGE_MODEL, "llama3-2-1b-instruct")
# validator column -> (oracle call, which runs it covers)
VALIDATORS = {
    "Nova Forge SDK": (lambda o, target, model, files: o.forge(model, files),
                       lambda target, model: model in FORGE_MODEL),
    "SageMaker converse schema": (lambda o, target, model, files: o.schema("converse", files),
                                  lambda target, model: target == CONVERSATION),
    "SageMaker openai_chat schema": (
        lambda o, target, model, files: o.schema("openai_chat", files),
        lambda target, model: target == "openai-chat"),
}


def _tool_use_lines(path: Path) -> set[int]:
    return {n for n, line in enumerate(path.read_bytes().splitlines(), 1)
            if any(m.get("role") == "tool" or "tool_calls" in m
                   for m in orjson.loads(line).get("messages", []))}


def judge(oracle: Oracle, target: str, model: str | None, name: str, workdir: Path) -> dict:
    """One run and every validator's verdict on what it wrote."""
    done = run(CORPORA, target, model, name, workdir)
    report = done.report or {}
    row = {"target": target, "model": model, "corpus": name,
           "in": report.get("input_records", 0),
           "written": sum(report.get("output_records", {}).values()),
           "dead": report.get("dead_letter_records", 0),
           "error": (report.get("errors") or [""])[0] if done.code else "", "verdicts": {}}
    files = done.files
    for column, (ask, covers) in VALIDATORS.items():
        if not covers(target, model) or not files:
            continue
        verdict = ask(oracle, target, model, files)
        tools = {(str(f), n) for f in files for n in _tool_use_lines(f)} \
            if column.endswith("openai_chat schema") else set()
        refused = {(r["file"], r["line"]) for r in verdict["refused"]}
        row["verdicts"][column] = {"records": verdict["records"],
                                   "refused": len(refused - tools),
                                   "tool_use": len(refused & tools),
                                   "dataset_error": verdict.get("dataset_error")}
    return row


def _cell(v: dict | None) -> str:
    if v is None:
        return "—"
    text = f"{v['records']:,} / {v['refused']:,}"
    if v.get("tool_use"):
        text += f" (+{v['tool_use']:,} tool use)"
    if v.get("dataset_error"):
        text += f" (dataset: {v['dataset_error'][:60]})"
    return text


def summary_table(rows: list[dict]) -> str:
    lines = ["| target / model | " + " | ".join(VALIDATORS) + " |",
             "|---" * (len(VALIDATORS) + 1) + "|"]
    keys = list(dict.fromkeys((r["target"], r["model"]) for r in rows))
    for target, model in keys:
        cells = []
        for column in VALIDATORS:
            found = [r["verdicts"][column] for r in rows if (r["target"], r["model"]) == (
                target, model) and column in r["verdicts"]]
            total = {"records": sum(v["records"] for v in found),
                     "refused": sum(v["refused"] for v in found),
                     "tool_use": sum(v["tool_use"] for v in found),
                     "dataset_error": next((v["dataset_error"] for v in found
                                            if v["dataset_error"]), None)}
            cells.append(_cell(total) if found else "—")
        lines.append(f"| {target} / {model or '(any)'} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def detail_table(rows: list[dict]) -> str:
    lines = ["| target / model | corpus | in | written | dead letters | "
             + " | ".join(VALIDATORS) + " | run |", "|---" * (len(VALIDATORS) + 6) + "|"]
    for r in rows:
        cells = [_cell(r["verdicts"].get(column)) for column in VALIDATORS]
        lines.append(f"| {r['target']} / {r['model'] or '(any)'} | {r['corpus']} | {r['in']:,} | "
                     f"{r['written']:,} | {r['dead']:,} | " + " | ".join(cells)
                     + f" | {'failed: ' + r['error'] if r['error'] else 'ok'} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", default=list(DEFAULT_MODELS),
                        help="bedrock-conversation models (default: the four Nova models and "
                             "Llama 3.2 1B)")
    parser.add_argument("--corpora", nargs="+", default=list(CORPUS_INPUTS),
                        choices=list(CORPUS_INPUTS))
    parser.add_argument("--no-openai-chat", action="store_true")
    parser.add_argument("--workdir", type=Path, help="where the runs write (default: a temp dir)")
    args = parser.parse_args(argv)
    if not ORACLE_PYTHON.exists():
        print(f"error: the validators are not installed at {ORACLE_PYTHON} (make oracle)",
              file=sys.stderr)
        return 2
    if not CORPORA.is_dir():
        print(f"error: no shared corpora at {CORPORA}", file=sys.stderr)
        return 2
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="tuneprep-oracles-"))
    runs = [(CONVERSATION, model, name) for model in args.models for name in args.corpora]
    if not args.no_openai_chat:
        runs += [("openai-chat", None, name) for name in OPENAI_CORPORA if name in args.corpora]
    oracle = Oracle(workdir / "oracle.log")
    try:
        rows = []
        for target, model, name in runs:
            rows.append(judge(oracle, target, model, name, workdir))
            print(f"{target} / {model or '(any)'} / {name}: written {rows[-1]['written']}",
                  file=sys.stderr)
    finally:
        oracle.close()
    print("Records written / refused by each validator, over the shared corpora:\n")
    print(summary_table(rows))
    print("\nOne row a run:\n")
    print(detail_table(rows))
    return 1 if any(v["refused"] or v["dataset_error"] for r in rows
                    for v in r["verdicts"].values()) else 0


if __name__ == "__main__":
    sys.exit(main())
