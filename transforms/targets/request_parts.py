"""What every training-request builder (targets/requests_*.py) shares: the placeholders only
the user can fill in, where the service reads a dataset file, the finished object's shape
(transforms/sink/training_request.py describes the file)."""
from __future__ import annotations

ROLE_ARN = "<ROLE_ARN: an IAM service role the service can assume, allowed to read the data>"


def placeholders(value, path: str = "") -> list[str]:
    """The dotted paths of every "<...>" string in value, in order."""
    if isinstance(value, str):
        return [path] if value.startswith("<") and value.endswith(">") else []
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in placeholders(v, f"{path}.{k}" if path
                                                                   else k)]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in placeholders(v, f"{path}[{i}]")]
    return []


def locate(output: str, relpath: str) -> str:
    return f"{output.rstrip('/')}/{relpath}" if output.startswith("s3://") else relpath


def s3_uri(output: str, relpath: str, name: str) -> str:
    """Where the service reads a dataset file or folder: its s3:// URI for an S3 output; for a
    local one a placeholder naming the path to upload (the service reads only S3)."""
    if output.startswith("s3://"):
        return locate(output, relpath)
    return f"<{name}: the s3:// URI of {relpath} once uploaded>"


def upload_note(output: str) -> list[str]:
    if output.startswith("s3://"):
        return []
    return ["the dataset is on local disk: upload its train/ and validation/ folders to S3 "
            "and put their s3:// URIs in the <..._S3_URI> placeholders that name them"]


def finish(out: dict, notes: list[str], sources: list[str]) -> dict:
    """out with its placeholders listed (those of the parts the user sends), notes, sources."""
    out["placeholders"] = placeholders({k: v for k, v in out.items()
                                        if k in ("request", "estimator", "fit")})
    out["notes"] = notes
    out["sources"] = sources
    return out
