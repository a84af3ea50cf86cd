"""Videos of Converse datasets (Amazon Nova): the object exists, its size, its container read
from the content and its duration, against the model's limits. Pure Python over pymediainfo
(libmediainfo, which its wheels bundle) and fsspec.

- Rules (ModelSpec.video_max_bytes, video_max_seconds): Nova takes a video of at most 50 MB and
  90 s, as AWS's Nova validators check (docs/sources/formats-2026.md: "Image ≤ 10 MB ... video
  ≤ 50 MB and ≤ 90 s"). The size comes from a HEAD (fs.size), before anything is read.
- The container comes from the bytes, never the name, as for images; converse_formats() says
  which Converse formats it may be written as (transforms/targets/converse_media.py holds a
  block's format to it).
- The duration is libmediainfo's, the library AWS's Nova Forge validator uses. It reads the
  object through a file object (a ranged read a block at a time, never the whole object in
  memory) and at most READ_BUDGET bytes of it, at libmediainfo's fastest parse speed: the
  container's headers and index give the duration. A video whose duration cannot be read is
  refused (video_unreadable): the service would refuse it, or take one over its limit.
  Every call passes the same options, as pymediainfo asks of threads sharing the library.
- A bad video is a RecordError (video_missing, video_unreadable, video_too_large,
  video_too_long); a failure of the store itself is a StorageError.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from tuneprep.transforms.core.records import FORMAT, RecordError
from tuneprep.transforms.io.images import missing_or_denied
from tuneprep.transforms.io.storage import filesystem

# libmediainfo's General "Format" → the Converse video formats a file of that container may be
# named as. MP4, MOV and 3GP are one box structure (ISO base media) told apart by a brand that
# tools set loosely, so any of the three names is taken for it; WebM is a Matroska profile.
CONTAINERS = {
    "MPEG-4": ("mp4", "mov", "three_gp"),
    "Matroska": ("mkv",),
    "WebM": ("webm", "mkv"),
    "Flash Video": ("flv",),
    "MPEG-PS": ("mpeg", "mpg"),
    "Windows Media": ("wmv",),
}
# bytes read at most to find the container and duration. Measured with parse_speed 0 on 33-58
# MB files of 80 s (MP4 and MOV with the index at the end, MKV, WebM): 135-330 KB read in 3-4
# seeks; libmediainfo's default speed (0.5) read 21-37 MB of the same files for the same answer
READ_BUDGET = 4 << 20
_BLOCK = 256 << 10          # one ranged GET; libmediainfo asks for 64 KiB at a time
MEDIAINFO_MISSING = ("checking videos needs pymediainfo, which is not installed or whose "
                     "libmediainfo cannot be loaded: pip install 'pymediainfo>=7'")


@dataclass(frozen=True)
class VideoInfo:
    container: str      # libmediainfo's name: MPEG-4, Matroska, WebM, ...
    seconds: float
    bytes: int


def _refuse(reason: str, message: str):
    raise RecordError(reason, message, FORMAT)


class _BoundedReader:
    """A read-only file object over `f` that ends (reads b"") once `budget` bytes were read,
    so a file libmediainfo cannot make sense of costs a bounded download."""

    mode = "rb"

    def __init__(self, f, budget: int):
        self._f, self.left = f, budget

    def read(self, size: int = -1) -> bytes:
        size = self.left if size is None or size < 0 else min(size, self.left)
        data = self._f.read(size) if size else b""
        self.left -= len(data)
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._f.seek(offset, whence)

    def tell(self) -> int:
        return self._f.tell()


@lru_cache(maxsize=1)
def mediainfo_problem() -> str | None:
    """None when pymediainfo can load libmediainfo, else the one-line message saying how to
    install it."""
    try:
        from pymediainfo import MediaInfo
    except ImportError:
        return MEDIAINFO_MISSING
    return None if MediaInfo.can_parse() else MEDIAINFO_MISSING


def read_info(stream, size: int, where: str) -> VideoInfo:
    """The container and duration libmediainfo reads from `stream` (a binary file object that
    seeks). Raises RecordError video_unreadable when it finds no video, no video track, or no
    duration, or when libmediainfo is missing (the message says how to install it)."""
    problem = mediainfo_problem()
    if problem:
        _refuse("video_unreadable", f"the video {where} was not checked: {problem}")
    from pymediainfo import MediaInfo
    info = MediaInfo.parse(_BoundedReader(stream, READ_BUDGET), parse_speed=0)
    general = info.general_tracks[0] if info.general_tracks else None
    container = getattr(general, "format", None)
    if not container:
        _refuse("video_unreadable", f"the video {where} is not a readable video (no container "
                                    "is recognised in its content)")
    if not info.video_tracks:
        _refuse("video_unreadable", f"the video {where} is {container} with no video track")
    durations = [float(d) for d in [general.duration] + [t.duration for t in info.video_tracks]
                 if _number(d)]
    if not durations:
        _refuse("video_unreadable", f"the video {where} is {container} but its duration cannot "
                                    "be read from its content")
    return VideoInfo(container, max(durations) / 1000, size)


def _number(value) -> bool:
    try:
        return value is not None and float(value) > 0
    except (TypeError, ValueError):
        return False


def check_size(size: int, model, where: str) -> None:
    limit = getattr(model, "video_max_bytes", None)
    if limit is not None and size > limit:
        _refuse("video_too_large", f"the video {where} is {size:,} bytes; {model.display} "
                                   f"takes at most {limit:,} (docs/sources/formats-2026.md)")


def check_limits(info: VideoInfo, model, where: str) -> None:
    """The model's duration limit (the byte limit is checked before reading)."""
    limit = getattr(model, "video_max_seconds", None)
    if limit is not None and info.seconds > limit:
        _refuse("video_too_long", f"the video {where} lasts {info.seconds:.3f} s; "
                                  f"{model.display} takes at most {limit:g} s "
                                  "(docs/sources/formats-2026.md)")


def converse_formats(info: VideoInfo) -> tuple[str, ...]:
    """The Converse video formats a file of this content may be written as."""
    return CONTAINERS.get(info.container, ())


def check_s3_video(uri: str, model) -> VideoInfo:
    """Checks a video where it is: a HEAD for its size, then libmediainfo over a bounded
    ranged read for its container and duration."""
    where = repr(uri)
    fs, path = filesystem(uri)
    try:
        size = fs.size(path)
    except Exception as e:
        missing_or_denied(e, where, "video")
    check_size(size, model, where)
    try:
        with fs.open(path, "rb", block_size=_BLOCK) as f:
            info = read_info(f, size, where)
    except RecordError:
        raise
    except Exception as e:
        missing_or_denied(e, where, "video")
    check_limits(info, model, where)
    return info
