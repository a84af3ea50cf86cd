"""transforms/io/images.py: image type from the content (Pillow), the models' limits, names."""
from __future__ import annotations

import dataclasses
import io

import pytest

from tuneprep.transforms.io import images
from tuneprep.transforms.targets.models import get_model
from tuneprep.transforms.core.records import RecordError

GENERATOR = get_model("titan-image-generator")
EMBEDDINGS = get_model("titan-multimodal-embeddings")


def encoded(size=(768, 512), fmt="JPEG") -> bytes:
    from PIL import Image
    buffer = io.BytesIO()
    Image.new("RGB", size, (1, 2, 3)).save(buffer, format=fmt)
    return buffer.getvalue()


def reason(data: bytes, model=GENERATOR) -> str | None:
    try:
        info = images.read_header(io.BytesIO(data), len(data), "'x'")
        images.check_limits(info, model, "'x'")
    except RecordError as e:
        return e.reason
    return None


@pytest.mark.parametrize("data, fmt", [(encoded(fmt="JPEG"), "JPEG"), (encoded(fmt="PNG"), "PNG")])
def test_type_comes_from_the_content(data, fmt):
    assert images.read_header(io.BytesIO(data), len(data), "'a.gif'").format == fmt


@pytest.mark.parametrize("data, expected", [
    (encoded(fmt="GIF"), "unsupported_image_type"),
    (encoded(fmt="BMP"), "unsupported_image_type"),
    (b"\x89PNG\r\n\x1a\n truncated", "image_unreadable"),
    (b"plain text", "image_unreadable"),
    (b"", "image_unreadable"),
])
def test_not_jpeg_or_png(data, expected):
    assert reason(data) == expected


@pytest.mark.parametrize("size, generator, embeddings", [
    ((768, 512), None, None),
    ((512, 512), None, None),
    ((256, 256), "image_dimensions", None),          # under 512 a side; embeddings take 128
    ((100, 100), "image_dimensions", "image_dimensions"),
    ((4096, 1024), None, None),                      # 4:1 exactly
    ((2100, 512), "image_aspect", "image_aspect"),   # wider than 4:1
    ((512, 2100), "image_aspect", "image_aspect"),
    ((4097, 1100), "image_dimensions", "image_dimensions"),
    ((3600, 3600), "image_dimensions", "image_dimensions"),   # 12,960,000 pixels
])
def test_model_limits(size, generator, embeddings):
    data = encoded(size)
    assert reason(data, GENERATOR) == generator
    assert reason(data, EMBEDDINGS) == embeddings
    assert reason(data, None) is None                # no model: only the type is checked


def test_file_size_limit():
    small = dataclasses.replace(EMBEDDINGS, image_max_bytes=1000)
    with pytest.raises(RecordError) as error:
        images.check_size(5000, small, "'x'")
    assert error.value.reason == "image_too_large"
    assert "5,000 bytes" in error.value.message and "at most 1,000" in error.value.message
    images.check_size(5000, EMBEDDINGS, "'x'")


def test_local_upload_needs_the_file(tmp_path):
    with pytest.raises(RecordError) as error:
        images.upload_local(str(tmp_path / "nope.jpg"), "s3://bucket/images", GENERATOR)
    assert error.value.reason == "image_missing"
    with pytest.raises(RecordError) as error:
        images.upload_local(str(tmp_path), "s3://bucket/images", GENERATOR)
    assert error.value.reason == "image_unreadable"


def test_content_names():
    assert images.content_name("ab" * 32, "JPEG") == "ab" * 16 + ".jpg"
    assert images.content_name("cd" * 32, "PNG") == "cd" * 16 + ".png"
    assert images.content_name("ef" * 32, "GIF") == "ef" * 16 + ".gif"
    assert images.content_name("01" * 32, "WEBP") == "01" * 16 + ".webp"


def test_types_taken_are_the_callers():
    """JPEG and PNG by default (bedrock-image); the Converse models name more."""
    gif, webp = encoded(fmt="GIF"), encoded(fmt="WEBP")
    with pytest.raises(RecordError) as error:
        images.read_header(io.BytesIO(gif), len(gif), "'x'")
    assert "is GIF, not JPEG or PNG (the type is read from the content)" in error.value.message
    taken = ("PNG", "JPEG", "GIF")
    assert images.read_header(io.BytesIO(gif), len(gif), "'x'", taken).format == "GIF"
    with pytest.raises(RecordError) as error:
        images.read_header(io.BytesIO(webp), len(webp), "'x'", taken)
    assert "is WEBP, not PNG, JPEG or GIF" in error.value.message
    assert images.read_header(io.BytesIO(webp), len(webp), "'x'", ("WEBP",)).format == "WEBP"


def test_place_image_refuses_what_it_cannot_place(tmp_path):
    for ref, prefix, message in (
            ("https://example.com/a.jpg", "s3://bucket/i", "neither a local path nor an s3://"),
            (str(tmp_path / "a.jpg"), None, "pass --image-uri-prefix s3://bucket/folder")):
        with pytest.raises(RecordError) as error:
            images.place_image(ref, prefix, GENERATOR)
        assert error.value.reason == "bad_image_ref" and message in error.value.message


def test_pillow_is_there():
    assert images.pillow_problem() is None
