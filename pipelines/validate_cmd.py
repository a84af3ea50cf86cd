"""`tuneprep validate`: check JSONL files someone already made against a target's rules.

One line per problem, `file:line: reason: message`; exit 1 when there is any."""
from __future__ import annotations

import sys

import orjson

from tuneprep.pipelines.options import UsageError
from tuneprep.transforms.io import storage
from tuneprep.transforms.targets import TARGETS
from tuneprep.transforms.targets.context import TargetContext


def _files(paths: list[str]) -> list[str]:
    files = []
    for path in paths:
        fs, p = storage.filesystem(path)
        if not fs.exists(p):
            raise UsageError(f"{path}: no such file or folder")
        if fs.isdir(p):
            found = sorted(f for f in fs.find(p) if f.endswith(".jsonl")
                           and "/dead_letter/" not in f[len(p):])
            if not found:
                raise UsageError(f"{path}: no .jsonl file in the folder")
            files += [_with_protocol(path, f) for f in found]
        else:
            files.append(path)
    return files


def _with_protocol(uri: str, path: str) -> str:
    return f"{uri.split('://', 1)[0]}://{path}" if "://" in uri else path


def validate_main(args) -> int:
    target = TARGETS.get(args.target)
    if target is None:
        raise UsageError(f"--target {args.target}: unknown; known: {', '.join(TARGETS)}")
    model = None
    ctx = TargetContext()
    if args.model:
        from tuneprep.transforms.targets.models import get_model
        try:
            model = get_model(args.model)
        except KeyError as e:
            raise UsageError(str(e.args[0])) from None
        ctx.model = model
    max_tokens = getattr(args, "max_tokens", None)
    if max_tokens is not None and max_tokens <= 0:
        raise UsageError("--max-tokens must be positive")
    if max_tokens is None and model is not None:
        max_tokens = model.max_tokens
    if max_tokens:
        ctx.max_chars = int(max_tokens * args.chars_per_token * (1 - args.token_margin))
    problems = 0
    for uri in _files(args.paths):
        records = 0
        ctx.dataset_uri = uri
        facets: set = set()
        with storage.open_read(uri) as f:
            for number, line in enumerate(f, 1):
                line = line.rstrip(b"\r\n") if line.endswith(b"\n") else line
                records += 1
                found = target.validate_line(line, ctx)
                for reason, message in found:
                    problems += 1
                    print(f"{uri}:{number}: {reason}: {message}")
                try:  # rules over the whole file (e.g. one media kind per dataset)
                    facets |= target.dataset_facets(orjson.loads(line))
                except (orjson.JSONDecodeError, TypeError, AttributeError):
                    pass  # a line that is no object was reported by validate_line
        for reason, message in target.dataset_problems(facets, ctx):
            problems += 1
            print(f"{uri}: {reason}: {message}")
        if model is not None:
            for message in _count_problems(uri, records, model):
                problems += 1
                print(f"{uri}: records: {message}")
    print(f"{problems} problem(s)" if problems else "no problems", file=sys.stderr)
    return 1 if problems else 0


def _count_problems(uri: str, records: int, model) -> list[str]:
    in_validation = "/validation/" in uri or uri.rsplit("/", 1)[-1].startswith("validation")
    limit = model.max_validation_records if in_validation else model.max_train_records
    out = []
    if limit is not None and records > limit:
        out.append(f"{records:,} records; {model.name} takes at most {limit:,}")
    if not in_validation and model.min_records is not None and records < model.min_records:
        out.append(f"{records:,} records; {model.name} needs at least {model.min_records:,}")
    return out
