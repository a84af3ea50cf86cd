"""A probe set: one rule a probe, each a record one of AWS's validators refuses (the Nova Forge
SDK, the SageMaker SDK's `converse` and `openai_chat` schemas), and the reason code tuneprep
refuses it with: one code, the same in `tuneprep validate` (the record as a written file) and
in `tuneprep run` (the record as input; issue 22, one rule set). test_nova_forge.py's rule cases
compare which records `run` and the SDK refuse for each Nova 1 model; the probes add the reason
codes, `validate`, the record-shape rules and the two schemas. Media (the SDK reads S3) is in test_nova_forge.py's S3 tests, tool use
and reasoning in test_nova_forge_tools.py, record counts in test_row_counts.py."""
from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from tuneprep.pipelines.cli import main

from tests.helpers import read_jsonl, write_jsonl

pytestmark = pytest.mark.slow

SYSTEM = [{"text": "You are a careful assistant."}]


def _converse(messages, **top) -> dict:
    # every probe holds a system prompt, so the file is one dataset for the SDK
    return {"schemaVersion": "bedrock-conversation-2024", "system": SYSTEM, "messages": messages,
            **top}


def _turn(role, text) -> dict:
    return {"role": role, "content": [{"text": text}]}


def _chat(*messages) -> dict:
    return {"messages": [{"role": role, "content": content} for role, content in messages]}


U, A = "user", "assistant"
# name: (record, the oracles that refuse it, the reason validate and run refuse it with)
CONVERSE_PROBES = {
    "reserved_word": (_converse([_turn(U, "USER: 2+2?"), _turn(A, "4")]),
                      {"forge"}, "reserved_word"),
    "reserved_word_in_system": (
        {**_converse([_turn(U, "Hi"), _turn(A, "Hello")]), "system": [{"text": "Use <unk>."}]},
        {"forge"}, "reserved_word"),
    "assistant_first": (_converse([_turn(A, "Hello"), _turn(U, "Hi"), _turn(A, "Bye")]),
                        {"forge"}, "starts_with_assistant"),
    "roles_not_alternating": (_converse([_turn(U, "Hi"), _turn(U, "Again"), _turn(A, "Hello")]),
                              {"forge"}, "consecutive_roles"),
    "user_last": (_converse([_turn(U, "Hi"), _turn(A, "Hello"), _turn(U, "Bye")]),
                  {"forge"}, "ends_with_user"),
    "empty_text": (_converse([_turn(U, ""), _turn(A, "Hello")]),
                   {"forge"}, "empty_field"),
    "unknown_role": (_converse([_turn("bot", "Hi"), _turn(A, "Hello")]),
                     {"forge", "converse"}, "unknown_role"),
    "no_messages": (_converse([]), {"forge", "converse"}, "empty_field"),
    "unknown_block": (_converse([{"role": U, "content": [{"audio": {"bytes": "AA=="}}]},
                                 _turn(A, "Hello")]),
                      {"forge"}, "wrong_type"),
    "old_schema_version": (_converse([_turn(U, "Hi"), _turn(A, "Hello")],
                                     schemaVersion="bedrock-conversation-2023"),
                           {"forge"}, "invalid_record"),
    "string_content": (_converse([{"role": U, "content": "Hi"}, _turn(A, "Hello")]),
                       {"forge", "converse"}, "invalid_record"),
    "extra_key": (_converse([_turn(U, "Hi"), _turn(A, "Hello")], notes="x"),
                  {"forge", "converse"}, "invalid_record"),
}
# the probes `run` reads as input of another shape and writes in Converse's, which the oracles
# take (checked on the written file): validate refuses them, run writes them
CONVERTED_BY_RUN = {"old_schema_version", "string_content", "extra_key"}
OPENAI_PROBES = {
    "unknown_role": (_chat((U, "Hi"), ("bot", "Hm"), (A, "Hello")),
                     {"openai_chat"}, "unknown_role"),
    "number_content": (_chat((U, 5), (A, "Hello")), {"openai_chat"}, "wrong_type"),
}
# fillers every oracle takes, so the run is over the model's minimum (its own check)
FILLERS = 10


def _problems(capsys, argv: list) -> dict[int, list[str]]:
    main(["validate", "--format", "json", "--all", *map(str, argv)])
    by_line: dict[int, list[str]] = {}
    for problem in orjson.loads(capsys.readouterr().out)["problems"]:
        by_line.setdefault(problem["line"], []).append(problem["reason"])
    return by_line


def _run(capsys, argv: list, out: Path) -> tuple[dict[int, str], list[Path]]:
    code = main(["run", *map(str, argv), "--output", str(out)])
    assert code == 0, capsys.readouterr().err
    capsys.readouterr()
    dead = {d["source"]["line"]: d["reason"]
            for d in read_jsonl(out / "dead_letter/dead_letter.jsonl")}
    return dead, sorted((out / "train").glob("*.jsonl"))


def _refused_by(verdict: dict) -> set[int]:
    return {r["line"] for r in verdict["refused"]}


def _check(probes, verdicts, problems, dead):
    for line, (name, (_, oracles, reason)) in enumerate(probes.items(), 1):
        assert {tool for tool, v in verdicts.items() if line in _refused_by(v)} == oracles, name
        assert problems.get(line) == [reason], name
        assert dead.get(line) == (None if name in CONVERTED_BY_RUN else reason), name
    assert not set(problems) - set(range(1, len(probes) + 1))   # the fillers pass
    for verdict in verdicts.values():
        assert _refused_by(verdict) <= set(range(1, len(probes) + 1))


def test_converse_probes_refused_by_the_oracles_validate_and_run(oracle, tmp_path, capsys):
    filler = [_converse([_turn(U, f"Question {i}?"), _turn(A, f"Answer {i}.")])
              for i in range(FILLERS)]
    source = write_jsonl(tmp_path / "probes.jsonl",
                         [p[0] for p in CONVERSE_PROBES.values()] + filler)
    verdicts = {"forge": oracle.forge("nova-lite", [source]),
                "converse": oracle.schema("converse", [source])}
    model = ["--target", "bedrock-conversation", "--model", "nova-lite"]
    problems = _problems(capsys, [*model, source])
    dead, written = _run(capsys, [*model, "--input", source], tmp_path / "out")
    _check(CONVERSE_PROBES, verdicts, problems, dead)
    kept = len(CONVERTED_BY_RUN)
    forge = oracle.forge("nova-lite", written)
    assert (forge["records"], forge["refused"], forge["dataset_error"]) == (
        FILLERS + kept, [], None)
    assert oracle.schema("converse", written)["refused"] == []


def test_openai_chat_probes_refused_by_the_schema_validate_and_run(oracle, tmp_path, capsys):
    filler = [_chat((U, f"Question {i}?"), (A, f"Answer {i}.")) for i in range(FILLERS)]
    source = write_jsonl(tmp_path / "probes.jsonl",
                         [p[0] for p in OPENAI_PROBES.values()] + filler)
    verdicts = {"openai_chat": oracle.schema("openai_chat", [source])}
    problems = _problems(capsys, ["--target", "openai-chat", source])
    dead, written = _run(capsys, ["--target", "openai-chat", "--input", source], tmp_path / "out")
    _check(OPENAI_PROBES, verdicts, problems, dead)
    verdict = oracle.schema("openai_chat", written)
    assert (verdict["records"], verdict["refused"]) == (FILLERS, [])
