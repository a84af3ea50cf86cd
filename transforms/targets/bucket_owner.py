"""s3Location.bucketOwner where the model's validator requires it (ModelSpec.wants_bucket_owner:
Nova models that take media). Source: AWS's Nova Forge SDK (aws/nova-forge-sdk, PyPI
amzn-nova-forge) sft_dataset_validator declares `S3Location.bucketOwner: str` with no default,
so it refuses every image or video reference without one ("bucketOwner: Field required" for
10 of 10 such records, amzn-nova-forge 1.4.10 run by tests/oracles/nova_forge_check.py); the
older Nova validators take it as optional (docs/sources/formats-2026.md, "Nova"). The stricter one wins: `run` writes the owner from --media-bucket-owner (or keeps the
one the input's s3Location gave), and a reference without one is refused, in `run` as in
`validate`, rather than written for the training job to refuse."""
from __future__ import annotations

REASON = "missing_bucket_owner"


def owner_for(record, ctx) -> str | None:
    """The bucketOwner a formatted record's medium carries: --media-bucket-owner, else the one
    the input's own s3Location gave (the messages adapter keeps it in Record.fields)."""
    fields = getattr(record, "fields", None) or {}
    return getattr(ctx, "media_bucket_owner", None) or fields.get("bucketOwner")


def missing_owner(location: dict, model) -> tuple[str, str] | None:
    """(reason, message) when the model wants a bucket owner and the s3Location has none."""
    if not getattr(model, "wants_bucket_owner", False) or "bucketOwner" in location:
        return None
    return (REASON, f"s3Location has no bucketOwner, which AWS's Nova Forge validator requires "
                    f"for {model.display}; `tuneprep run --media-bucket-owner ACCOUNT_ID` "
                    "writes it (the account that owns the media's bucket)")
