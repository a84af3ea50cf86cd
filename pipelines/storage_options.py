"""The options that name storage: no credentials in a URI, the S3 endpoint and timeout that
the RunConfig records for remote workers."""
from __future__ import annotations

from tuneprep.pipelines.options import UsageError
from tuneprep.transforms.io import s3_config
from tuneprep.transforms.core.redaction import has_credentials, redact


def check_uris(args) -> None:
    """Credentials never travel in a URI (they would land in the job graph, the manifest and
    the report): refuse such a URI; botocore takes credentials from the environment."""
    named = [("--input", u) for u in args.input] + [
        ("--validation-input", u) for u in args.validation_input] + [
        ("--output", args.output), ("--image-root", args.image_root),
        ("--image-uri-prefix", args.image_uri_prefix),
        ("--s3-endpoint-url", args.s3_endpoint_url)]
    for name, uri in named:
        refuse_credentials(name, uri)
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


def refuse_credentials(name: str, uri: str | None) -> None:
    """UsageError (the URI redacted) when `uri` carries credentials: every command's paths."""
    if uri and has_credentials(uri):
        shown = f"{name} {redact(uri)}" if name else redact(uri)
        raise UsageError(f"{shown}: credentials in a URI are not accepted; use AWS_PROFILE or "
                         "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or an instance/task role)")


def endpoint_of(args) -> str | None:
    """--s3-endpoint-url, else the one in this machine's environment: recorded in the RunConfig
    so remote workers, whose environment may differ, use the same store. UsageError for an
    environment's endpoint with credentials in it (as check_uris for the option)."""
    if args.s3_endpoint_url:
        return args.s3_endpoint_url
    try:
        return s3_config.endpoint_from_env()
    except ValueError as e:
        raise UsageError(str(e)) from None


def s3_timeout_of() -> float:
    """TUNEPREP_S3_TIMEOUT, else the default: recorded in the RunConfig for remote workers."""
    try:
        return s3_config.s3_timeout_from_env()
    except ValueError as e:
        raise UsageError(str(e)) from None
