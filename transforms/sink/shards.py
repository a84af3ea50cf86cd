"""A split's files written in parallel, one task per file (issue 16, item 4): each shard of a
sharded layout (part-NNNNN-of-MMMMM.jsonl) by its own worker, and a one-file layout on S3
concatenated by S3 itself (a multipart upload of UploadPartCopy pieces: the bytes of the part
files stay on S3). Pure Python; transforms/beam/write.py runs the tasks, assemble.py takes
their manifest entries. The bytes are those assemble's one-worker path writes: the same lines,
cut at the same line numbers, in the same order.

Not taken here (assemble writes them, on one worker, as before): a one-file layout on local
disk (its bytes pass through anyway, and its whole-file SHA-256 is kept), a run with
--sample-to-quota, and an S3 file whose parts are all small (under 5 MiB: S3 copies pieces of
at least 5 MiB but the last, so nothing would be copied server-side) or too many pieces."""
from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from tuneprep.transforms.core.layout import shard_file, split_file
from tuneprep.transforms.sink.output_files import OutputFile
from tuneprep.transforms.sink.split_files import shard_count
from tuneprep.transforms.io.storage import filesystem, is_s3, join, open_read, remove_tree

MIN_PIECE = 5 * 1024 * 1024          # S3: every piece of a multipart upload but the last
MAX_PIECE = 5 * 1024 * 1024 * 1024   # S3: the largest piece (and the largest UploadPartCopy)
MAX_PIECES = 10_000                  # S3: pieces of a multipart upload
UPLOAD_THREADS = 8
BLOCK = 1 << 20

CONCAT_NOTE = ("assembled on S3 from the part files (multipart upload, UploadPartCopy): no "
               "worker read the file, so its SHA-256 is not known; parts_sha256 gives the "
               "[bytes, SHA-256] of each consecutive piece of the file, in order (the part "
               "files, as they were written), whose bytes add up to the file")


@dataclass(frozen=True, slots=True)
class Segment:
    uri: str        # a part file
    records: int    # its lines
    first: int      # the first line taken
    last: int       # one past the last line taken
    bytes: int = 0
    sha256: str | None = None

    @property
    def whole(self) -> bool:
        return self.first == 0 and self.last == self.records


@dataclass(frozen=True, slots=True)
class FileTask:
    split: str
    index: int                     # its place among the split's files
    relpath: str
    segments: tuple[Segment, ...]
    concat: bool = False           # S3: UploadPartCopy from the parts (else: written by lines)


def shard_starts(total: int, n: int) -> list[int]:
    """The first line of each of n shards (and `total`): the cuts assemble's line-by-line
    writer makes (a line w starts shard s when w >= s * total / n)."""
    return [0] + [math.ceil(s * total / n) for s in range(1, n)] + [total]


def plan_split(cfg, target, split: str, parts: list) -> list[FileTask] | None:
    """The tasks that write `split` (parts sorted in input order), or None where assemble
    writes it itself (split_files.py: the same files, on one worker)."""
    if not parts or cfg.sample_to_quota:
        return None
    if target.layout == "single":
        if not is_s3(cfg.output) or any(getattr(p, "sha256", None) is None for p in parts):
            return None
        segments = tuple(Segment(p.uri, p.records, 0, p.records, p.bytes, p.sha256)
                         for p in parts)
        if plan_pieces([s.bytes for s in segments]) is None:
            return None
        return [FileTask(split, 0, split_file(split), segments, concat=True)]
    total = sum(p.records for p in parts)
    n = shard_count(cfg, target, sum(p.bytes for p in parts), total)
    starts = shard_starts(total, n)
    tasks, offset, i = [], 0, 0
    per_shard: list[list[Segment]] = [[] for _ in range(n)]
    for part in parts:
        end = offset + part.records
        while i + 1 < n and starts[i + 1] <= offset:
            i += 1
        s = i
        while s < n and starts[s] < end:
            lo, hi = max(starts[s], offset), min(starts[s + 1], end)
            if lo < hi:
                per_shard[s].append(Segment(part.uri, part.records, lo - offset, hi - offset))
            s += 1
        offset = end
    for s in range(n):
        tasks.append(FileTask(split, s, shard_file(split, s, n), tuple(per_shard[s])))
    return tasks


def write_file(cfg, task: FileTask) -> tuple[dict, int, int]:
    """Runs one task → (the file's manifest entry, bytes S3 copied, bytes the worker uploaded
    to S3 for it)."""
    if task.concat:
        return concat_on_s3(cfg, task)
    out = OutputFile(cfg, task.relpath)
    for seg in task.segments:
        with open_read(seg.uri) as f:
            if seg.whole:   # the whole part: copied in blocks, not line by line
                while block := f.read(BLOCK):
                    out.write_block(block, 0)
                out.records += seg.records
            else:
                for index, line in enumerate(f):
                    if index >= seg.last:
                        break
                    if index >= seg.first:
                        out.write(line)
        if seg.whole and cfg.drop_copied_parts:   # (a part cut between shards: at the end)
            remove_tree(seg.uri)
    entry = out.close()
    return entry, 0, entry["bytes"] if is_s3(cfg.output) else 0


# ------------------------------------------------------------------------- S3 concatenation

@dataclass(frozen=True, slots=True)
class Piece:
    """One piece of the multipart upload: ranges of parts [(segment index, start, end)]; one
    range of at least MIN_PIECE (or the last piece) is copied by S3, else uploaded."""
    ranges: tuple[tuple[int, int, int], ...]
    copy: bool

    @property
    def size(self) -> int:
        return sum(end - start for _, start, end in self.ranges)


def plan_pieces(sizes: list[int], min_piece: int = MIN_PIECE) -> list[Piece] | None:
    """The pieces a file of parts of these sizes is uploaded in: each part of at least
    min_piece copied by S3 (cut in pieces of at most MAX_PIECE); consecutive small parts
    gathered into uploaded pieces of at least min_piece (topped up from the start of the next
    big part), which pass through the worker. None when nothing would be copied (the file is
    then streamed as before) or the pieces would be over MAX_PIECES."""
    pieces: list[Piece] = []
    group: list[tuple[int, int, int]] = []
    group_size = 0

    def copy(i: int, start: int, end: int) -> None:
        k = max(1, math.ceil((end - start) / MAX_PIECE))
        cuts = [start + (end - start) * j // k for j in range(k + 1)]
        pieces.extend(Piece(((i, a, b),), True) for a, b in zip(cuts, cuts[1:]))

    for i, size in enumerate(sizes):
        start = 0
        if group:   # top the group up from this part
            take = min(size, min_piece - group_size)
            group.append((i, 0, take))
            group_size += take
            start = take
            if group_size >= min_piece:
                pieces.append(Piece(tuple(group), False))
                group, group_size = [], 0
        rest = size - start
        if rest <= 0:
            continue
        if rest >= min_piece:
            copy(i, start, size)
        else:
            group.append((i, start, size))
            group_size += rest
    if group:
        pieces.append(Piece(tuple(group), False))
    if not any(p.copy for p in pieces) or len(pieces) > MAX_PIECES:
        return None
    return pieces


def _bucket_key(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.split("://", 1)[1].partition("/")
    return bucket, key


def concat_on_s3(cfg, task: FileTask, min_piece: int = MIN_PIECE) -> tuple[dict, int, int]:
    """The file as one multipart upload of the parts: S3 copies the big ones (UploadPartCopy),
    the worker uploads the small ones, gathered. Aborted on a failure (a retry starts over)."""
    uri = join(cfg.output, task.relpath)
    fs, _ = filesystem(uri)
    bucket, key = _bucket_key(uri)
    segments = task.segments
    pieces = plan_pieces([s.bytes for s in segments], min_piece)
    if pieces is None:
        raise ValueError(f"{task.relpath}: no piece to copy (planned as streamed)")
    upload = fs.call_s3("create_multipart_upload", Bucket=bucket, Key=key)["UploadId"]

    def send(numbered):
        number, piece = numbered
        if piece.copy:
            (i, start, end), = piece.ranges
            src_bucket, src_key = _bucket_key(segments[i].uri)
            extra = {} if (start, end) == (0, segments[i].bytes) else {
                "CopySourceRange": f"bytes={start}-{end - 1}"}
            reply = fs.call_s3("upload_part_copy", Bucket=bucket, Key=key, UploadId=upload,
                               PartNumber=number, CopySource={"Bucket": src_bucket,
                                                              "Key": src_key}, **extra)
            return reply["CopyPartResult"]["ETag"], piece.size, 0
        data = bytearray()
        for i, start, end in piece.ranges:
            with open_read(segments[i].uri, start) as f:
                data += f.read(end - start)
        reply = fs.call_s3("upload_part", Bucket=bucket, Key=key, UploadId=upload,
                           PartNumber=number, Body=bytes(data))
        return reply["ETag"], 0, len(data)

    try:
        with ThreadPoolExecutor(UPLOAD_THREADS, thread_name_prefix="tuneprep-s3-concat") as ex:
            sent = list(ex.map(send, enumerate(pieces, 1)))
        fs.call_s3("complete_multipart_upload", Bucket=bucket, Key=key, UploadId=upload,
                   MultipartUpload={"Parts": [{"ETag": etag, "PartNumber": n}
                                              for n, (etag, _, _) in enumerate(sent, 1)]})
    except BaseException:
        try:
            fs.call_s3("abort_multipart_upload", Bucket=bucket, Key=key, UploadId=upload)
        except Exception:   # (the failure that matters is the first one)
            pass
        raise
    fs.invalidate_cache(uri)
    entry = {"path": task.relpath, "records": sum(s.records for s in segments),
             "bytes": sum(s.bytes for s in segments), "sha256": None,
             "sha256_covers": CONCAT_NOTE,
             "parts_sha256": [[s.bytes, s.sha256] for s in segments]}
    return entry, sum(c for _, c, _ in sent), sum(u for _, _, u in sent)
