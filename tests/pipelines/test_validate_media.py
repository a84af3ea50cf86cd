"""`tuneprep validate --check-media` reads the media written records name as `run` does
(existence, type by content, the model's limits), one `file:line: reason: message` a problem;
without the option, one note says they were not read. Real images (Pillow) and videos (PyAV)
on a real S3-protocol server."""
from __future__ import annotations

import io

import orjson
import pytest

from tuneprep.pipelines.cli import main

from tests.video_files import video_bytes

pytest.importorskip("av", reason="PyAV writes the test videos (pip install -e '.[test]')")




def png(side: int) -> bytes:
    from PIL import Image
    out = io.BytesIO()
    Image.new("RGB", (side, side), (200, 40, 40)).save(out, "PNG")
    return out.getvalue()


def record(kind: str, uri: str, fmt: str) -> dict:
    # with the bucket's owner, which Nova's media need (missing_bucket_owner otherwise)
    media = {kind: {"format": fmt, "source": {"s3Location": {"uri": uri,
                                                            "bucketOwner": "123456789012"}}}}
    return {"schemaVersion": "bedrock-conversation-2024",
            "messages": [{"role": "user", "content": [media, {"text": "What is shown?"}]},
                         {"role": "assistant", "content": [{"text": "A red square."}]}]}


def jsonl(path, objs) -> str:
    path.write_bytes(b"".join(orjson.dumps(o) + b"\n" for o in objs))
    return str(path)


@pytest.fixture(autouse=True)
def endpoint_in_the_environment(request, monkeypatch):
    """validate has no --s3-endpoint-url: a user of another S3 endpoint names it as botocore
    reads it, in AWS_ENDPOINT_URL_S3 (each command sets fsspec up afresh, so the test bucket's
    process-wide set-up does not reach it)."""
    if "store" in request.fixturenames:
        monkeypatch.setenv("AWS_ENDPOINT_URL_S3", request.getfixturevalue("store").endpoint)


def validate(capsys, *args) -> tuple[int, list[str], str]:
    code = main(["validate", "--target", "bedrock-conversation", "--model", "nova-lite", *args])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def test_check_media_reads_images_and_videos(store, tmp_path, capsys):
    ok_image = store.put("img/ok.png", png(64))
    small = store.put("img/small.png", png(20))          # Nova takes at least 25 px a side
    images = jsonl(tmp_path / "images.jsonl", [
        record("image", store.uri("img/gone.png"), "png"),
        record("image", small, "png"),
        record("image", ok_image, "png"),
        record("image", small, "png")])                  # read once, told on each line
    ok_video = store.put("v/ok.mp4", video_bytes(tmp_path, 30))
    long = store.put("v/long.mp4", video_bytes(tmp_path, 95))
    clips = jsonl(tmp_path / "videos.jsonl", [record("video", long, "mp4"),
                                              record("video", ok_video, "mp4")])
    code, lines, err = validate(capsys, "--check-media", images, clips)
    assert code == 1
    media = [line for line in lines if ": records: " not in line]   # not the quota lines
    assert media == [
        f"{images}:1: image_missing: the image {store.uri('img/gone.png')!r} does not exist",
        f"{images}:2: image_dimensions: the image {small!r} is 20x20 pixels; Amazon Nova Lite "
        "takes at least 25 pixels a side",
        f"{images}:4: image_dimensions: the image {small!r} is 20x20 pixels; Amazon Nova Lite "
        "takes at least 25 pixels a side",
        f"{clips}:1: video_too_long: the video {long!r} lasts 95.000 s; Amazon Nova Lite takes "
        "at most 90 s (docs/sources/formats-2026.md)"], lines
    assert "not read" not in err


def test_without_the_option_media_are_not_read_and_it_says_so_once(store, tmp_path, capsys):
    gone = [record("image", store.uri(f"img/gone-{n}.png"), "png") for n in range(3)]
    first = jsonl(tmp_path / "a.jsonl", gone)
    second = jsonl(tmp_path / "b.jsonl", gone)
    code, lines, err = validate(capsys, first, second)
    assert not any("image_missing" in line for line in lines)
    assert err.count("--check-media") == 1 and "6 media reference(s) were not read" in err


def test_text_only_files_say_nothing_of_media(tmp_path, capsys):
    text = {"schemaVersion": "bedrock-conversation-2024",
            "messages": [{"role": "user", "content": [{"text": "q"}]},
                         {"role": "assistant", "content": [{"text": "a"}]}]}
    _, _, err = validate(capsys, jsonl(tmp_path / "t.jsonl", [text]))
    assert "--check-media" not in err


def test_check_media_reads_bedrock_image_refs(store, tmp_path, capsys):
    ok = store.put("img/ok.png", png(64))
    path = jsonl(tmp_path / "captions.jsonl", [
        {"image-ref": ok, "caption": "A red square."},
        {"image-ref": store.uri("img/gone.png"), "caption": "Nothing."}])
    code = main(["validate", "--target", "bedrock-image", "--check-media", path])
    out = capsys.readouterr().out.splitlines()
    assert code == 1 and out == [f"{path}:2: image_missing: the image "
                                 f"{store.uri('img/gone.png')!r} does not exist"]
