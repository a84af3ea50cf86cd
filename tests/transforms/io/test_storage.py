"""transforms/io/storage.py and redaction.py: failures of the store, credentials kept out of
text (the S3 settings: test_s3_config.py)."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

from tuneprep.transforms.io import storage
from tuneprep.transforms.core.redaction import has_credentials, redact, redact_all


@pytest.mark.parametrize("text, expected", [
    ("s3://AKIA:secret@bucket/x.jsonl", "s3://***@bucket/x.jsonl"),
    ("http://user:pw@minio:9000", "http://***@minio:9000"),
    ("s3://b/k?X-Amz-Signature=abc&versionId=3", "s3://b/k?X-Amz-Signature=***&versionId=3"),
    ("https://h/p?X-Amz-Credential=AK%2F1&X-Amz-Security-Token=t",
     "https://h/p?X-Amz-Credential=***&X-Amz-Security-Token=***"),
    ("https://h/?api_key=zz&max-keys=1", "https://h/?api_key=***&max-keys=1"),
    ("s3://bucket/plain/path.jsonl", "s3://bucket/plain/path.jsonl"),
    ("no uri here: key=value", "no uri here: key=value"),
])
def test_redact(text, expected):
    assert redact(text) == expected
    assert has_credentials(text) == (text != expected)


def test_redact_the_secret_of_the_environment(monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "abcdefgh12345678")
    assert redact("oops abcdefgh12345678 leaked") == "oops *** leaked"
    assert redact_all({"s3://a:b@c/x": ["abcdefgh12345678", 3]}) == {"s3://***@c/x": ["***", 3]}



def test_redact_all_copies_nothing_when_nothing_needs_hiding(monkeypatch):
    """A report or manifest of 400,000 files was copied whole (every dict and list) though
    nothing in it needed hiding: the value itself comes back, and when one string is redacted
    only the containers on its way are new (the rest shared, the input left as it was)."""
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "abcdefgh12345678")
    files = [{"path": f"train/part-{i}.jsonl", "records": i, "bytes": 10 * i} for i in range(3)]
    report = {"files": files, "inputs": ("s3://b/in/a.jsonl", "s3://b/in/b.jsonl"),
              "run": {"options": {"max_tokens": None, "repair": []}}, "records": 3}
    assert redact_all(report) is report
    leaked = {**report, "warnings": ["s3://b/in/a.jsonl: oops abcdefgh12345678"]}
    redacted = redact_all(leaked)
    assert redacted == {**report, "warnings": ["s3://b/in/a.jsonl: oops ***"]}
    assert all(redacted[k] is report[k] for k in report)
    assert leaked["warnings"] == ["s3://b/in/a.jsonl: oops abcdefgh12345678"]
    assert redact_all(["a", ("b", "s3://u:p@c/x")]) == ["a", ["b", "s3://***@c/x"]]


def client_error(code: str, status: int = 400) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "m"},
                        "ResponseMetadata": {"HTTPStatusCode": status}}, "GetObject")


def wrapped(cause: BaseException, outer=OSError) -> BaseException:
    try:
        try:
            raise cause
        except BaseException as e:
            raise outer("wrapped") from e
    except BaseException as e:
        return e


@pytest.mark.parametrize("exc, expected", [
    (client_error("NoSuchBucket", 404), "the bucket does not exist (NoSuchBucket)"),
    (client_error("AccessDenied", 403), "access denied (AccessDenied)"),
    (client_error("InvalidAccessKeyId", 403), "the credentials were refused (InvalidAccessKeyId)"),
    (client_error("SignatureDoesNotMatch", 403), "the credentials were refused"),
    (client_error("SlowDown", 503), "the S3 service failed (SlowDown)"),
    (wrapped(client_error("AccessDenied", 403), PermissionError), "access denied"),
    (EndpointConnectionError(endpoint_url="http://h:1"), "cannot reach S3 (EndpointConnectionError)"),
    (NoCredentialsError(), "NoCredentialsError"),
    (client_error("NoSuchKey", 404), None),           # a missing object is the file's problem
    (PermissionError("local file"), None),
    (ValueError("bad content"), None),
])
def test_failure_classification(exc, expected):
    message = storage.failure(exc)
    if expected is None:
        assert message is None
    else:
        assert expected in message and "\n" not in message


def test_storage_error_survives_beams_exception_handling():
    error = storage.StorageError("s3://a:b@c: cannot\nreach")
    assert str(error) == repr(error) == "s3://***@c: cannot reach"
    assert str(storage.StorageError(repr(error))) == str(error)
