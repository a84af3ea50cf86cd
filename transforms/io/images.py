"""Images of image-caption datasets: their type read from the content, their size and pixel
limits, and content-addressed uploads. Pure Python over Pillow (the `images` extra) and fsspec.

- The type comes from the bytes (Pillow reads the header), never from the file name: a `.jpg`
  that holds a GIF is refused, a JPEG called `photo` is taken. Only the header is read to check
  an image; a local image is read whole once more to hash it. JPEG and PNG are taken unless the
  caller names other types (`taken`: the Converse models also take GIF and WebP).
- Limits are the model's (transforms/targets/models.py: image_max_bytes, image_min_px / image_max_px a
  side, image_max_pixels, image_min_aspect / image_max_aspect as width / height); with no
  model only the type is checked.
- A local image is uploaded as PREFIX/<sha256[:32]>.jpg|.png (|.gif|.webp). The name is the content, so the
  same image is uploaded once however many records or reruns name it; an object that exists is
  complete (an S3 PUT appears whole or not at all), so it is never uploaded again.
- A bad image is a RecordError with its own reason (image_missing, image_unreadable,
  unsupported_image_type, image_too_large, image_dimensions, image_aspect); a failure of the
  store itself (no connection, credentials refused, upload denied) is a StorageError and stops
  the run.
- place_image() stages the images of every target that takes them (bedrock-image,
  bedrock-conversation; transforms/targets/media_staging.py): an s3:// image checked where it
  is, a local one checked and uploaded (or, with upload=False, checked and named only).
"""
from __future__ import annotations

import hashlib
import os
import re
import stat
import warnings
from dataclasses import dataclass

from tuneprep.transforms.core.records import FORMAT, RecordError
from tuneprep.transforms.io.storage import DENIED_CODES, StorageError, error_code, failure, \
    filesystem, join, translate_failures

FORMATS = {"JPEG": ".jpg", "PNG": ".png"}         # taken unless the caller names others
EXTENSIONS = {**FORMATS, "GIF": ".gif", "WEBP": ".webp"}   # every type an upload may have
# Pillow names a JPEG that carries extra pictures (many phone cameras) "MPO"; it is a JPEG file.
_ALIASES = {"MPO": "JPEG"}
_CHUNK = 1 << 20
# "<_io.BufferedReader name='x.jpg'>", "<s3fs.core.S3File object at 0x7f…>": an object's repr in
# an exception's text, which says nothing to a person (and differs from run to run)
_REPR = re.compile(r"<[^<>]*(?: object at 0x[0-9a-fA-F]+|BufferedReader[^<>]*|BytesIO[^<>]*)>")


def _in_words(e: BaseException) -> str:
    """An exception as words: its type and its text, with object reprs said as "the file"."""
    text = _REPR.sub("the file", " ".join(str(e).split()))
    return f"{type(e).__name__}: {text}" if text else type(e).__name__
_MISSING_CODES = {"NoSuchKey", "NoSuchBucket", "404", "NotFound"}
PILLOW_MISSING = ("checking images needs Pillow, which is not installed: "
                  "pip install 'tuneprep[images]'")


@dataclass(frozen=True)
class ImageInfo:
    format: str     # JPEG | PNG
    width: int
    height: int
    bytes: int


def pillow_problem() -> str | None:
    """None when Pillow can be imported, else the one-line message saying how to install it."""
    try:
        import PIL.Image  # noqa: F401
    except ImportError:
        return PILLOW_MISSING
    return None


def _refuse(reason: str, message: str):
    raise RecordError(reason, message, FORMAT)


def _either(names) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def read_header(stream, size: int, where: str, taken=tuple(FORMATS)) -> ImageInfo:
    """The image's type and pixel size from the start of `stream` (Pillow reads the header
    only). Raises RecordError: image_unreadable when no image is recognised,
    unsupported_image_type when it is an image but not of a type in `taken` (Pillow's names:
    JPEG, PNG, GIF, WEBP; JPEG or PNG by default)."""
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError:
        raise RuntimeError(PILLOW_MISSING) from None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(stream) as image:
                fmt, (width, height) = image.format, image.size
        except Image.DecompressionBombError as e:
            _refuse("image_dimensions", f"the image {where} is far too large: {e}")
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as e:
            if failure(e):
                raise StorageError(failure(e, where)) from e
            # Pillow's "cannot identify image file <…LocalFileOpener object at 0x7f…>" quotes
            # the stream's repr, a memory address: a fixed text keeps two runs identical
            detail = ("it is empty, 0 bytes" if size == 0 else
                      "no image type is recognised in its content"
                      if isinstance(e, UnidentifiedImageError)
                      else "it ends before the image does (a cut or partial file)"
                      if "truncated" in str(e) or isinstance(e, EOFError)
                      else _in_words(e))
            _refuse("image_unreadable", f"the image {where} is not a readable image ({detail})")
    fmt = _ALIASES.get(fmt, fmt)
    if fmt not in taken or fmt not in EXTENSIONS:
        _refuse("unsupported_image_type", f"the image {where} is {fmt}, not {_either(taken)} "
                                          "(the type is read from the content)")
    return ImageInfo(fmt, width, height, size)


def check_size(size: int, model, where: str) -> None:
    limit = getattr(model, "image_max_bytes", None)
    if limit is not None and size > limit:
        _refuse("image_too_large", f"the image {where} is {size:,} bytes; "
                                   f"{model.display} takes at most {limit:,}")


def check_limits(info: ImageInfo, model, where: str) -> None:
    """The model's pixel and aspect limits (the byte limit is checked before reading)."""
    if model is None:
        return
    check_size(info.bytes, model, where)
    w, h = info.width, info.height
    low, high = getattr(model, "image_min_px", None), getattr(model, "image_max_px", None)
    if (low is not None and min(w, h) < low) or (high is not None and max(w, h) > high):
        takes = (f"{low}-{high}" if low is not None and high is not None else
                 f"at least {low}" if low is not None else f"1-{high}")
        _refuse("image_dimensions", f"the image {where} is {w}x{h} pixels; {model.display} takes "
                f"{takes} pixels a side")
    most = getattr(model, "image_max_pixels", None)
    if most is not None and w * h > most:
        _refuse("image_dimensions", f"the image {where} has {w * h:,} pixels ({w}x{h}); "
                f"{model.display} takes at most {most:,}")
    lo, hi = getattr(model, "image_min_aspect", None), getattr(model, "image_max_aspect", None)
    aspect = w / h if h else float("inf")
    if (lo is not None and aspect < lo) or (hi is not None and aspect > hi):
        _refuse("image_aspect", f"the image {where} is {w}x{h} (aspect {aspect:.3g}); "
                f"{model.display} takes width/height from {lo:g} to {hi:g}")


def content_name(digest: str, fmt: str) -> str:
    """The content-addressed object name: 32 hex digits of the sha256 (128 bits) + extension."""
    return digest[:32] + EXTENSIONS[fmt]


def missing_or_denied(e: BaseException, where: str, kind: str = "image"):
    """Turns an error reaching one medium (kind "image" or "video") into its dead letter
    (<kind>_missing, <kind>_unreadable), or StorageError when the store itself failed (no
    connection, credentials refused)."""
    code = error_code(e)
    if isinstance(e, FileNotFoundError) or code in _MISSING_CODES:
        _refuse(f"{kind}_missing", f"the {kind} {where} does not exist")
    if isinstance(e, (PermissionError, IsADirectoryError)) or code in DENIED_CODES:
        _refuse(f"{kind}_unreadable", f"the {kind} {where} cannot be read "
                                      f"({code or type(e).__name__})")
    message = failure(e, where)
    if message:
        raise StorageError(message) from e
    _refuse(f"{kind}_unreadable", f"the {kind} {where} cannot be read ({_in_words(e)})")


def check_s3_image(uri: str, model, taken=tuple(FORMATS)) -> ImageInfo:
    """Checks an image already on S3 from its size and header (a HEAD and a small ranged read)."""
    where = repr(uri)
    fs, path = filesystem(uri)
    try:
        size = fs.size(path)
    except Exception as e:
        missing_or_denied(e, where)
    check_size(size, model, where)
    try:
        with fs.open(path, "rb", block_size=1 << 16) as f:
            info = read_header(f, size, where, taken)
    except RecordError:
        raise
    except Exception as e:
        missing_or_denied(e, where)
    check_limits(info, model, where)
    return info


def upload_local(path: str, prefix: str, model, taken=tuple(FORMATS)) -> tuple[str, ImageInfo]:
    """Checks a local image and uploads it under `prefix` by content unless it is there
    already; returns (s3 URI, info)."""
    fs, local, digest, info = check_local(path, model, taken)
    uri = join(prefix, content_name(digest, info.format))
    with translate_failures(uri):
        remote_fs, remote = filesystem(uri)
        if not remote_fs.exists(remote):
            if _is_local(fs):
                remote_fs.put_file(local, remote)
            else:
                with fs.open(local, "rb") as src, remote_fs.open(remote, "wb") as dst:
                    for chunk in iter(lambda: src.read(_CHUNK), b""):
                        dst.write(chunk)
    return uri, info


def check_local(path: str, model, taken=tuple(FORMATS)):
    """Checks a local image as the run does, without uploading it (a dry run does only this):
    (filesystem, its path there, the content's sha256 hex digest, info)."""
    where = repr(path)
    fs, local = filesystem(path)
    try:
        if _is_local(fs):
            _regular_file(local, where)
        elif fs.isdir(local):
            _refuse("image_unreadable", f"the image {where} is a folder")
        size = fs.size(local)
        check_size(size, model, where)
        with fs.open(local, "rb") as f:
            info = read_header(f, size, where, taken)
            check_limits(info, model, where)
            f.seek(0)
            digest = hashlib.sha256()
            for chunk in iter(lambda: f.read(_CHUNK), b""):
                digest.update(chunk)
    except (RecordError, StorageError, RuntimeError):
        raise
    except Exception as e:
        missing_or_denied(e, where)
    return fs, local, digest.hexdigest(), info


def _regular_file(local: str, where: str) -> None:
    """Refuses a local path that is not a regular file before anything opens it: open() on a
    FIFO waits for a writer for ever, and a device or socket is no image either."""
    mode = os.stat(local).st_mode
    if stat.S_ISDIR(mode):
        _refuse("image_unreadable", f"the image {where} is a folder")
    if not stat.S_ISREG(mode):
        kind = ("a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
                else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a special")
        _refuse("image_unreadable", f"the image {where} is {kind} file, not a regular file; "
                                    "it is not opened")


def place_image(ref: str, prefix: str | None, model, taken=tuple(FORMATS),
                upload: bool = True, placeholder: str = "") -> tuple[str, ImageInfo]:
    """The image targets' one staging of an image: (the reference the record carries, the
    image's info). An s3:// image is checked where it is; a local path (or file://) is checked
    and uploaded under `prefix` by content. Refused (bad_image_ref): another kind of URI, or a
    local image with no prefix to upload it to. upload False: a local image is checked as the
    run checks it and named where the run would upload it (under `placeholder` when no prefix
    is given), and nothing is written."""
    if ref.startswith("s3://"):
        return ref, check_s3_image(ref, model, taken)
    if "://" in ref and not ref.startswith("file://"):
        _refuse("bad_image_ref", f"the image reference {ref!r} is neither a local path nor an "
                                 "s3:// URI")
    if not upload:
        _, _, digest, info = check_local(ref, model, taken)
        return join(prefix or placeholder, content_name(digest, info.format)), info
    if not prefix:
        _refuse("bad_image_ref", f"the image {ref!r} is a local file and Bedrock reads images "
                                 "from S3 only: pass --image-uri-prefix s3://bucket/folder to "
                                 "upload it")
    return upload_local(ref, prefix, model, taken)


def _is_local(fs) -> bool:
    protocols = fs.protocol if isinstance(fs.protocol, (tuple, list)) else (fs.protocol,)
    return "file" in protocols or "local" in protocols
