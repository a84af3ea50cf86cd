"""The README's bedrock-image example runs on a laptop without AWS (issue 17, item 6): the
samples' local images are checked by a dry run as the run checks them, nothing is uploaded,
and the notes say what the real run needs. Unreadable images say why in words."""
from __future__ import annotations

import orjson
import pytest

from tests.helpers import REPO, SAMPLES
from tuneprep.pipelines.cli import _failure_in_words, main
from tuneprep.transforms.core.records import RecordError
from tuneprep.transforms.io import images
from tuneprep.transforms.targets.models import MODELS

pytest.importorskip("PIL")


def test_the_samples_images_exist_and_are_licensed():
    named = [orjson.loads(line)["image"] for line in
             (SAMPLES / "captions.jsonl").read_text().splitlines()]
    assert named and all((SAMPLES / name).is_file() for name in named)
    assert all("://" not in name for name in named)   # no S3 to trip on first
    licenses = (SAMPLES / "README.md").read_text()
    assert "`images/`" in licenses and "`captions_s3.jsonl`" in licenses
    readme = (REPO / "README.md").read_text()
    assert ("--input samples/captions.jsonl --target bedrock-image --model titan-image-generator"
            " \\\n    --output out/pets --dry-run") in readme


def test_the_readme_image_example_runs_without_aws(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    out = tmp_path / "pets"
    code = main(["run", "--input", str(SAMPLES / "captions.jsonl"), "--target", "bedrock-image",
                 "--model", "titan-image-generator", "--output", str(out), "--dry-run"])
    stdout, err = capsys.readouterr()
    assert code == 0, err
    assert "6 read, 5 accepted, 1 dead letters (image_dimensions 1)" in stdout
    assert ("note: 5 local image(s) checked as the run checks them (type by content, the "
            "model's limits), none uploaded: the run uploads them by content under "
            "--image-uri-prefix s3://bucket/folder, which needs AWS credentials (not given: the "
            "run needs it)") in stdout
    assert "no per-record token limit: titan-image-generator sets none" in stdout
    assert not out.exists()


def test_an_unreadable_image_says_why_in_words(tmp_path):
    model = MODELS["titan-image-generator"]
    good = (SAMPLES / "images/red_circle.jpg").read_bytes()
    cases = {"empty.png": (b"", "(it is empty, 0 bytes)"),
             "text.jpg": (b"not an image", "(no image type is recognised in its content)"),
             "cut.jpg": (b"\xff\xd8\xff", "")}
    for name, (data, words) in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(RecordError) as e:
            images.check_local(str(tmp_path / name), model)
        message = str(e.value.message if hasattr(e.value, "message") else e.value)
        assert e.value.reason == "image_unreadable", message
        assert words in message and " object at 0x" not in message and "<_io." not in message
    assert images.check_local(str(SAMPLES / "images/red_circle.jpg"), model)[3].format == "JPEG"
    assert good.startswith(b"\xff\xd8")
    assert images._in_words(OSError("cannot identify image file <_io.BufferedReader "
                                    "name='/x.jpg'>")) == "OSError: cannot identify image file the file"
    assert "0x" not in images._in_words(ValueError("<s3fs.core.S3File object at 0x7f00aa> closed"))


def test_a_worker_storage_failure_is_one_line_of_words():
    e = RuntimeError("tuneprep.transforms.io.storage.StorageError: 's3://b/x.jpg': "
                     "NoCredentialsError: Unable to locate credentials")
    assert _failure_in_words(e) == "'s3://b/x.jpg': NoCredentialsError: Unable to locate credentials"
    assert _failure_in_words(ValueError("boom")) == "ValueError: boom"
