"""The options of the commands, as argparse declarations (and UsageError, the refusal of one).

Each option is declared once: the options that make a run's settings (target, model, template,
token limits, how records are read) are shared by `run`, `inspect` and `validate`, so the same
option means the same there; settings.py turns them into the RunConfig. For `run`, anything the
parser does not know is handed to Beam as a pipeline option (--runner, ...)."""
from __future__ import annotations

import argparse

from tuneprep.transforms.adapters import ADAPTERS
from tuneprep.transforms.io.byte_ranges import RANGE_BYTES
from tuneprep.transforms.targets import TARGETS
from tuneprep.transforms.targets.context import REPAIRS


class UsageError(Exception):
    """A refused option or argument: exit 2, one line."""


FILE_FORMATS = ["jsonl", "json", "csv", "tsv", "parquet", "text"]
TEXT_UNITS = ["file", "line", "paragraph"]


def add_target_arguments(p: argparse.ArgumentParser, target_required: bool = True,
                         target_help: str = "output format") -> None:
    """The target and its settings: run, inspect, validate."""
    p.add_argument("--target", required=target_required, choices=sorted(TARGETS),
                   help=target_help)
    p.add_argument("--model", help="model id (see `tuneprep targets`): checks it takes the "
                   "target and applies its limits")
    p.add_argument("--template", metavar="FILE",
                   help="sagemaker-instruction: template.json with prompt and completion")
    p.add_argument("--placeholder-map", default="", metavar="P=F,...",
                   help="sagemaker-instruction: template placeholder = record field")
    p.add_argument("--max-tokens", type=int, help="per-record token limit (overrides the model's)")
    p.add_argument("--chars-per-token", type=float, default=6.0,
                   help="characters per token when estimating length (default 6, AWS's rule)")
    p.add_argument("--token-margin", type=float, default=0.1,
                   help="share of the token limit kept free, since 6 chars/token undercounts "
                   "some text (default 0.1)")


def add_record_arguments(p: argparse.ArgumentParser) -> None:
    """How input records are read and turned into target records: run, inspect."""
    p.add_argument("--input-format", choices=sorted(ADAPTERS),
                   help="input adapter (default: detected per file)")
    p.add_argument("--file-format", choices=FILE_FORMATS,
                   help="container format (default: from the extension, else sniffed)")
    p.add_argument("--field-map", default="", metavar="A=B,...",
                   help="canonical field = source key, e.g. instruction=question,response=answer")
    p.add_argument("--text-unit", choices=TEXT_UNITS, default="file",
                   help="plain text inputs: one record per file, line or paragraph")
    p.add_argument("--image-root", help="base folder for relative image paths")
    p.add_argument("--repair", default="", metavar="NAME,...",
                   help="conversation repairs to apply instead of refusing: " + ", ".join(REPAIRS))


def add_run_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--input", action="append", required=True, metavar="URI",
                   help="input file, folder or glob (local or s3://); repeat for more")
    p.add_argument("--output", required=True, metavar="URI", help="output folder")
    add_target_arguments(p)
    add_record_arguments(p)
    split = p.add_mutually_exclusive_group()
    split.add_argument("--validation-input", action="append", default=[], metavar="URI",
                       help="files that form the validation split")
    split.add_argument("--validation-split", type=float, default=0.0, metavar="FRACTION",
                       help="share of records held out for validation, chosen from the record id")
    p.add_argument("--num-shards", type=int, help="sharded targets: files per split "
                   "(default: one per ~256 MB)")
    p.add_argument("--image-uri-prefix", metavar="S3_URI",
                   help="bedrock-image, bedrock-conversation: s3:// folder that local images "
                   "are uploaded under, with content-addressed names (sha256[:32].jpg|png|...); "
                   "a rerun uploads nothing twice")
    p.add_argument("--media-bucket-owner", metavar="ACCOUNT_ID",
                   help="bedrock-conversation: the 12-digit AWS account that owns the media "
                   "buckets, written as s3Location.bucketOwner (AWS's Nova Forge validator "
                   "requires it; without it a Nova run with media warns)")
    p.add_argument("--s3-endpoint-url", metavar="URL",
                   help="S3-compatible endpoint (MinIO, LocalStack, ...); default: "
                   "AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, else AWS. Credentials always come "
                   "from the AWS environment or profile, never from an option")
    p.add_argument("--verbose", action="store_true",
                   help="show Beam's own log messages (and tracebacks) on stderr")
    p.add_argument("--chunk-chars", type=int,
                   help="bedrock-pretrain: chunk documents to at most this many characters "
                   "(default: the model's limit, at most 20000)")
    p.add_argument("--sample-to-quota", action="store_true",
                   help="down-sample deterministically to the model's record quota instead of failing")
    p.add_argument("--max-dead-letter-ratio", type=float, metavar="R",
                   help="fail the run (exit 1, report still written) when more than this share "
                   "of the records are dead letters, e.g. 0.05; catches a wrong --input-format")
    p.add_argument("--max-record-bytes", type=int, default=16 * 1024 * 1024,
                   help="larger raw records are dead letters (default 16 MiB)")
    p.add_argument("--batch-size", type=int, help=argparse.SUPPRESS)   # default: batch_size_for()
    p.add_argument("--split-bytes", type=int, default=RANGE_BYTES, help=argparse.SUPPRESS)
    p.add_argument("--workers", type=int, metavar="N",
                   help="local runner only: worker processes (default: one per CPU when the "
                   "input is large enough to gain from it, else 1); with a --runner of a "
                   "cluster, size the cluster instead")
    p.add_argument("--overwrite", action="store_true",
                   help="replace the tuneprep dataset already in --output (only its own "
                   "files; a folder holding anything else is refused)")
    p.add_argument("--quiet", action="store_true",
                   help="no progress line on stderr (it is shown only on a terminal anyway)")
    p.add_argument("--dry-run", action="store_true",
                   help="check the options and inputs, run a sample of each file through the "
                   "rules and print the plan; write nothing")


def add_inspect_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("uris", nargs="+", metavar="URI", help="files, folders or globs")
    add_target_arguments(p, target_required=False,
                         target_help="also show each record as this target writes it")
    add_record_arguments(p)
    p.add_argument("--records", type=int, default=3, metavar="N",
                   help="records shown per file (default 3)")
    p.add_argument("--full", action="store_true", help="do not shorten long strings")


def add_validate_arguments(p: argparse.ArgumentParser) -> None:
    add_target_arguments(p, target_help="the target whose rules the files must follow")
    p.add_argument("--check-media", action="store_true",
                   help="bedrock-conversation, bedrock-image: read each image and video the "
                   "records name, as `run` does: it exists, its type by content, the model's "
                   "limits (Nova: image <= 10 MB and >= 25 px a side, video <= 50 MB and "
                   "<= 90 s); each medium once. Without it media are not read")
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="JSONL files or folders (a dataset folder: every split but the dead "
                   "letters; its template.json is read when there is no --template)")
