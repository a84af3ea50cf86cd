"""A run's settings: parsed arguments (the command line, or a job spec expanded into it) → one
checked RunConfig, and from it the target context.

`settings(args)` is the only place the options become settings: the model looked up and matched
to the target, the template read, the placeholder map and token settings checked, max_chars
computed (RunConfig.max_chars). `run`, `run --dry-run` (through build_config, which adds the
inputs), `inspect` and `validate` all call it, so one set of arguments gives one set of settings
whichever command is given them. An option a command does not declare takes `run`'s default.
Adding an option = its declaration in options.py (a setting: its field in RunConfig, which holds
its default, and in options.SETTING_FIELDS) + the line here (or wherever) that uses it."""
from __future__ import annotations

import argparse
import functools
import uuid
from dataclasses import replace

from tuneprep.pipelines.input_check import check_inputs
from tuneprep.pipelines.input_paths import expand_splits, print_warning
from tuneprep.pipelines.options import UsageError, add_run_arguments, did_you_mean, suggestions
from tuneprep.pipelines.setting_checks import (check_image_uri_prefix,
                                                check_media_bucket_owner, check_placeholder_map,
                                                check_ranges, check_target_options,
                                                check_template_target, encoding, field_list,
                                                records_path, repairs, target_named)
from tuneprep.pipelines.command_guard import read_settings_file
from tuneprep.pipelines.storage_options import (check_uris, endpoint_of, refuse_credentials,
                                                 s3_timeout_of)
from tuneprep.pipelines.user_paths import normalize
from tuneprep.transforms.adapters import AdapterOptions
from tuneprep.transforms.adapters.one_record import is_one_record
from tuneprep.transforms.core.config import RunConfig, config_default
from tuneprep.transforms.io import storage
from tuneprep.transforms.io.readers import ReadOptions
from tuneprep.transforms.targets import DEFAULT_TARGET, TARGETS, run_context

@functools.lru_cache(maxsize=1)
def _run_defaults() -> dict:
    parser = argparse.ArgumentParser(add_help=False)
    add_run_arguments(parser)
    return {a.dest: a.default for a in parser._actions if a.dest != argparse.SUPPRESS}


def with_run_defaults(args) -> argparse.Namespace:
    """args, with `tuneprep run`'s default for every run option the command did not declare."""
    return argparse.Namespace(**{**_run_defaults(), **vars(args)})


def parse_map(text: str, what: str, one_source: bool = False) -> dict[str, str]:
    """NAME=VALUE,... → {NAME: VALUE}; a NAME given twice is refused (one would be dropped
    without a word), and with `one_source` a VALUE too: --field-map renames a source key, which
    can become one name only (two took it twice, and the run failed on every record)."""
    out: dict[str, str] = {}
    for pair in filter(None, (s.strip() for s in text.split(","))):
        key, sep, value = pair.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key or not value:
            raise UsageError(f"{what}: '{pair}' is not NAME=VALUE")
        if key in out:
            raise UsageError(f"{what}: {key}={out[key]} and {pair}: {key} is given twice; "
                             "give each name once")
        if one_source and value in out.values():
            first = next(k for k, v in out.items() if v == value)
            raise UsageError(f"{what}: {first}={value} and {pair}: the key {value} can become "
                             "one name only; give it once")
        out[key] = value
    return out


def model_for(name: str | None, target):
    """The ModelSpec of --model (None without one); UsageError for an unknown model or one
    that does not take the target (target None: not checked)."""
    if not name:
        return None
    from tuneprep.transforms.targets.models import MODELS, get_model
    try:
        model = get_model(name)
    except KeyError:   # one line: the nearest names (those taking the target first)
        takers = [m for m, spec in MODELS.items() if target is None or target.kind in spec.kinds]
        see = ("see `tuneprep targets " + target.name + "`") if target is not None \
            else "see `tuneprep targets`"
        known = takers if suggestions(name, takers) else list(MODELS)
        raise UsageError(did_you_mean("--model", name, known, see)) from None
    if target is not None and target.kind not in model.kinds:
        takes = [t for t, tg in sorted(TARGETS.items()) if tg.kind in model.kinds]
        hint = f" (rerun with --target {takes[0]})" if len(takes) == 1 else ""
        raise UsageError(f"--model {model.name} does not take --target {target.name}; "
                         f"it takes: {', '.join(takes) or 'none of the targets'}{hint}")
    return model


def read_template(path: str, what: str = "--template") -> dict:
    """A template.json file → the template; UsageError naming `what` and the path."""
    from tuneprep.transforms.targets.sagemaker_instruction import parse_template
    shown = f"{what} {path}" if what else path
    refuse_credentials(what, path)
    text = read_settings_file(what, normalize(path), typed=path)
    try:
        return parse_template(text.decode("utf-8"))
    except UnicodeDecodeError:
        raise UsageError(f"{shown}: not UTF-8 text") from None
    except ValueError as e:
        raise UsageError(f"{shown}: {e}") from None


def settings(args, template_file: str | None = None) -> RunConfig:
    """The checked settings of `args` as a RunConfig without inputs (UsageError for a refused
    option). args.target may be None (inspect without --target): the target's own checks are
    then skipped and the config says bedrock-text. `template_file`: a template.json to use
    when there is no --template (validate finds one beside the data). The checks run in this
    order (setting_checks.py), so a command line with several wrong options hears of one."""
    a = with_run_defaults(args)
    target = target_named(a.target)
    model = model_for(a.model, target)
    check_target_options(a, target, model)
    check_ranges(a)
    repair = repairs(a.repair)
    template = _template(a.template, template_file, target)
    placeholder_map = parse_map(a.placeholder_map, "--placeholder-map")
    check_placeholder_map(placeholder_map, template, target)
    check_image_uri_prefix(a.image_uri_prefix, target, model)
    selection = {flag: field_list(getattr(a, flag[2:].replace("-", "_"), ""), flag, target)
                 for flag in ("--records-with", "--records-without")}
    check_media_bucket_owner(a.media_bucket_owner, target)
    return RunConfig(
        target=target.name if target else DEFAULT_TARGET, output=a.output or "",
        model=model.name if model else None, input_format=a.input_format,
        read=ReadOptions(file_format=a.file_format, text_unit=a.text_unit,
                         max_record_bytes=a.max_record_bytes, encoding=encoding(a.encoding),
                         records_path=records_path(a.records_path), one_record=is_one_record),
        adapter=AdapterOptions(field_map=parse_map(a.field_map, "--field-map", one_source=True),
                               image_root=a.image_root),
        template=template, placeholder_map=placeholder_map,
        repair=repair, validation_split=a.validation_split, num_shards=a.num_shards,
        chars_per_token=chars_per_token(a.chars_per_token, model), token_margin=a.token_margin,
        max_tokens=a.max_tokens, chunk_chars=a.chunk_chars, tokenizer=exact_tokenizer(model),
        sample_to_quota=a.sample_to_quota, dedup=a.dedup,
        batch_size=a.batch_size or batch_size_for(a.output),
        split_bytes=a.split_bytes, max_dead_letter_ratio=a.max_dead_letter_ratio,
        image_uri_prefix=a.image_uri_prefix.rstrip("/") if a.image_uri_prefix else None,
        media_bucket_owner=a.media_bucket_owner, records_with=selection["--records-with"],
        records_without=selection["--records-without"])


def _template(given: str | None, template_file: str | None, target) -> dict | None:
    """--template's template; without one, `template_file`'s (for the template's target, or
    no target); else None (the target's default template)."""
    if given:
        check_template_target(target)
        return read_template(given)
    if template_file and (target is None or target.takes_template):
        return read_template(template_file, what="")
    return None


def chars_per_token(given: float | None, model) -> float:
    """--chars-per-token, else the model's validator's estimate (Claude 3 Haiku's counts 3
    characters a token), else AWS's planning rule. Only where tokens are estimated: an exact
    tokenizer, when installed, counts instead."""
    from tuneprep.transforms.core.config import CHARS_PER_TOKEN
    if given is not None:
        return given
    return getattr(model, "chars_per_token", None) or CHARS_PER_TOKEN


def exact_tokenizer(model) -> str | None:
    """The tokenizer that counts the model's tokens exactly, when its package is installed on
    this machine (transforms/core/tokens.py); None: the limit is estimated."""
    from tuneprep.transforms.core import tokens
    name = model.tokenizer if model is not None else None
    return name if name is not None and tokens.missing(name) is None else None


def tokenizer_note(cfg: RunConfig) -> str | None:
    """The one line saying that the model's tokens are estimated because its tokenizer is not
    installed (None when they are counted exactly, or the model has no tokenizer or limit)."""
    from tuneprep.transforms.core import tokens
    spec = run_context.model_spec(cfg)
    if spec is None or spec.tokenizer is None or cfg.tokenizer is not None \
            or run_context.max_tokens(cfg) is None:
        return None
    name = spec.tokenizer
    return (f"--model {spec.name}: the {tokens.TOKENIZERS[name].display} tokenizer is not "
            f"installed ({tokens.missing(name)}), so the per-record limit is estimated at "
            f"{cfg.chars_per_token:g} characters a token; for exact counts: "
            f"{tokens.install_hint(name)}")


def build_config(args, before_expand=None) -> RunConfig:
    """`tuneprep run` (and --dry-run): checks the URIs and the settings (UsageError), then
    expands the inputs into the RunConfig: the local ones, then `before_expand()` (the
    launcher's storage checks), then the others."""
    check_uris(args)
    cfg = settings(args)
    warnings: list[str] = []   # printed at once, and kept for the report

    def warn(line: str) -> None:
        warnings.append(line)
        print_warning(line)
    spec = run_context.model_spec(cfg)
    if spec is not None and spec.legacy:   # it still runs: the warning is kept in the report too
        warn(f"--model {spec.name} is legacy: {spec.legacy}")
    if tokenizer_note(cfg):   # said once, and kept in the report
        warn(tokenizer_note(cfg))
    skipped: list[dict] = []   # kept for the report and the summary line
    inputs, validation_inputs = expand_splits(args, before_remote=before_expand, warn=warn,
                                              skipped=skipped)
    cfg = replace(cfg, inputs=inputs, validation_inputs=validation_inputs)
    check_inputs(cfg, warn, args.keep_going)   # the first records of the local files: ...
    from tuneprep.pipelines.output_guard import normalize_output   # (it imports options)
    return replace(cfg, output=normalize_output(args.output), run_id=uuid.uuid4().hex[:12],
                   s3_endpoint_url=endpoint_of(args), s3_timeout=s3_timeout_of(),
                   input_warnings=warnings, skipped_inputs=skipped)


LOCAL_BATCH_SIZE = 1024


def batch_size_for(output: str | None) -> int:
    """Records per batch. Each batch writes its own part file(s): on local disk that is cheap,
    and small batches keep each worker's memory low (measured: 4,096 → 1,024 took ~30 MiB off
    each local worker process at no cost in time); on S3 a part is a PUT request of tens of
    milliseconds, so batches stay larger there (RunConfig's default). No output (inspect,
    validate): the default."""
    if output and storage.local_path(output) is not None:
        return LOCAL_BATCH_SIZE
    return config_default("batch_size")


def describe(cfg: RunConfig) -> dict:
    """The options as recorded in manifest.json."""
    return {"options": {
        "target": cfg.target, "model": cfg.model, "input_format": cfg.input_format,
        "file_format": cfg.read.file_format, "text_unit": cfg.read.text_unit,
        "encoding": cfg.read.encoding, "records_path": cfg.read.records_path,
        "field_map": cfg.adapter.field_map, "template": cfg.template,
        "placeholder_map": cfg.placeholder_map, "repair": list(cfg.repair),
        "validation_split": cfg.validation_split, "num_shards": cfg.num_shards,
        "chars_per_token": cfg.chars_per_token, "token_margin": cfg.token_margin,
        "max_tokens": run_context.max_tokens(cfg), "max_chars": run_context.max_chars(cfg),
        "sample_to_quota": cfg.sample_to_quota, "dedup": cfg.dedup,
        "records_with": list(cfg.records_with),
        "records_without": list(cfg.records_without),
        "max_dead_letter_ratio": cfg.max_dead_letter_ratio,
        "max_record_bytes": cfg.read.max_record_bytes,
        "s3_endpoint_url": cfg.s3_endpoint_url, "image_uri_prefix": cfg.image_uri_prefix,
        "media_bucket_owner": cfg.media_bucket_owner},
        "inputs": list(cfg.inputs), "validation_inputs": list(cfg.validation_inputs)}
