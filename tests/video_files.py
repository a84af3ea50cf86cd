"""Real small video files for the video tests, written by PyAV (FFmpeg in its wheels, a test
dependency): 32x32 black frames at 1 frame a second, so a 95 s video is a few KB."""
from __future__ import annotations

from pathlib import Path

# tuneprep's Converse format name → (PyAV muxer, codec)
MUXERS = {"mp4": ("mp4", "libx264"), "mov": ("mov", "libx264"),
          "mkv": ("matroska", "libx264"), "webm": ("webm", "libvpx")}


def video_bytes(tmp_path: Path, seconds: int, fmt: str = "mp4") -> bytes:
    """The bytes of a video of `seconds` seconds in container `fmt` (mp4, mov, mkv, webm)."""
    import av
    import numpy as np
    muxer, codec = MUXERS[fmt]
    path = tmp_path / f"clip-{seconds}s.{fmt}"
    with av.open(str(path), "w", format=muxer) as container:
        stream = container.add_stream(codec, rate=1)
        stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
        black = np.zeros((32, 32, 3), np.uint8)
        for _ in range(seconds):
            container.mux(stream.encode(av.VideoFrame.from_ndarray(black, format="rgb24")))
        container.mux(stream.encode())
    return path.read_bytes()
