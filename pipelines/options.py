"""The options of the commands, as argparse declarations (and UsageError, the refusal of one).

Each option is declared once: the options that make a run's settings (target, model, template,
token limits, how records are read) are shared by `run`, `inspect` and `validate`, so the same
option means the same there; settings.py turns them into the RunConfig. For `run`, anything the
parser does not know is handed to Beam as a pipeline option (--runner, ...).

`run --help` shows its options in groups (RUN_GROUPS); the shared declarations take the group
each option goes in, so an option is still declared once. A misspelt choice (--target, --model,
--input-format, a command) is refused on one line with the nearest names (did_you_mean).

A run option that is a setting of the RunConfig takes its default from the config's field
(config_default): the default is written once, there; SETTING_FIELDS names each option's field."""
from __future__ import annotations

import argparse
import difflib

from tuneprep.transforms.adapters import ADAPTERS
from tuneprep.transforms.core.config import config_default
from tuneprep.transforms.steps.dedup_keys import DEDUP_MODES
from tuneprep.transforms.targets import TARGETS, names_where
from tuneprep.transforms.core.context import REPAIRS


class UsageError(Exception):
    """A refused option or argument: exit 2, one line."""


def suggestions(word: str, known, n: int = 3) -> list[str]:
    """Up to n known names nearest to word: close spellings (difflib), else names that start
    with or contain it."""
    known = list(known)
    close = difflib.get_close_matches(word, known, n=n, cutoff=0.6)
    if not close:
        low = word.lower()
        close = ([k for k in known if k.lower().startswith(low)]
                 + [k for k in known if low in k.lower() and not k.lower().startswith(low)])
    return close[:n]


def did_you_mean(option: str, word: str, known, see: str) -> str:
    """One line refusing an unknown name: the nearest known ones, and where to see them all."""
    near = suggestions(word, known)
    hint = (f"did you mean {', '.join(near[:-1]) + ' or ' if len(near) > 1 else ''}{near[-1]}? "
            if near else "")
    return f"{option} {word}: unknown; {hint}{see}"


def long_options(parser: argparse.ArgumentParser) -> list[str]:
    """The long options a parser declares, --help aside."""
    return [o for a in parser._actions for o in a.option_strings
            if o.startswith("--") and o != "--help"]


def unknown_option(arg: str, known, see: str) -> UsageError:
    """The refusal of an option no parser knows (a misspelt one would otherwise be ignored, or
    handed to Beam), with the nearest known ones."""
    return UsageError(did_you_mean("option", arg.split("=", 1)[0], known, see))


def refuse_extra_arguments(extra: list[str], known, see: str) -> None:
    """UsageError for arguments a command does not take: an option's nearest known names."""
    options = [a for a in extra if a.startswith("-")]
    if options:
        raise unknown_option(options[0], known, see)
    if extra:
        raise UsageError(f"unrecognized arguments: {' '.join(extra)}")


# run --help: the groups, in order (title: description)
RUN_GROUPS = {
    "inputs": "what is read, and how records are read from it",
    "target and model": "what is written, and the model whose rules apply",
    "output": "where and how the dataset is written",
    "limits": "per-record and per-dataset limits",
    "repairs": "records mended instead of refused",
    "runner": "the local run and Apache Beam (any other option is handed to Beam as a "
              "pipeline option, e.g. --runner DataflowRunner)",
}


def _groups(p, groups: dict | None) -> dict:
    return groups if groups is not None else {name: p for name in RUN_GROUPS}


FILE_FORMATS = ["jsonl", "json", "csv", "tsv", "parquet", "text"]
TEXT_UNITS = ["file", "line", "paragraph"]
MAX_SHARDS = 100_000   # --num-shards at most: each shard is a file (and a name held at assembly)


def _template_targets() -> str:
    return names_where(lambda t: t.takes_template)


def add_target_arguments(p: argparse.ArgumentParser, target_required: bool = True,
                         target_help: str = "output format", groups: dict | None = None) -> None:
    """The target and its settings: run, inspect, validate."""
    g = _groups(p, groups)
    t = g["target and model"]
    t.add_argument("--target", required=target_required, choices=sorted(TARGETS),
                   metavar="TARGET",
                   help=f"{target_help}: {', '.join(sorted(TARGETS))} (see `tuneprep targets`)")
    t.add_argument("--model", help="model id (see `tuneprep targets TARGET`): checks it takes "
                   "the target and applies its limits")
    t.add_argument("--template", metavar="FILE",
                   help=f"{_template_targets()}: template.json with prompt and completion")
    t.add_argument("--placeholder-map", default="", metavar="P=F,...",
                   help=f"{_template_targets()}: template placeholder = record field")
    lim = g["limits"]
    lim.add_argument("--max-tokens", type=int, metavar="N",
                     help="per-record token limit (overrides the model's)")
    lim.add_argument("--chars-per-token", type=float, metavar="C",
                     help="characters per token when estimating length (default: the model's "
                     "validator's, 3 for claude-3-haiku; else 6, AWS's rule)")
    margin = config_default("token_margin")
    lim.add_argument("--token-margin", type=float, default=margin, metavar="SHARE",
                     help="share of the token limit kept free, since 6 chars/token undercounts "
                     f"some text (default {margin:g})")


def add_record_arguments(p: argparse.ArgumentParser, groups: dict | None = None) -> None:
    """How input records are read and turned into target records: run, inspect."""
    g = _groups(p, groups)
    i = g["inputs"]
    i.add_argument("--input-format", choices=sorted(ADAPTERS), metavar="ADAPTER",
                   help="input adapter (default: detected per file): "
                   + ", ".join(sorted(ADAPTERS)))
    i.add_argument("--file-format", choices=FILE_FORMATS,
                   help="container format (default: from the extension, else sniffed)")
    i.add_argument("--field-map", default="", metavar="A=B,...",
                   help="canonical field = source key, e.g. instruction=question,response=answer "
                   "(canonical fields: instruction, context, response; prompt, completion; "
                   "input, output; messages; conversations; text; image, caption; system)")
    encoding = config_default("read.encoding")
    i.add_argument("--encoding", default=encoding, metavar="NAME",
                   help=f"text encoding of CSV, JSON and text inputs (default {encoding}), e.g. "
                   "cp1252 or latin-1 for a Windows or Excel export")
    i.add_argument("--records-path", metavar="KEY[.KEY...]",
                   help="JSON documents: the key (dotted path) holding the list of records, e.g. "
                   "data for {\"data\": [...]} (default: a document's one list of records)")
    i.add_argument("--text-unit", choices=TEXT_UNITS, default=config_default("read.text_unit"),
                   help="plain text inputs: one record per file, line or paragraph")
    i.add_argument("--image-root", metavar="DIR", help="base folder for relative image paths")
    g["repairs"].add_argument("--repair", default="", metavar="NAME,...",
                              help="conversation repairs to apply instead of refusing: "
                              + ", ".join(REPAIRS))


def run_groups(p: argparse.ArgumentParser) -> dict:
    """run's argument groups (RUN_GROUPS), in order."""
    return {name: p.add_argument_group(name, about) for name, about in RUN_GROUPS.items()}


def add_run_arguments(p: argparse.ArgumentParser, groups: dict | None = None) -> None:
    g = _groups(p, groups)
    g["inputs"].add_argument("--input", action="append", required=True, metavar="URI",
                             help="input file, folder or glob (local or s3://); repeat for more")
    out, rn, lim = g["output"], g["runner"], g["limits"]
    out.add_argument("--output", required=True, metavar="URI", help="output folder")
    add_target_arguments(p, groups=g)
    add_record_arguments(p, groups=g)
    split = g["inputs"].add_mutually_exclusive_group()
    split.add_argument("--validation-input", action="append", default=[], metavar="URI",
                       help="files that form the validation split")
    split.add_argument("--validation-split", type=float,
                       default=config_default("validation_split"), metavar="FRACTION",
                       help="share of records held out for validation, chosen from the record id")
    out.add_argument("--num-shards", type=int, help="sharded targets: files per split "
                     f"(default: one per ~256 MB; at most {MAX_SHARDS:,}, and one a record)")
    out.add_argument("--image-uri-prefix", metavar="S3_URI",
                     help="bedrock-image, bedrock-conversation: s3:// folder that local images "
                     "are uploaded under, with content-addressed names (sha256[:32].jpg|png|...); "
                     "a rerun uploads nothing twice")
    out.add_argument("--media-bucket-owner", metavar="ACCOUNT_ID",
                     help=f"{names_where(lambda t: t.takes_media_owner)}: the 12-digit AWS "
                     "account that owns the media "
                     "buckets, written as s3Location.bucketOwner (AWS's Nova Forge validator "
                     "requires it; without it a Nova record with media is a "
                     "missing_bucket_owner dead letter)")
    rn.add_argument("--s3-endpoint-url", metavar="URL",
                    help="S3-compatible endpoint (MinIO, LocalStack, ...); default: "
                    "AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, else AWS. Credentials always come "
                    "from the AWS environment or profile, never from an option")
    rn.add_argument("--verbose", action="store_true",
                    help="show Beam's own log messages (and tracebacks) on stderr")
    lim.add_argument("--chunk-chars", type=int,
                     help="bedrock-pretrain: chunk documents to at most this many characters "
                     "(default: the model's limit, at most 20000)")
    lim.add_argument("--sample-to-quota", action="store_true",
                     help="down-sample deterministically to the model's record quota "
                     "instead of failing")
    lim.add_argument("--dedup", choices=DEDUP_MODES, default=config_default("dedup"),
                     help="exact: records whose conversation is the same once normalised "
                     "(Unicode NFC, whitespace runs one space, stripped; case kept) are "
                     "duplicate dead letters naming the record kept, the first in input order")
    lim.add_argument("--max-dead-letter-ratio", type=float, metavar="R",
                     help="fail the run (exit 1, report still written) when more than this share "
                     "of the records are dead letters, e.g. 0.05; catches a wrong --input-format")
    for flag, verb in (("--records-with", "hold"), ("--records-without", "do not hold")):
        lim.add_argument(flag, default="", metavar="FIELD,...",
                         help=f"{names_where(lambda t: t.selectable_fields)}: keep only the "
                         f"records that {verb} these "
                         "optional fields (system, image, video, reasoning, toolUse, toolResult); "
                         "the others are dead letters not_selected. Nova takes each optional "
                         "field in every record or in none: e.g. --records-with toolUse makes a "
                         "tool-use dataset of a corpus where only some records call tools")
    largest = config_default("read.max_record_bytes")
    lim.add_argument("--max-record-bytes", type=int, default=largest,
                     help=f"larger raw records are dead letters (default {largest >> 20} MiB)")
    hidden = g["runner"]   # default: batch_size_for()
    hidden.add_argument("--batch-size", type=int, help=argparse.SUPPRESS)
    hidden.add_argument("--split-bytes", type=int, default=config_default("split_bytes"),
                        help=argparse.SUPPRESS)
    rn.add_argument("--workers", type=int, metavar="N",
                    help="local runner only: worker processes (default: one per CPU when the "
                    "input is large enough to gain from it, else 1); with a --runner of a "
                    "cluster, size the cluster instead")
    out.add_argument("--overwrite", action="store_true",
                     help="replace the tuneprep dataset already in --output (only its own "
                     "files; a folder holding anything else is refused)")
    rn.add_argument("--quiet", action="store_true",
                    help="no progress on stderr (redrawn on a terminal; elsewhere a plain "
                    "line every 10 s, or every $TUNEPREP_PROGRESS_INTERVAL seconds)")
    rn.add_argument("--dry-run", action="store_true",
                    help="check the options and inputs, run a sample of each file through the "
                    "rules and print the plan; write nothing")
    rn.add_argument("--keep-going", action="store_true",
                    help="run even when none of an input's first records can be read (wrong "
                    "--encoding, delimiter, --field-map or adapter); without it such a run is "
                    "refused at the launch (exit 2, nothing written), naming the options that "
                    "fix it")


def add_spec_arguments(group) -> None:
    """run's options about the job spec itself, which a job spec cannot hold."""
    group.add_argument("--config", metavar="FILE", help="a job spec (YAML): the options of this "
                       "command and `beam:` pipeline options; the command line wins")
    group.add_argument("--print-config", action="store_true",
                       help="print this run's options (the command line and --config merged) "
                       "as a job spec for --config, and exit; nothing is read or written")


def run_long_options() -> list[str]:
    """Every long option `tuneprep run` takes (its Beam options aside)."""
    parser = argparse.ArgumentParser(add_help=False)
    add_run_arguments(parser)
    add_spec_arguments(parser)
    return long_options(parser)


# run's options that are settings → the RunConfig field each sets (settings.py; "read.x",
# "adapter.x": a field of the ReadOptions / AdapterOptions it holds). The job spec's keys are
# these and LAUNCHER_OPTIONS (job_spec.py reads them from run's parser).
SETTING_FIELDS = {
    "input": "inputs", "validation_input": "validation_inputs", "output": "output",
    "target": "target", "model": "model", "template": "template",
    "placeholder_map": "placeholder_map", "max_tokens": "max_tokens",
    "chars_per_token": "chars_per_token", "token_margin": "token_margin",
    "input_format": "input_format", "file_format": "read.file_format",
    "field_map": "adapter.field_map", "encoding": "read.encoding",
    "records_path": "read.records_path", "text_unit": "read.text_unit",
    "image_root": "adapter.image_root", "repair": "repair", "validation_split": "validation_split",
    "num_shards": "num_shards", "image_uri_prefix": "image_uri_prefix",
    "media_bucket_owner": "media_bucket_owner", "s3_endpoint_url": "s3_endpoint_url",
    "chunk_chars": "chunk_chars", "sample_to_quota": "sample_to_quota", "dedup": "dedup",
    "max_dead_letter_ratio": "max_dead_letter_ratio", "records_with": "records_with",
    "records_without": "records_without", "max_record_bytes": "read.max_record_bytes",
    "batch_size": "batch_size", "split_bytes": "split_bytes",
}
# ... whose default (None) means "worked out at the launch", the field's default being only
# the last fallback: settings.chars_per_token (the model's), settings.batch_size_for (the output's)
WORKED_OUT = ("chars_per_token", "batch_size")
# run's options that steer the launcher only: no setting of the config
LAUNCHER_OPTIONS = ("workers", "verbose", "overwrite", "quiet", "dry_run", "keep_going")

# Options whose text is a comma-separated list: of NAME=VALUE pairs (written in a job spec as a
# YAML mapping, or as the text) and of names (a YAML list, or the text).
MAP_OPTIONS = ("field_map", "placeholder_map")
LIST_OPTIONS = ("repair", "records_with", "records_without")


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
    add_output_arguments(p)
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="JSONL files or folders (a dataset folder: every split but the dead "
                   "letters; its template.json is read when there is no --template)")


# `tuneprep validate`'s output (validate_findings.py prints it)
SHOW = 3          # problems shown per reason by default (text)
FORMATS = ("text", "json")


def add_output_arguments(p: argparse.ArgumentParser) -> None:
    shown = p.add_mutually_exclusive_group()
    shown.add_argument("--show", type=int, metavar="N",
                       help=f"problems listed per reason (default {SHOW}; with --format json: "
                       "every one); the summary counts them all")
    shown.add_argument("--all", action="store_true", help="list every problem")
    p.add_argument("--format", choices=FORMATS, default="text",
                   help="text for people (default), or json: one JSON document with the counts "
                   "and the problems (file, line, reason, message)")
