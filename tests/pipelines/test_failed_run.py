"""A run whose job fails leaves nothing that blocks the rerun (issue 17, item 6): its parts and
its _RUNNING claim go, and the error line says what the rerun needs."""
from __future__ import annotations

import orjson
import pytest

from tuneprep.pipelines.cli import main


@pytest.fixture
def no_aws(monkeypatch, tmp_path):
    for name in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                 "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")   # no instance role to ask
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))


@pytest.mark.slow
def test_a_failed_job_leaves_no_marker_and_the_rerun_is_not_blocked(tmp_path, capsys, no_aws):
    # many local-image records first (dead letters without --image-uri-prefix: parts are
    # written), then s3:// images, which cannot be checked without credentials: the job fails
    first = tmp_path / "local.jsonl"
    first.write_bytes(b"".join(orjson.dumps({"image": f"pics/{i}.jpg", "caption": f"Pet {i}."})
                               + b"\n" for i in range(3000)))
    second = tmp_path / "remote.jsonl"
    second.write_bytes(orjson.dumps({"image": "s3://my-dataset-bucket/pets/ron_11.jpg",
                                     "caption": "Ron the dog."}) + b"\n")
    out = tmp_path / "out"
    argv = ["run", "--input", str(first), "--input", str(second), "--target", "bedrock-image",
            "--output", str(out)]
    for attempt in range(2):
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert "error: the run failed: " in err and "NoCredentialsError" in err, err
        assert err.rstrip().endswith("nothing was left there: rerun as it is once fixed"), err
        assert "debris" not in err and "--overwrite" not in err
        assert not out.exists()   # no _RUNNING, no _temporary/ parts, no folder it made
