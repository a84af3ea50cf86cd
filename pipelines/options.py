"""The `tuneprep run` options: parsed, checked and turned into one RunConfig.

Anything the parser does not know is handed to Beam as a pipeline option (--runner, ...)."""
from __future__ import annotations

import argparse
import os
import stat
import sys
import uuid

from tuneprep.transforms.io import storage
from tuneprep.transforms.adapters import ADAPTERS, AdapterOptions
from tuneprep.transforms.core.config import RunConfig
from tuneprep.transforms.io.readers import ReadOptions
from tuneprep.transforms.io.readers.formats import COMPRESSION_EXTENSIONS
from tuneprep.transforms.io.byte_ranges import SPLIT_BYTES

FOLDER_EXTENSIONS = (".jsonl", ".ndjson", ".jsonlines", ".json", ".csv", ".tsv", ".parquet",
                     ".pq", ".txt", ".text")
from tuneprep.transforms.targets import TARGETS
from tuneprep.transforms.targets.context import REPAIRS


class UsageError(Exception):
    """A refused option or argument: exit 2, one line."""


def add_run_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--input", action="append", required=True, metavar="URI",
                   help="input file, folder or glob (local or s3://); repeat for more")
    p.add_argument("--target", required=True, choices=sorted(TARGETS), help="output format")
    p.add_argument("--output", required=True, metavar="URI", help="output folder")
    p.add_argument("--model", help="model id (see `tuneprep targets`): checks it takes the "
                   "target and applies its limits")
    p.add_argument("--input-format", choices=sorted(ADAPTERS),
                   help="input adapter (default: detected per file)")
    p.add_argument("--file-format", choices=["jsonl", "json", "csv", "tsv", "parquet", "text"],
                   help="container format (default: from the extension, else sniffed)")
    p.add_argument("--field-map", default="", metavar="A=B,...",
                   help="canonical field = source key, e.g. instruction=question,response=answer")
    p.add_argument("--template", metavar="FILE",
                   help="sagemaker-instruction: template.json with prompt and completion")
    p.add_argument("--placeholder-map", default="", metavar="P=F,...",
                   help="sagemaker-instruction: template placeholder = record field")
    split = p.add_mutually_exclusive_group()
    split.add_argument("--validation-input", action="append", default=[], metavar="URI",
                       help="files that form the validation split")
    split.add_argument("--validation-split", type=float, default=0.0, metavar="FRACTION",
                       help="share of records held out for validation, chosen from the record id")
    p.add_argument("--num-shards", type=int, help="sharded targets: files per split "
                   "(default: one per ~256 MB)")
    p.add_argument("--image-root", help="base folder for relative image paths")
    p.add_argument("--image-uri-prefix", metavar="S3_URI",
                   help="bedrock-image, bedrock-conversation: s3:// folder that local images "
                   "are uploaded under, with content-addressed names (sha256[:32].jpg|png|...); "
                   "a rerun uploads nothing twice")
    p.add_argument("--s3-endpoint-url", metavar="URL",
                   help="S3-compatible endpoint (MinIO, LocalStack, ...); default: "
                   "AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, else AWS. Credentials always come "
                   "from the AWS environment or profile, never from an option")
    p.add_argument("--verbose", action="store_true",
                   help="show Beam's own log messages (and tracebacks) on stderr")
    p.add_argument("--repair", default="", metavar="NAME,...",
                   help="conversation repairs to apply instead of refusing: " + ", ".join(REPAIRS))
    p.add_argument("--max-tokens", type=int, help="per-record token limit (overrides the model's)")
    p.add_argument("--chars-per-token", type=float, default=6.0,
                   help="characters per token when estimating length (default 6, AWS's rule)")
    p.add_argument("--token-margin", type=float, default=0.1,
                   help="share of the token limit kept free, since 6 chars/token undercounts "
                   "some text (default 0.1)")
    p.add_argument("--chunk-chars", type=int,
                   help="bedrock-pretrain: chunk documents to at most this many characters "
                   "(default: the model's limit, at most 20000)")
    p.add_argument("--text-unit", choices=["file", "line", "paragraph"], default="file",
                   help="plain text inputs: one record per file, line or paragraph")
    p.add_argument("--sample-to-quota", action="store_true",
                   help="down-sample deterministically to the model's record quota instead of failing")
    p.add_argument("--max-dead-letter-ratio", type=float, metavar="R",
                   help="fail the run (exit 1, report still written) when more than this share "
                   "of the records are dead letters, e.g. 0.05; catches a wrong --input-format")
    p.add_argument("--max-record-bytes", type=int, default=16 * 1024 * 1024,
                   help="larger raw records are dead letters (default 16 MiB)")
    p.add_argument("--batch-size", type=int, help=argparse.SUPPRESS)   # default: batch_size_for()
    p.add_argument("--split-bytes", type=int, default=SPLIT_BYTES, help=argparse.SUPPRESS)
    p.add_argument("--workers", type=int, metavar="N",
                   help="local runner only: worker processes (default: one per CPU when the "
                   "input is large enough to gain from it, else 1); with a --runner of a "
                   "cluster, size the cluster instead")
    p.add_argument("--overwrite", action="store_true",
                   help="replace a non-empty output folder")
    p.add_argument("--quiet", action="store_true",
                   help="no progress line on stderr (it is shown only on a terminal anyway)")
    p.add_argument("--dry-run", action="store_true",
                   help="check the options and inputs, run a sample of each file through the "
                   "rules and print the plan; write nothing")


def parse_map(text: str, what: str) -> dict[str, str]:
    out = {}
    for pair in filter(None, (s.strip() for s in text.split(","))):
        key, sep, value = pair.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise UsageError(f"{what}: '{pair}' is not NAME=VALUE")
        out[key.strip()] = value.strip()
    return out


def expand_inputs(uris: list[str], flag: str = "--input", warn=None) -> list[str]:
    """Files, folders (recursively; names starting with '.' or '_' are skipped) and globs → a
    list of file URIs, sorted within each URI, each file once. Raises UsageError for a URI that
    matches nothing or names no regular file. `warn(line)` (default: a `warning:` line on
    stderr) is told of skipped files and of files reached twice."""
    warn = warn or _print_warning
    expand = _expander(warn)
    return _read_once([(flag, uri, expand(flag, uri)) for uri in uris], warn)


def expand_splits(args, before_remote=None, warn=None) -> tuple[list[str], list[str]]:
    """--input and --validation-input → (training files, validation files). Local URIs are
    listed first, then `before_remote()` runs (the launcher's S3 checks), then the others: a
    missing local file is never hidden behind an S3 error. A file of both splits is a
    UsageError: its records would be counted (and trained on) twice."""
    warn = warn or _print_warning
    named = [("--input", u) for u in args.input] + [
        ("--validation-input", u) for u in args.validation_input]
    expand = _expander(warn)
    for flag, uri in named:
        if storage.local_path(uri) is not None:
            expand(flag, uri)
    if before_remote is not None:
        before_remote()
    groups = [(flag, uri, expand(flag, uri)) for flag, uri in named]
    train = [g for g in groups if g[0] == "--input"]
    validation = [g for g in groups if g[0] != "--input"]
    first = {key: (flag, uri, path) for flag, uri, files in train for path, key in files}
    for flag, uri, files in validation:
        for path, key in files:
            if key in first:
                f0, u0, p0 = first[key]
                also = "" if p0 == path else f" (as {p0})"
                raise UsageError(f"{flag} {uri}: {path} is also read by {f0} {u0}{also}; "
                                 "a file cannot be in both splits")
    return _read_once(train, warn), _read_once(validation, warn)


def _print_warning(line: str) -> None:
    print(f"warning: {line}", file=sys.stderr)


def _expander(warn):
    """_expand_one, listing a URI given twice once (and warning of its skipped files once)."""
    done: dict[str, list] = {}

    def expand(flag: str, uri: str) -> list:
        if uri not in done:
            done[uri] = _expand_one(flag, uri, warn)
        return done[uri]
    return expand


def _read_once(groups, warn) -> list[str]:
    """The URIs of [(flag, uri, [(path, key)])], each file (key) once, in order; one warning
    per pair of URIs that reach the same files (not one per file: two overlapping folders)."""
    seen: dict = {}
    out: list[str] = []
    for flag, uri, files in groups:
        again: dict = {}
        for path, key in files:
            if key in seen:
                f0, u0, p0 = seen[key]
                again.setdefault((f0, u0), []).append((path, p0))
            else:
                seen[key] = (flag, uri, path)
                out.append(path)
        for (f0, u0), pairs in again.items():
            path, p0 = pairs[0]
            same_uri = (f0, u0) == (flag, uri)
            via = "" if same_uri else f" of {f0} {u0}"
            if same_uri and path == p0:
                warn(f"{flag} {uri}: given twice; read once")
            elif len(pairs) == 1 and path == p0:
                warn(f"{path}: named by both {f0} {u0} and {flag} {uri}; read once")
            elif len(pairs) == 1:
                warn(f"{flag} {uri}: {path} is the same file as {p0}{via}; read once")
            else:
                first = path if path == p0 else f"{path} = {p0}"
                warn(f"{flag} {uri}: {len(pairs)} of its files are files already read{via} "
                     f"(first: {first}); each is read once")
    return out


def _expand_one(flag: str, uri: str, warn) -> list[tuple[str, tuple]]:
    """One --input URI → [(file URI, identity)], sorted. The identity tells two paths to the
    same file apart from two files: (device, inode) on local disk, so a link, `a/../a` or a
    folder given beside a file in it is the same file; the filesystem and path elsewhere."""
    if not _utf8(uri):
        raise UsageError(f"{flag} {_shown(uri)}: the name is not valid UTF-8; rename it")
    fs, path = storage.filesystem(uri)
    local = storage.local_path(uri) is not None
    if any(c in path for c in "*?["):
        if local:
            candidates = [p for p in fs.glob(path) if not os.path.isdir(p)]
        else:   # (one listing: isfile() per match would be one HEAD request each)
            candidates = [p for p, info in fs.glob(path, detail=True).items()
                          if info.get("type") == "file"]
    elif local:
        try:
            st = os.stat(path)   # (never open(): a FIFO or a device would block the run)
        except FileNotFoundError:
            raise UsageError(f"{flag} {uri}: no such file or folder") from None
        except OSError as e:
            raise UsageError(f"{flag} {uri}: {e.strerror}") from None
        if stat.S_ISREG(st.st_mode):
            return [(_unstrip(fs, uri, path), (st.st_dev, st.st_ino))]
        if not stat.S_ISDIR(st.st_mode):
            raise UsageError(f"{flag} {uri}: {_kind(st.st_mode)}, not a regular file; only "
                             "regular files are read")
        candidates = [p for p in fs.find(path) if not _hidden(p[len(path):]) and _is_data_file(p)]
    elif fs.isdir(path):
        candidates = [p for p in fs.find(path) if not _hidden(p[len(path):]) and _is_data_file(p)]
    elif fs.exists(path):
        candidates = [path]
    else:
        raise UsageError(f"{flag} {uri}: no such file or folder")
    files = []
    for p in sorted(candidates):
        key = _local_identity(p, flag, uri, warn) if local else (type(fs).__name__, p)
        if key is not None:
            files.append((_unstrip(fs, uri, p), key))
    if not files:
        skipped = len(candidates)
        raise UsageError(f"{flag} {uri}: matches no file" +
                         (f" that can be read ({skipped} skipped, see the warnings)"
                          if skipped else ""))
    return files


def _local_identity(path: str, flag: str, uri: str, warn) -> tuple | None:
    """(device, inode) of a listed local file; None, with a warning, when it is skipped: a
    name that is not UTF-8 (it could not be written to the report), a FIFO, socket or device
    (reading one blocks or never ends), a broken link."""
    problem = None
    if not _utf8(path):
        problem = "the name is not valid UTF-8 (rename it to read it)"
    else:
        try:
            st = os.stat(path)
        except OSError as e:
            problem = ("a broken link" if os.path.islink(path) else
                       f"cannot be read ({e.strerror})")
        else:
            if stat.S_ISREG(st.st_mode):
                return st.st_dev, st.st_ino
            problem = f"{_kind(st.st_mode)}, not a regular file"
    warn(f"{flag} {uri}: skipped {_shown(path)}: {problem}")
    return None


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device")):
        if test(mode):
            return name
    return "a special file"


def _utf8(text: str) -> bool:
    """False for a name that was not valid UTF-8 on disk: Python keeps its bytes as lone
    surrogates, which no UTF-8 text (report, manifest, Beam's coders) can hold."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _shown(path: str) -> str:
    """A name that is not UTF-8, printable: its bad bytes as \\xNN."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _is_data_file(path: str) -> bool:
    """In a folder, only files with a data extension are inputs, so a README or SOURCE.md
    beside the data is not read as a document (name such a file explicitly to read it)."""
    return path.lower().endswith(FOLDER_EXTENSIONS) or any(
        path.lower().endswith(ext + comp) for ext in FOLDER_EXTENSIONS
        for comp in COMPRESSION_EXTENSIONS)


def _hidden(relpath: str) -> bool:
    return any(part.startswith((".", "_")) for part in relpath.split("/") if part)


def _unstrip(fs, uri: str, path: str) -> str:
    """fsspec paths lose their protocol; give it back so workers open the same file."""
    protocol = uri.split("://", 1)[0] if "://" in uri else None
    return f"{protocol}://{path}" if protocol and protocol != "file" else path


def check_uris(args) -> None:
    """Credentials never travel in a URI (they would land in the job graph, the manifest and
    the report): refuse such a URI; botocore takes credentials from the environment."""
    named = [("--input", u) for u in args.input] + [
        ("--validation-input", u) for u in args.validation_input] + [
        ("--output", args.output), ("--image-root", args.image_root),
        ("--image-uri-prefix", args.image_uri_prefix),
        ("--s3-endpoint-url", args.s3_endpoint_url)]
    for name, uri in named:
        if uri and storage.has_credentials(uri):
            raise UsageError(f"{name} {storage.redact(uri)}: credentials in a URI are not "
                             "accepted; use AWS_PROFILE or AWS_ACCESS_KEY_ID / "
                             "AWS_SECRET_ACCESS_KEY (or an instance/task role)")
    if args.s3_endpoint_url and not args.s3_endpoint_url.startswith(("http://", "https://")):
        raise UsageError(f"--s3-endpoint-url {args.s3_endpoint_url}: not an http(s):// URL")
    endpoint_of(args)   # the environment's endpoint, checked as the option's
    s3_timeout_of()
    prefix = args.image_uri_prefix
    if prefix is not None:
        from tuneprep.transforms.targets.bedrock_image import image_ref_problem
        if not prefix.startswith("s3://") or image_ref_problem(
                prefix.rstrip("/") + "/x.png") is not None:
            raise UsageError(f"--image-uri-prefix {prefix}: not an s3://bucket/folder URI")


def batch_size_for(output: str) -> int:
    """Records per batch. Each batch writes its own part file(s): on local disk that is cheap,
    and small batches keep each worker's memory low (measured: 4,096 → 1,024 took ~30 MiB off
    each local worker process at no cost in time); on S3 a part is a PUT request of tens of
    milliseconds, so batches stay larger there."""
    return 1024 if storage.local_path(output) is not None else 4096


def endpoint_of(args) -> str | None:
    """--s3-endpoint-url, else the one in this machine's environment: recorded in the RunConfig
    so remote workers, whose environment may differ, use the same store. UsageError for an
    environment's endpoint with credentials in it (as check_uris for the option)."""
    if args.s3_endpoint_url:
        return args.s3_endpoint_url
    try:
        return storage.endpoint_from_env()
    except ValueError as e:
        raise UsageError(str(e)) from None


def s3_timeout_of() -> float:
    """TUNEPREP_S3_TIMEOUT, else the default: recorded in the RunConfig for remote workers."""
    try:
        return storage.s3_timeout_from_env()
    except ValueError as e:
        raise UsageError(str(e)) from None


def build_config(args, before_expand=None) -> RunConfig:
    """Checks the options (UsageError), expands the inputs into the RunConfig: the local ones,
    then `before_expand()` (the launcher's storage checks), then the others."""
    check_uris(args)
    target = TARGETS[args.target]
    model = None
    if args.model:
        from tuneprep.transforms.targets.models import get_model
        try:
            model = get_model(args.model)
        except KeyError as e:
            raise UsageError(str(e.args[0]) if e.args else str(e)) from None
        if target.kind not in model.kinds:
            takes = [t for t, tg in sorted(TARGETS.items()) if tg.kind in model.kinds]
            raise UsageError(f"--model {model.name} does not take --target {target.name}; "
                             f"it takes: {', '.join(takes) or 'none of the targets'}")
    wants_validation = bool(args.validation_input) or args.validation_split > 0
    if wants_validation and (not target.takes_validation or
                             (model is not None and not model.takes_validation)):
        who = target.name if not target.takes_validation else model.name
        raise UsageError(f"{who} takes no validation set: drop --validation-input/--validation-split")
    if not 0.0 <= args.validation_split < 1.0:
        raise UsageError("--validation-split must be at least 0 and below 1")
    if args.num_shards is not None and (args.num_shards < 1 or
                                        (target.layout == "single" and args.num_shards != 1)):
        raise UsageError(f"--num-shards: {target.name} writes exactly one file per split"
                         if target.layout == "single" else "--num-shards must be at least 1")
    if args.max_dead_letter_ratio is not None and not 0.0 <= args.max_dead_letter_ratio <= 1.0:
        raise UsageError("--max-dead-letter-ratio must be between 0 and 1")
    if not 0.0 <= args.token_margin < 1.0:
        raise UsageError("--token-margin must be at least 0 and below 1")
    for name, value in (("--chars-per-token", args.chars_per_token), ("--max-tokens", args.max_tokens),
                        ("--chunk-chars", args.chunk_chars), ("--batch-size", args.batch_size),
                        ("--max-record-bytes", args.max_record_bytes),
                        ("--workers", args.workers)):
        if value is not None and value <= 0:
            raise UsageError(f"{name} must be positive")
    repair = tuple(r for r in (s.strip() for s in args.repair.split(",")) if r)
    unknown = [r for r in repair if r not in REPAIRS]
    if unknown:
        raise UsageError(f"--repair {unknown[0]}: unknown; known: {', '.join(REPAIRS)}")
    template = None
    if args.template:
        if args.target != "sagemaker-instruction":
            raise UsageError("--template is for --target sagemaker-instruction")
        from tuneprep.transforms.targets.sagemaker_instruction import parse_template
        try:
            with open(args.template, encoding="utf-8") as f:
                template = parse_template(f.read())
        except OSError as e:
            raise UsageError(f"--template {args.template}: {e.strerror}") from None
        except ValueError as e:
            raise UsageError(f"--template {args.template}: {e}") from None
    if args.image_uri_prefix is not None and not target.uploads_images(model):
        if target.uploads_images(None):
            raise UsageError(f"--image-uri-prefix: --model {model.name} takes no images")
        raise UsageError(f"--image-uri-prefix is for targets that take images (bedrock-image, "
                         f"bedrock-conversation), not --target {target.name}")
    warnings: list[str] = []   # printed at once, and kept for the report

    def warn(line: str) -> None:
        warnings.append(line)
        _print_warning(line)
    inputs, validation_inputs = expand_splits(args, before_remote=before_expand, warn=warn)
    from tuneprep.pipelines.output_guard import normalize_output   # (it imports UsageError from here)
    return RunConfig(
        target=target.name, output=normalize_output(args.output),
        inputs=inputs, validation_inputs=validation_inputs,
        model=model.name if model else None, input_format=args.input_format,
        read=ReadOptions(file_format=args.file_format, text_unit=args.text_unit,
                         max_record_bytes=args.max_record_bytes),
        adapter=AdapterOptions(field_map=parse_map(args.field_map, "--field-map"),
                               image_root=args.image_root),
        template=template, placeholder_map=parse_map(args.placeholder_map, "--placeholder-map"),
        repair=repair, validation_split=args.validation_split, num_shards=args.num_shards,
        chars_per_token=args.chars_per_token, token_margin=args.token_margin,
        max_tokens=args.max_tokens, chunk_chars=args.chunk_chars,
        sample_to_quota=args.sample_to_quota,
        batch_size=args.batch_size or batch_size_for(args.output),
        split_bytes=args.split_bytes,
        max_dead_letter_ratio=args.max_dead_letter_ratio,
        run_id=uuid.uuid4().hex[:12], s3_endpoint_url=endpoint_of(args),
        s3_timeout=s3_timeout_of(), input_warnings=warnings,
        image_uri_prefix=args.image_uri_prefix.rstrip("/") if args.image_uri_prefix else None)


def describe(cfg: RunConfig) -> dict:
    """The options as recorded in manifest.json."""
    return {"options": {
        "target": cfg.target, "model": cfg.model, "input_format": cfg.input_format,
        "file_format": cfg.read.file_format, "text_unit": cfg.read.text_unit,
        "field_map": cfg.adapter.field_map, "template": cfg.template,
        "placeholder_map": cfg.placeholder_map, "repair": list(cfg.repair),
        "validation_split": cfg.validation_split, "num_shards": cfg.num_shards,
        "chars_per_token": cfg.chars_per_token, "token_margin": cfg.token_margin,
        "max_tokens": cfg.max_tokens_per_record(), "max_chars": cfg.max_chars(),
        "sample_to_quota": cfg.sample_to_quota,
        "max_dead_letter_ratio": cfg.max_dead_letter_ratio, "max_record_bytes": cfg.read.max_record_bytes,
        "s3_endpoint_url": cfg.s3_endpoint_url, "image_uri_prefix": cfg.image_uri_prefix},
        "inputs": cfg.inputs, "validation_inputs": cfg.validation_inputs}
