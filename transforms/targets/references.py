"""s3://bucket/key media references: the check shared by bedrock-image and the Converse schema."""
from __future__ import annotations

import re

BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


def s3_reference_problem(uri, what: str) -> tuple[str, str] | None:
    """("bad_image_ref", message) when uri is not an s3://bucket/key URI with a valid bucket name,
    an object key and no '..' segment; None when it is. `what` names the reference in the
    messages ("image", "media")."""
    if not isinstance(uri, str) or not uri.startswith("s3://"):
        return "bad_image_ref", f"the {what} reference {uri!r} is not an s3:// URI"
    bucket, _, key = uri[len("s3://"):].partition("/")
    if not BUCKET.match(bucket):
        return "bad_image_ref", f"{bucket!r} in {uri!r} is not a valid S3 bucket name"
    if not key or key.endswith("/"):
        return "bad_image_ref", f"the {what} reference {uri!r} names no object key"
    if ".." in key.split("/"):
        return "bad_image_ref", f"the {what} reference {uri!r} holds a '..' segment"
    return None


def is_account_id(value) -> bool:
    """An AWS account id: 12 digits (s3Location.bucketOwner)."""
    return isinstance(value, str) and len(value) == 12 and value.isdigit()
