"""`tuneprep validate`: check JSONL files someone already made against a target's rules.

One line per problem, `file:line: reason: message`; exit 1 when there is any."""
from __future__ import annotations

import sys

from pipelines.options import UsageError
from transforms import storage
from transforms.targets import TARGETS
from transforms.targets.context import TargetContext


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
        from transforms.models import get_model
        try:
            model = get_model(args.model)
        except KeyError as e:
            raise UsageError(str(e.args[0])) from None
        if model.max_tokens:
            ctx.max_chars = int(model.max_tokens * args.chars_per_token * (1 - args.token_margin))
        ctx.model = model
    problems = 0
    for uri in _files(args.paths):
        records = 0
        with storage.open_read(uri) as f:
            for number, line in enumerate(f, 1):
                line = line.rstrip(b"\r\n") if line.endswith(b"\n") else line
                records += 1
                for reason, message in target.validate_line(line, ctx):
                    problems += 1
                    print(f"{uri}:{number}: {reason}: {message}")
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
