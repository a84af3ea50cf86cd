"""`tuneprep validate`: check JSONL files someone already made against a target's rules.

Each problem is a `file:line: reason: message`; validate_findings.py prints them for people (the
first --show N of each reason, the input format a file that is not in the target's holds and the
`tuneprep run` that converts it, one summary line) or as one JSON document (--format json);
exit 1 when there is any. The options are `run`'s (--model, --template, --placeholder-map,
--max-tokens, --chars-per-token, --token-margin), checked and turned into settings the same way.
With --check-media the media the records name are read as `run` reads them (the target's media
capability, Target.media); without it, a note on stderr says they were not."""
from __future__ import annotations

import sys

import orjson

from tuneprep.pipelines.command_guard import refuse_special_file
from tuneprep.pipelines.options import UsageError
from tuneprep.pipelines.storage_options import refuse_credentials
from tuneprep.pipelines.settings import read_template, settings
from tuneprep.pipelines.validate_findings import Findings, detect_format, shown_per_reason
from tuneprep.transforms.sink import dataset_rules
from tuneprep.transforms.io import storage
from tuneprep.transforms.core.layout import DEAD_LETTER_FOLDER, TEMPLATE
from tuneprep.transforms.io.readers.jsonl import skip_rest_of_line
from tuneprep.transforms.targets import TARGETS, run_context


def _files(paths: list[str]) -> list[tuple[str, str | None, str]]:
    """[(file URI, the template.json beside it or None, the path given)]: a folder's .jsonl
    files but the dead letters."""
    files = []
    for path in paths:
        refuse_credentials("", path)
        refuse_special_file("", path, folder_ok=True)
        fs, p = storage.filesystem(path)
        if not fs.exists(p):
            raise UsageError(f"{path}: no such file or folder")
        if fs.isdir(p):
            found = sorted(f for f in fs.find(p) if f.endswith(".jsonl")
                           and f"/{DEAD_LETTER_FOLDER}/" not in f[len(p):])
            if not found:
                raise UsageError(f"{path}: no .jsonl file in the folder")
            for f in found:   # (a FIFO named x.jsonl in the folder would block)
                refuse_special_file("", _with_protocol(path, f))
            files += [(_with_protocol(path, f), _beside(fs, path, f), path) for f in found]
        else:
            files.append((path, _beside(fs, path, p), path))
    return files


def _beside(fs, uri: str, path: str) -> str | None:
    """The template.json in the folder of a data file, if there is one (as SageMaker reads a
    channel: its JSONL files and the template.json beside them)."""
    beside = path.rsplit("/", 1)[0] + "/" + TEMPLATE if "/" in path else TEMPLATE
    return _with_protocol(uri, beside) if fs.isfile(beside) else None


def _with_protocol(uri: str, path: str) -> str:
    return f"{uri.split('://', 1)[0]}://{path}" if "://" in uri else path


def validate_main(args) -> int:
    """Exit 1, one `error:` line, when the store fails (no connection, credentials refused):
    a medium read by --check-media, as a run stops on it."""
    try:
        return _validate(args)
    except storage.StorageError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1


def _validate(args) -> int:
    """The settings are those `run` makes of the same options (settings.settings: model and
    target, template, placeholder map, token limits); without --template, a sagemaker-instruction
    file (given, or found in a dataset or split folder) is checked against the template.json
    beside it, as the run wrote it."""
    target = TARGETS[args.target]
    files, cfg, uses_template = _files_and_settings(args, target)
    model = run_context.model_spec(cfg)
    findings = Findings(shown_per_reason(args))
    media = target.media.media_checker(model) if args.check_media and target.media else None
    check = _FileCheck(target, cfg, findings, media, uses_template)
    # the dataset rules (dataset_rules.py, as `run` applies them) over each path given, one
    # dataset (a folder: its splits): records and bytes per split, the target's facets
    datasets: dict[str, _Dataset] = {}
    for uri, template_file, given in files:
        dataset = datasets.setdefault(given, _Dataset())
        records = check(uri, template_file, dataset.facets)
        dataset.add(uri, records)
        checked = findings.file(uri)
        checked["records"] = records
        if records and checked["bad_records"] == records:   # none passes: another format?
            checked["detected"] = detect_format(uri, cfg, target.name, args.model)
    for given, dataset in datasets.items():
        for reason, message in dataset.problems(target, cfg, model):
            findings.add(given, None, reason, message)
    if check.unchecked:
        findings.notes.append(f"note: {check.unchecked:,} media reference(s) were not read "
                              "(existence, type, the model's size and duration limits): pass "
                              "--check-media to check them as `run` does")
    if args.format == "json":
        findings.print_json(target.name, args.model)
    else:
        findings.print_text()
    return 1 if findings.problems else 0


def _files_and_settings(args, target):
    """(the files, the settings, whether each file's template.json is read): a path that is
    missing is told after the options, as `run` checks them before its inputs."""
    try:
        files, missing = _files(args.paths), None
    except UsageError as e:
        files, missing = [], e
    uses_template = target.takes_template and not args.template   # as the target declares
    beside = [t for _, t, _ in files if t is not None] if uses_template else []
    cfg = settings(args, template_file=beside[0] if beside else None)
    if missing is not None:
        raise missing
    return files, cfg, uses_template


class _FileCheck:
    """Checks one file's lines against the target's rules (and with --check-media its media),
    each problem into the findings; counts the media references it did not read."""

    def __init__(self, target, cfg, findings: Findings, media, uses_template: bool):
        self.target, self.cfg, self.findings, self.media = target, cfg, findings, media
        self.uses_template = uses_template
        self.templates: dict = {}   # template.json path -> its template
        self.unchecked = 0    # media references not read (no --check-media)

    def __call__(self, uri: str, template_file: str | None, facets: dict) -> int:
        """The file's records, its facets counted into `facets`."""
        ctx = self._context(uri, template_file)
        limit = self.cfg.read.max_record_bytes
        records = 0
        with storage.open_read(uri) as f:
            for number, line in enumerate(bounded_lines(f, limit), 1):
                records += 1
                if line is None:   # (run's limit: its reader refuses the line alike)
                    self.findings.add(uri, number, "record_too_large",
                                      f"the line is over {limit:,} bytes (--max-record-bytes)")
                    continue
                self._line(uri, number, line, ctx, facets)
        return records

    def _context(self, uri: str, template_file: str | None):
        ctx = run_context.target_context(self.cfg)
        ctx.dataset_uri = uri
        if self.uses_template and template_file is not None:
            if template_file not in self.templates:
                self.templates[template_file] = read_template(template_file, what="")
            ctx.template = self.templates[template_file]
        elif self.uses_template:
            ctx.template = None   # the default template, as a run without --template writes
        return ctx

    def _line(self, uri: str, number: int, line: bytes, ctx, facets: dict) -> None:
        target, media = self.target, self.media
        for reason, message in target.validate_line(line, ctx):
            self.findings.add(uri, number, reason, message)
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError:
            return  # reported by validate_line
        for reason, message in media.problems(obj) if media else ():
            self.findings.add(uri, number, reason, message)
        if media is None:
            self.unchecked += len(target.media.media_uris(obj)) if target.media else 0
        try:  # rules over the whole file (e.g. one media kind per dataset)
            for facet in target.dataset_facets(obj):
                facets[facet] = facets.get(facet, 0) + 1
        except (TypeError, AttributeError):
            pass  # a line that is no object was reported by validate_line


def bounded_lines(f, limit: int):
    """The lines of `f` without their line end, None for a line over `limit` bytes (skipped
    unread, so a 1 GB line costs no more memory than `limit`)."""
    while True:
        line = f.readline(limit + 1)
        if not line:
            return
        if len(line) > limit and not line.endswith(b"\n"):
            skip_rest_of_line(f)
            yield None
            continue
        yield line.rstrip(b"\r\n") if line.endswith(b"\n") else line


class _Dataset:
    """What the dataset rules read of one path given: its records and bytes per split, and
    the target's facets (facet -> records holding it)."""

    def __init__(self):
        self.counts: dict[str, int] = {}
        self.sizes: dict[str, int] = {}
        self.facets: dict[str, int] = {}

    def add(self, uri: str, records: int) -> None:
        """A file of the dataset: its records and bytes, under its split."""
        split = dataset_rules.split_of_path(uri)
        self.counts[split] = self.counts.get(split, 0) + records
        self.sizes[split] = self.sizes.get(split, 0) + _size(uri)

    def problems(self, target, cfg, model) -> list[tuple[str, str]]:
        records = sum(self.counts.values())
        return (target.dataset_problems(self.facets, run_context.target_context(cfg), records)
                + dataset_rules.record_count_problems(model, self.counts, target=target)
                + dataset_rules.file_size_problems(model, target.kind, self.sizes))


def _size(uri: str) -> int:
    fs, path = storage.filesystem(uri)
    return fs.size(path)
