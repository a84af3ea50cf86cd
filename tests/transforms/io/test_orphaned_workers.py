"""A killed launcher's local worker processes live on for seconds, writing parts (issue 28,
item 5): once the folder is cleared and claimed by the rerun, they must write nothing there."""
from __future__ import annotations

import pytest

from tuneprep.transforms.core.config import RunConfig
from tuneprep.transforms.sink import claim
from tuneprep.transforms.sink.parts import write_part
from tuneprep.transforms.sink.staged_files import temp_root


def test_a_worker_writes_no_part_once_its_run_lost_the_claim(tmp_path):
    cfg = RunConfig(target="bedrock-text", output=str(tmp_path / "out"), run_id="old",
                    claimed=True)
    assert claim.claim(cfg.output, "old")
    write_part(cfg, "train", "00000-00000-00000", [b"{}"], "in.jsonl")
    parts = tmp_path / "out" / "_temporary" / "old" / "train"
    assert [p.name for p in parts.iterdir()] == ["00000-00000-00000.jsonl"]
    claim.release(cfg.output)   # the rerun cleared the folder...
    with pytest.raises(claim.OutputTakenOver):
        write_part(cfg, "train", "00000-00000-00001", [b"{}"], "in.jsonl")
    assert claim.claim(cfg.output, "new")   # ...and claimed it
    with pytest.raises(claim.OutputTakenOver):
        write_part(cfg, "train", "00000-00000-00002", [b"{}"], "in.jsonl")
    assert [p.name for p in parts.iterdir()] == ["00000-00000-00000.jsonl"]
    assert temp_root(cfg).endswith("/_temporary/old")
