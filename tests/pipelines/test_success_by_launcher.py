"""`_SUCCESS` is written last, by the launcher, only when the job succeeded (issue 28, item 3):
the assembly is one step of the job, which may still fail after it. Real CLI runs."""
from __future__ import annotations

from tuneprep.pipelines.cli import main
from tuneprep.transforms.beam import write as beam_write
from tests.helpers import SAMPLES, layout

RUN = ["run", "--target", "bedrock-text", "--input", str(SAMPLES / "alpaca_sample.jsonl")]


def test_a_job_that_fails_after_assembling_has_no_success(tmp_path, capsys, monkeypatch):
    assembled = beam_write._assemble

    def assembled_then_failed(*args, **kwargs):
        assembled(*args, **kwargs)
        raise RuntimeError("the runner lost the bundle after the assembly")
    monkeypatch.setattr(beam_write, "_assemble", assembled_then_failed)
    out = tmp_path / "out"
    code = main([*RUN, "--output", str(out)])
    _, err = capsys.readouterr()
    assert code == 1 and err.count("\n") == 1, err
    assert "is not complete (no _SUCCESS)" in err and "rerun with --overwrite" in err
    assert "report.json" in layout(out)   # the assembly did run...
    assert not (out / "_SUCCESS").exists() and not (out / "_RUNNING").exists()   # ...the job failed
    monkeypatch.undo()
    code = main([*RUN, "--output", str(out), "--overwrite"])
    _, err = capsys.readouterr()
    assert code == 0 and (out / "_SUCCESS").exists(), err

