"""The rules that refuse a run's option values (UsageError: one line naming the option), each a
small named step of settings.settings(), which calls them in a fixed order: a command line with
several wrong options hears of the same one first every time."""
from __future__ import annotations

import codecs

from tuneprep.pipelines.options import MAX_SHARDS, UsageError
from tuneprep.transforms.targets import TARGETS, names_where as takers
from tuneprep.transforms.core.context import REPAIRS
from tuneprep.transforms.targets.media_staging import uploads_images
from tuneprep.transforms.targets.references import is_account_id


def _takes_template(target) -> bool:
    return target.takes_template


def target_named(name: str | None):
    """The Target of --target (None without one). An unknown name is refused here too: run's
    parser refuses it first, but a caller may not have parsed it."""
    target = TARGETS.get(name) if name else None
    if name and target is None:
        raise UsageError(f"--target {name}: unknown; known: {', '.join(TARGETS)}")
    return target


def check_target_options(a, target, model) -> None:
    """What the target (and its model) take: a validation set, --num-shards."""
    if target is None:   # (inspect without --target: nothing to check against)
        return
    wants_validation = bool(a.validation_input) or a.validation_split > 0
    if wants_validation and (not target.takes_validation or
                             (model is not None and not model.takes_validation)):
        who = target.name if not target.takes_validation else model.name
        raise UsageError(f"{who} takes no validation set: drop "
                         "--validation-input/--validation-split")
    _check_num_shards(a.num_shards, target)


def _check_num_shards(num_shards: int | None, target) -> None:
    if num_shards is None:
        return
    if num_shards < 1 or (target.layout == "single" and num_shards != 1):
        raise UsageError(f"--num-shards: {target.name} writes exactly one file per split"
                         if target.layout == "single" else "--num-shards must be at least 1")
    if num_shards > MAX_SHARDS:
        raise UsageError(f"--num-shards {num_shards:,}: at most {MAX_SHARDS:,} (the "
                         "shard names alone would fill the memory)")


def check_ranges(a) -> None:
    """The shares within their ranges, the counts and sizes positive."""
    if not 0.0 <= a.validation_split < 1.0:
        raise UsageError("--validation-split must be at least 0 and below 1")
    if a.max_dead_letter_ratio is not None and not 0.0 <= a.max_dead_letter_ratio <= 1.0:
        raise UsageError("--max-dead-letter-ratio must be between 0 and 1")
    if not 0.0 <= a.token_margin < 1.0:
        raise UsageError("--token-margin must be at least 0 and below 1")
    for name, value in (("--chars-per-token", a.chars_per_token), ("--max-tokens", a.max_tokens),
                        ("--chunk-chars", a.chunk_chars), ("--batch-size", a.batch_size),
                        ("--max-record-bytes", a.max_record_bytes), ("--workers", a.workers)):
        if value is not None and value <= 0:
            raise UsageError(f"{name} must be positive")


def repairs(text: str) -> tuple[str, ...]:
    """--repair NAME,... → the names, each a known repair."""
    repair = tuple(r for r in (s.strip() for s in text.split(",")) if r)
    unknown = [r for r in repair if r not in REPAIRS]
    if unknown:
        raise UsageError(f"--repair {unknown[0]}: unknown; known: {', '.join(REPAIRS)}")
    return repair


def check_template_target(target) -> None:
    if target is not None and not target.takes_template:
        raise UsageError(f"--template is for --target {takers(_takes_template)}")


def check_placeholder_map(placeholder_map: dict, template: dict | None, target) -> None:
    """Every placeholder the map names is one of the template's (the default template's
    without --template): a misspelt one would be ignored without a word."""
    if not placeholder_map or target is None:
        return
    if not target.takes_template:
        raise UsageError(f"--placeholder-map is for --target {takers(_takes_template)}")
    names = target.template_placeholders(template)
    for name in placeholder_map:
        if name not in names:
            raise UsageError(f"--placeholder-map {name}={placeholder_map[name]}: the template "
                             f"has no placeholder {{{name}}}; it has "
                             + ", ".join(f"{{{n}}}" for n in names))


def check_image_uri_prefix(prefix: str | None, target, model) -> None:
    """--image-uri-prefix only where images are uploaded: the target and its model take them."""
    if prefix is None or target is None or uploads_images(target, model):
        return
    if uploads_images(target, None):
        raise UsageError(f"--image-uri-prefix: --model {model.name} takes no images")
    raise UsageError(f"--image-uri-prefix is for targets that take images "
                     f"({takers(lambda t: uploads_images(t, None))}), not --target {target.name}")


def field_list(value: str, flag: str, target) -> tuple[str, ...]:
    """The optional fields named by --records-with / --records-without (those the target
    tells apart: Target.selectable_fields)."""
    names = tuple(sorted({name.strip() for name in (value or "").split(",") if name.strip()}))
    if not names:
        return ()
    fields = getattr(target, "selectable_fields", ())
    if not fields:
        raise UsageError(f"{flag} is for targets with optional fields "
                         f"({takers(lambda t: t.selectable_fields)}), "
                         f"not --target {target.name if target else '(none)'}")
    unknown = [name for name in names if name not in fields]
    if unknown:
        raise UsageError(f"{flag} {unknown[0]}: not an optional field; known: {', '.join(fields)}")
    return names


def check_media_bucket_owner(owner: str | None, target) -> None:
    if owner is None:
        return
    if target is None or not target.takes_media_owner:
        raise UsageError("--media-bucket-owner is for --target "
                         + takers(lambda t: t.takes_media_owner))
    if not is_account_id(owner):
        raise UsageError(f"--media-bucket-owner {owner}: not a 12-digit AWS account id")


def encoding(name: str) -> str:
    """--encoding: a known encoding that keeps ASCII as ASCII (the readers find line ends,
    quotes and brackets by their bytes), by its canonical name."""
    try:
        codec = codecs.lookup(name)
    except LookupError:
        raise UsageError(f"--encoding {name}: unknown encoding; e.g. utf-8, cp1252, "
                         "latin-1") from None
    try:
        keeps_ascii = '\n\r,;"[]{}'.encode(codec.name) == b'\n\r,;"[]{}'
    except (UnicodeError, LookupError):
        keeps_ascii = False
    if not keeps_ascii or codec.name.startswith(("utf-16", "utf-32", "utf_16", "utf_32")):
        raise UsageError(f"--encoding {name}: not taken (it does not keep ASCII as ASCII); "
                         "convert the file to UTF-8 first")
    return "utf-8" if codec.name == "utf-8-sig" else codec.name


def records_path(path: str | None) -> str | None:
    """--records-path: KEY or KEY.KEY..., without the spaces around it."""
    if path is None:
        return None
    if not path.strip() or any(not part for part in path.strip().split(".")):
        raise UsageError(f"--records-path {path!r}: not KEY or KEY.KEY...")
    return path.strip()
