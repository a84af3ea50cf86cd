"""Turn the per-batch part files into the dataset layout (docs/design.md §5-6), then the
manifest, the report, the training request (training-request.json) and `_SUCCESS` (last). Pure
Python over fsspec; runs once, after every part exists.

Parts are written per batch under OUT/_temporary/RUN/ and named by (file index, batch index),
so sorting their names gives input order: the dataset is byte-identical whatever the runner,
bundling or retries did, and no stage had to shuffle the records themselves.
"""
from __future__ import annotations

import hashlib
import io
import math
import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import orjson

from tuneprep.transforms.io import claim, dataset_rules, training_request
from tuneprep.transforms.io.dataset_folder import manifest_identity
from tuneprep.transforms.io.staged_files import (SUCCESS, commit, staged_uri, temp_root,
                                                 write_staged)
from tuneprep.transforms.report import html as report_html
from tuneprep.transforms.report import status as run_status
from tuneprep.transforms.report.run import run_section
from tuneprep.transforms.core import sampling
from tuneprep.transforms.core import stats as st
from tuneprep.transforms.core.jsonl import dumps_line
from tuneprep.transforms.io.redaction import redact_all
from tuneprep.transforms.io.storage import (bucket_of, is_s3, join, local_path, open_read,
                                            open_write, remove_tree, write_bytes)
from tuneprep.transforms.targets import get_target
from tuneprep.transforms.core.process import DEAD_LETTER, TRAIN, VALIDATION

AUTO_SHARD_BYTES = 256 * 1024 * 1024
BLOCK = 1 << 20
EXAMPLES_PER_REASON = 3      # dead letters shown per reason in report.html
SAMPLED_OUT = "sampled_out"  # the folder and file naming the records --sample-to-quota left out


@dataclass(frozen=True, slots=True)
class Part:
    kind: str      # train | validation | dead_letter
    key: str       # file index - batch index: sorts in input order
    uri: str
    records: int
    bytes: int
    source_uri: str
    sha256: str | None = None   # on S3 only: the digest of a file S3 concatenates (shards.py)


_HASHER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tuneprep-sha256")


def write_part(cfg, kind: str, key: str, lines: list[bytes], source_uri: str,
               source_lines: list[int] | None = None) -> Part:
    """Writes one batch's lines of one kind; the same key always gives the same file, so a
    retried bundle overwrites its own part and nothing is counted twice."""
    if cfg.claimed and local_path(cfg.output) is not None:   # (on S3 a read costs a request)
        claim.check_local(cfg.output, cfg.run_id)
    data = b"\n".join(lines)
    uri = join(temp_root(cfg), kind, f"{key}.jsonl")
    with open_write(uri) as f:
        f.write(data)
        f.write(b"\n")   # not data + b"\n": copying a batch again was ~3/4 of a part's cost
        _start_writeback(f)
    if source_lines is not None:
        write_bytes(uri + ".src", orjson.dumps(source_lines))
    digest = None
    if is_s3(cfg.output):   # S3 may concatenate the parts itself: their digests for the manifest
        sha = hashlib.sha256(data)
        sha.update(b"\n")
        digest = sha.hexdigest()
    return Part(kind, key, uri, len(lines), len(data) + 1, source_uri, digest)


def _start_writeback(f) -> None:
    """Asks the kernel to start writing a local part to disk now. The disk is mostly idle while
    records are processed; without this the parts' pages were still waiting when the dataset's
    own file was written, which the kernel then slowed to disk speed (3.2 GB: ~2 s more). The
    pages stay cached (they are dirty when asked), so assembling still reads them from memory."""
    if hasattr(os, "posix_fadvise") and isinstance(f, io.BufferedWriter):   # a local file
        f.flush()
        os.posix_fadvise(f.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)


class _Out:
    """One output file being written, with its count, size and digest for the manifest."""

    def __init__(self, cfg, relpath: str):
        self.relpath, self.uri = relpath, staged_uri(cfg, relpath)   # (its place at commit)
        self.f = open_write(self.uri)
        self.records, self.bytes, self.sha = 0, 0, hashlib.sha256()
        self._hashing: Future | None = None

    def write(self, line: bytes):
        self._hashed()
        self.f.write(line)
        self.sha.update(line)
        self.records += 1
        self.bytes += len(line)

    def write_block(self, data: bytes, records: int):
        """Whole lines at once (a part copied as it is). The block is hashed on another thread
        while it is written (both let go of the GIL): the digest of a 3 GB file then costs no
        time of its own."""
        self._hashed()
        self._hashing = _HASHER.submit(self.sha.update, data)
        self.f.write(data)
        self.records += records
        self.bytes += len(data)

    def _hashed(self) -> None:
        if self._hashing is not None:   # blocks are hashed in order, one at a time
            self._hashing.result()
            self._hashing = None

    def close(self) -> dict:
        self._hashed()
        self.f.close()
        return {"path": self.relpath, "records": self.records, "bytes": self.bytes,
                "sha256": self.sha.hexdigest()}


class _DeadLetterOut(_Out):
    """The dead-letter file, keeping the first few lines of each reason as report.html's
    examples while they are copied (no second pass over the dead letters)."""

    PREFIX = b'{"reason":"'

    def __init__(self, cfg, relpath: str, per_reason: int = EXAMPLES_PER_REASON):
        super().__init__(cfg, relpath)
        self.per_reason = per_reason
        self.examples: dict[str, list[dict]] = {}

    def write(self, line: bytes):
        super().write(line)
        if line.startswith(self.PREFIX):   # dead_letter() puts the reason first: no parse needed
            end = line.find(b'"', len(self.PREFIX))
            reason = line[len(self.PREFIX):end].decode("utf-8", "replace")
            if len(self.examples.get(reason, ())) >= self.per_reason:
                return
        try:
            example = orjson.loads(line)
        except orjson.JSONDecodeError:
            return
        if isinstance(example, dict):
            kept = self.examples.setdefault(str(example.get("reason")), [])
            if len(kept) < self.per_reason:
                kept.append(example)


def _read_candidates(parts) -> list:
    """The candidates of transforms/core/sampling.py read back from the parts, sorted (for a
    caller that ran no combine: the result is the same, but every line is read here)."""
    def keyed():
        for part in parts:
            with open_read(part.uri) as f:
                for i, line in enumerate(f):
                    yield (sampling.line_hash(line), part.key, i, None)
    return sorted(keyed())


def _sample_keep(candidates: list, quota: int) -> list:
    """The kept candidates: the `quota` smallest (hash, part key, line index, measures), from
    the combine's smallest ones of the split (sorted, and at least `quota` of them)."""
    return candidates[:max(quota, 0)]


def _quota_problems(cfg, counts: dict, sampled: dict) -> list[str]:
    counts = {TRAIN: counts.get(TRAIN, 0), VALIDATION: counts.get(VALIDATION, 0)}
    return [message for _, message in dataset_rules.record_count_problems(
        cfg.model_spec(), counts, sampled, cfg.sample_to_quota, get_target(cfg.target))]


def _dead_letter_ratio_problems(cfg, stats: dict) -> list[str]:
    """Rule refusals only: records left out by --sample-to-quota were chosen, not refused."""
    limit, total = cfg.max_dead_letter_ratio, stats.get("input_records", 0)
    dead = stats.get("dead_letter_records", 0)
    if limit is None or not total or dead / total <= limit:
        return []
    top = sorted(stats.get("dead_letter_reasons", {}).items(), key=lambda kv: -kv[1])[:3]
    reasons = ", ".join(f"{k} {v:,}" for k, v in top)
    return [f"{dead:,} of {total:,} records ({dead / total:.1%}) are dead letters, over "
            f"--max-dead-letter-ratio {limit:g} (most: {reasons}); is --input-format right?"]


def _quotas(cfg, counts: dict) -> dict:
    """Records to keep per split under --sample-to-quota. Validation is capped first, and train
    gets what the total quota leaves (a split at or under its quota is not sampled)."""
    spec = cfg.model_spec()
    if spec is None or not cfg.sample_to_quota:
        return {}
    quotas = {}
    if spec.max_validation_records is not None:
        quotas[VALIDATION] = spec.max_validation_records
    kept_validation = min(counts.get(VALIDATION, 0), quotas.get(VALIDATION, math.inf))
    train_limits = [q for q in (spec.max_train_records, spec.max_total_records and
                                spec.max_total_records - kept_validation) if q is not None]
    if train_limits:
        quotas[TRAIN] = min(train_limits)
    return quotas


def _sampled_per_file(parts: list[Part], keep: set) -> dict[str, int]:
    kept_per_part: dict[str, int] = {}
    for key, _ in keep:
        kept_per_part[key] = kept_per_part.get(key, 0) + 1
    out: dict[str, int] = {}
    for part in parts:
        left_out = part.records - kept_per_part.get(part.key, 0)
        if left_out:
            out[part.source_uri] = out.get(part.source_uri, 0) + left_out
    return out


def _shard_count(cfg, target, total_bytes: int) -> int:
    if target.layout == "single":
        return 1
    if cfg.num_shards:
        return cfg.num_shards
    return max(1, math.ceil(total_bytes / AUTO_SHARD_BYTES))


def _copied(cfg, part: Part) -> None:
    """A part now in the dataset: deleted at once where cfg allows (see drop_copied_parts). On
    a 400 MB/s disk this took a 3.2 GB dataset's final write from 10 s to 7 s."""
    if cfg.drop_copied_parts:
        for uri in (part.uri, part.uri + ".src"):
            remove_tree(uri)   # (a file, or nothing when there is no .src)


def _write_split(cfg, target, split, parts, keep, sampled_out) -> list[dict]:
    total = sum(p.records for p in parts) if keep is None else len(keep)
    n = _shard_count(cfg, target, sum(p.bytes for p in parts))
    if target.layout == "single":
        names = [f"{split}/{split}.jsonl"]
    else:
        names = [f"{split}/part-{i:05d}-of-{n:05d}.jsonl" for i in range(n)]
    files, shard, out, written = [], 0, _Out(cfg, names[0]), 0
    for part in parts:
        boundary = (shard + 1) * total / n if shard + 1 < n else math.inf
        if keep is None and written + part.records <= boundary:
            # the whole part stays in this shard: copy it in blocks, not line by line
            with open_read(part.uri) as f:
                while block := f.read(BLOCK):
                    out.write_block(block, 0)
            out.records += part.records
            written += part.records
            _copied(cfg, part)
            continue
        sources = None
        with open_read(part.uri) as f:
            for index, line in enumerate(f):
                if keep is not None and (part.key, index) not in keep:
                    if sources is None:
                        with open_read(part.uri + ".src") as s:
                            sources = orjson.loads(s.read())
                    # where it came from, not the record: the file stays small, the input has it
                    sampled_out.write(dumps_line({"source": redact_all(
                        {"uri": part.source_uri, "line": sources[index]})}) + b"\n")
                    continue
                # line-level boundaries keep shards even however the batches fell
                while shard + 1 < n and written >= (shard + 1) * total / n:
                    files.append(out.close())
                    shard += 1
                    out = _Out(cfg, names[shard])
                out.write(line)
                written += 1
        _copied(cfg, part)
    files.append(out.close())
    while shard + 1 < n:  # more shards than lines: keep the promised count, empty files
        shard += 1
        files.append(_Out(cfg, names[shard]).close())
    return files + _side_files(cfg, target, split)


def _side_files(cfg, target, split) -> list[dict]:
    files = []
    for name, data in target.side_files(cfg.target_context()).items():
        write_staged(cfg, f"{split}/{name}", data)
        files.append({"path": f"{split}/{name}", "records": None, "bytes": len(data),
                      "sha256": hashlib.sha256(data).hexdigest()})
    return files


def _file_size_problems(cfg, target, files) -> list[str]:
    sizes = {split: sum(f["bytes"] for f in files if f["path"].startswith(split + "/")
                        and f["records"] is not None) for split in (TRAIN, VALIDATION)}
    return [message for _, message in dataset_rules.file_size_problems(
        cfg.model_spec(), target.kind, sizes)]


def assemble(cfg, parts: list[Part], stats: dict, manifest_extra: dict,
             candidates: dict[str, list] | None = None, started: float | None = None,
             written: dict[str, list[dict]] | None = None) -> dict:
    """Writes the dataset and returns the report. A failed check (quota, file size, nothing
    accepted) still writes the report and the dead letters, but no data and no _SUCCESS.

    `candidates`: under --sample-to-quota, split -> the smallest candidates the run's combine
    kept (transforms/core/sampling.py); without it they are read back from the parts.
    `started`: when the run started (seconds since the epoch), for the report's `run` section.
    `written`: split -> the manifest entries of its files, written already by parallel tasks
    (transforms/io/shards.py); the other splits are written here."""
    if cfg.claimed:
        claim.check(cfg.output, cfg.run_id)
    target = get_target(cfg.target)
    by_kind: dict[str, list[Part]] = {}
    for part in sorted(parts, key=lambda p: (p.kind, p.key)):
        by_kind.setdefault(part.kind, []).append(part)
    counts = {k: sum(p.records for p in v) for k, v in by_kind.items()}
    kept = {}
    for split, quota in _quotas(cfg, counts).items():
        if counts.get(split, 0) > quota:
            found = (candidates or {}).get(split) if candidates is not None else \
                _read_candidates(by_kind[split])
            kept[split] = _sample_keep(found or [], quota)
    keeps = {split: {(k, i) for _, k, i, _ in entries} for split, entries in kept.items()}
    sampled = {split: counts[split] - len(keep) for split, keep in keeps.items()}
    sampled_files: dict[str, int] = {}
    for split, keep in keeps.items():
        for uri, n in _sampled_per_file(by_kind[split], keep).items():
            sampled_files[uri] = sampled_files.get(uri, 0) + n
    errors = _quota_problems(cfg, counts, sampled) + _dead_letter_ratio_problems(cfg, stats)
    errors += [f"{reason}: {message}" for reason, message in target.dataset_problems(
        stats.get("dataset_facets", {}), cfg.target_context(), stats.get("faceted_records", 0))]
    if not counts.get(TRAIN):
        errors.append("no record was accepted into train; see dead_letter/ and report.json")

    if errors:   # splits the parallel tasks wrote (transforms/io/shards.py) are not a dataset
        for split in (written or {}):
            remove_tree(join(cfg.output, split))
    files = []
    dead_out = _DeadLetterOut(cfg, f"{DEAD_LETTER}/{DEAD_LETTER}.jsonl")
    for part in by_kind.get(DEAD_LETTER, []):
        with open_read(part.uri) as f:
            for line in f:
                dead_out.write(line)
        _copied(cfg, part)
    if not errors:
        sampled_out = _Out(cfg, f"{SAMPLED_OUT}/{SAMPLED_OUT}.jsonl") if keeps else None
        for split in (TRAIN, VALIDATION):
            if by_kind.get(split) and split in (written or {}):   # written by parallel tasks
                files += written[split] + _side_files(cfg, target, split)
            elif by_kind.get(split):
                files += _write_split(cfg, target, split, by_kind[split], keeps.get(split),
                                      sampled_out)
        if sampled_out is not None:
            files.insert(0, sampled_out.close())
        size_errors = _file_size_problems(cfg, target, files)
        if size_errors:  # a failed run leaves no data that could be taken for a dataset
            errors += size_errors
            files = []
            for split in (TRAIN, VALIDATION, SAMPLED_OUT):
                remove_tree(join(cfg.output, split))
    files.insert(0, dead_out.close())

    report = run_status.mark(_report(stats, sampled, sampled_files, errors, kept, cfg),
                             dead_out.examples)
    report["run"] = run_section(cfg, manifest_extra, files, started)   # what run this was
    if cfg.input_warnings:   # files the input listing skipped or read once, named in the report
        report["warnings"] = list(cfg.input_warnings)
    report["skipped_inputs"] = list(cfg.skipped_inputs)   # not read: not in input_records
    report = redact_all(_with_media_warnings(cfg, report))
    write_staged(cfg, "report.json", orjson.dumps(report, option=orjson.OPT_INDENT_2))
    page = report_html.render(report, dead_out.examples, cfg.max_tokens_per_record()).encode()
    write_staged(cfg, "report.html", page)
    files.append({"path": "report.html", "records": None, "bytes": len(page),
                  "sha256": hashlib.sha256(page).hexdigest()})
    if not errors:   # the next step, beside the data (and in the manifest), before _SUCCESS
        files += _write_training_request(cfg, target, files)
    manifest = redact_all({**manifest_identity(cfg.run_id), "files": files, **manifest_extra})
    write_staged(cfg, "manifest.json",
                 orjson.dumps(manifest, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
    commit(cfg, [f["path"] for f in files] + ["report.json", "manifest.json"])
    remove_tree(join(cfg.output, "_temporary"))
    if cfg.success_by_launcher:   # this step may yet fail or run again: the launcher decides
        return report
    if cfg.claimed:
        claim.release(cfg.output)
    if not errors:
        write_bytes(join(cfg.output, SUCCESS), b"")
    return report


def _write_training_request(cfg, target, files: list[dict]) -> list[dict]:
    """training-request.json (transforms/io/training_request.py): its manifest entry, or none
    for a target no request is known for."""
    data = [f["path"] for f in files if f["path"].endswith(".jsonl")
            and f["path"].split("/", 1)[0] in (TRAIN, VALIDATION)]
    request = training_request.training_request(target.name, target.kind, cfg.model_spec(),
                                                cfg.output, data, cfg.validation_split)
    if request is None:
        return []
    body = orjson.dumps(redact_all(request), option=orjson.OPT_INDENT_2) + b"\n"
    write_staged(cfg, training_request.FILE, body)
    return [{"path": training_request.FILE, "records": None, "bytes": len(body),
             "sha256": hashlib.sha256(body).hexdigest()}]


def _with_media_warnings(cfg, report: dict) -> dict:
    """Sorts the media buckets and warns when media live outside the dataset's bucket: the
    training job's service role must then be allowed to read those buckets too."""
    buckets = report.get("media_buckets")
    if not buckets:
        return report
    report["media_buckets"] = dict(sorted(buckets.items()))
    if is_s3(cfg.output):
        home = bucket_of(cfg.output)
        others = {b: n for b, n in sorted(buckets.items()) if b != home}
        if others:
            where = ", ".join(f"s3://{b} ({n:,})" for b, n in others.items())
            report.setdefault("warnings", []).append(
                f"{sum(others.values()):,} media references are in another bucket than the "
                f"dataset's (s3://{home}): {where}; the training job's role needs s3:GetObject "
                "there too")
    return report


def _report(stats: dict, sampled: dict, sampled_files: dict, errors: list[str],
            kept: dict | None = None, cfg=None) -> dict:
    """The accounting: input = accepted + dead letters + sampled out, in all and per file.
    Records --sample-to-quota left out were chosen, not refused: they are accepted records no
    longer, and no dead letters either. A failed run wrote no data: its output_records are
    empty, and what it would have written is `not_written_records`."""
    report = st.merge(st.new_stats(), stats)
    by_split = report.pop("by_split", None) or {}
    n_sampled = sum(sampled.values())
    report["sampled_out_records"] = n_sampled
    if n_sampled:
        read = sampling.figures(report)
        written = _written_figures(by_split, kept or {}, cfg)
        if written is not None:   # the figures count what was written, and apart what was read
            report.update(written)
            report["read"] = _sorted_figures(read)
        report["accepted_records"] -= n_sampled
        for split, n in sampled.items():
            report["output_records"][split] -= n
    for uri, f in report["files"].items() if n_sampled else ():   # per file once any was
        f["sampled_out_records"] = sampled_files.get(uri, 0)
        f["accepted_records"] -= f["sampled_out_records"]
    # the runner may merge statistics in any order: sort what is keyed by name
    for key in ("files", "dead_letter_reasons", "dead_letter_stages", "output_records"):
        report[key] = dict(sorted(report[key].items()))
    report.update(_sorted_figures(report))
    report["status"] = run_status.FAILED if errors else run_status.SUCCEEDED   # (mark: many)
    report["errors"] = errors
    if errors and any(report["output_records"].values()):
        report["not_written_records"] = report["output_records"]
        report["output_records"] = {}
    ordered = {k: report.pop(k) for k in ("status", "errors", "input_records", "accepted_records",
                                          "output_records", "dead_letter_records",
                                          "dead_letter_reasons", "sampled_out_records")}
    return {**ordered, **report}


def _sorted_figures(figures: dict) -> dict:
    out = dict(figures)
    if "tokens_histogram" in out:
        out["tokens_histogram"] = {name: out["tokens_histogram"][name] for name in st.BUCKET_NAMES
                                   if name in out["tokens_histogram"]}
    if "turns_histogram" in out:
        out["turns_histogram"] = dict(sorted(out["turns_histogram"].items(),
                                             key=lambda kv: int(kv[0].rstrip("+"))))
    return out


def _written_figures(by_split: dict, kept: dict, cfg) -> dict | None:
    """Lengths, turns and tool use of the written records: a sampled split's from the kept
    candidates' measures, another split's as it was read. None when the measures are unknown."""
    if cfg is None:
        return None
    written = sampling.empty_figures()
    for split, figures in by_split.items():
        if split not in kept:
            st.merge(written, figures)
    for split, entries in kept.items():
        measures = [m for _, _, _, m in entries]
        if any(m is None for m in measures):
            return None
        sampling.add_measures(written, measures, cfg.chars_per_token,
                               cfg.target_context().max_chars)
    return written
