"""Nova videos checked by content where they are (transforms/io/videos.py, through
bedrock-conversation's media staging): real videos written by PyAV, on a real S3-protocol
server. Nova takes a video of at most 50 MB and 90 s (docs/sources/formats-2026.md)."""
from __future__ import annotations

import dataclasses
import io

import pytest

from tuneprep.transforms.core.records import RecordError
from tuneprep.transforms.io import videos
from tuneprep.transforms.targets import get_target
from tuneprep.transforms.core.context import TargetContext
from tuneprep.transforms.targets.models import get_model

from tests.helpers import formatted, rec
from tests.video_files import video_bytes

CONV = "bedrock-conversation"
pytest.importorskip("av", reason="PyAV writes the test videos (pip install -e '.[test]')")




def nova(model="nova-lite", **limits):
    spec = get_model(model)
    return TargetContext(model=dataclasses.replace(spec, **limits) if limits else spec,
                         media_bucket_owner="123456789012")   # Nova's media name their owner


def with_video(uri):
    return rec([("user", "what happens?"), ("assistant", "a dog runs")], image=uri)


def refusal(uri, ctx):
    with pytest.raises(RecordError) as error:
        get_target(CONV).media.stage(with_video(uri), ctx, upload=True)
    assert error.value.stage == "format"
    return error.value.reason, error.value.message


@pytest.mark.parametrize("fmt", ["mp4", "mov", "mkv", "webm"])
def test_a_video_within_the_limits_is_taken(store, tmp_path, fmt):
    uri = store.put(f"v/clip.{fmt}", video_bytes(tmp_path, 90, fmt))    # 90 s: the limit itself
    ctx = nova()
    record = get_target(CONV).media.stage(with_video(uri), ctx, upload=True)
    block = formatted(CONV, record, ctx)[0]["messages"][0]["content"][0]
    assert block["video"]["source"]["s3Location"]["uri"] == uri
    assert store.keys() == [f"v/clip.{fmt}"]      # checked where it is, nothing written


def test_a_video_over_90_seconds_is_refused(store, tmp_path):
    uri = store.put("v/long.mp4", video_bytes(tmp_path, 95))
    reason, message = refusal(uri, nova())
    assert reason == "video_too_long"
    assert repr(uri) in message and "lasts 95.000 s" in message and "at most 90 s" in message


def test_a_video_over_the_byte_limit_is_refused_before_it_is_read(store, tmp_path):
    data = video_bytes(tmp_path, 5)
    uri = store.put("v/big.mp4", data)
    reason, message = refusal(uri, nova(video_max_bytes=len(data) - 1))
    assert reason == "video_too_large"
    assert repr(uri) in message and f"{len(data):,} bytes" in message
    assert f"at most {len(data) - 1:,}" in message
    assert get_model("nova-lite").video_max_bytes == 50_000_000     # Nova's own: 50 MB


def test_a_missing_video_is_refused(store):
    reason, message = refusal(store.uri("v/gone.mp4"), nova())
    assert reason == "video_missing" and "does not exist" in message


def test_the_container_is_read_from_the_content(store, tmp_path):
    """The block's format is written from the name: a Matroska file called .mp4 is refused."""
    uri = store.put("v/clip.mp4", video_bytes(tmp_path, 5, "mkv"))
    reason, message = refusal(uri, nova())
    assert reason == "unsupported_video_type" and "is Matroska but its name says mp4" in message


def test_bytes_that_are_no_video_are_refused(store):
    uri = store.put("v/clip.mp4", b"not a video at all\n" * 100)
    reason, message = refusal(uri, nova())
    assert reason == "video_unreadable" and repr(uri) in message


def test_a_model_or_format_that_takes_no_video_is_left_to_the_schema_rules(store, tmp_path):
    """Not read at all: the schema check refuses it without a download."""
    long = store.put("v/long.webm", video_bytes(tmp_path, 95, "webm"))
    for model in ("nova-micro", "nova-2-lite"):     # no video; no webm
        assert get_target(CONV).media.stage(with_video(long), nova(model), True).image == long


class _Counting(io.BytesIO):
    def __init__(self, data):
        super().__init__(data)
        self.read_bytes = 0

    def read(self, size=-1):
        data = super().read(size)
        self.read_bytes += len(data)
        return data


def test_reading_is_bounded():
    """An object libmediainfo cannot make sense of costs at most READ_BUDGET bytes."""
    junk = _Counting(b"\x00" * (2 * videos.READ_BUDGET))
    with pytest.raises(RecordError) as error:
        videos.read_info(junk, len(junk.getvalue()), "'junk'")
    assert error.value.reason == "video_unreadable"
    assert junk.read_bytes <= videos.READ_BUDGET


def test_a_real_video_is_read_in_a_few_blocks(tmp_path):
    data = _Counting(video_bytes(tmp_path, 30))
    info = videos.read_info(data, len(data.getvalue()), "'clip'")
    assert (info.container, info.seconds) == ("MPEG-4", 30.0)
    assert videos.mediainfo_problem() is None      # the wheel's own libmediainfo
