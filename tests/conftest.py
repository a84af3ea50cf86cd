"""Shared fixtures for the end-to-end tests: the repository's samples, the project's shared
corpora, running the CLI in-process, and reading what a run wrote."""
from __future__ import annotations

from pathlib import Path

import orjson
import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"


@pytest.fixture(scope="session")
def samples() -> Path:
    return SAMPLES


@pytest.fixture(scope="session")
def corpora() -> Path:
    if not CORPORA.is_dir():
        pytest.skip("shared corpora not present (../shared/corpora); these tests need the "
                    "project's shared folder")
    return CORPORA


def read_jsonl(path) -> list:
    """Every line of a JSONL file, parsed; a blank or broken line fails the test."""
    data = Path(path).read_bytes()
    if not data:
        return []
    assert data.endswith(b"\n"), f"{path} does not end with a newline"
    return [orjson.loads(line) for line in data[:-1].split(b"\n")]


def read_json(path):
    return orjson.loads(Path(path).read_bytes())


def write_jsonl(path, objects) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(orjson.dumps(o) + b"\n" for o in objects))
    return path


def layout(out) -> list[str]:
    """The files under a run's output folder, relative and sorted."""
    out = Path(out)
    return sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
