"""Credentials out of everything tuneprep writes or prints. Pure Python.

tuneprep never takes a secret as an option (botocore reads credentials from each machine's
environment or profile), and refuses URIs that carry one; this is the second line: every text
that leaves the process (report, manifest, dead-letter source and message, error lines, logs)
goes through redact()."""
from __future__ import annotations

import os
import re
from itertools import islice

_USERINFO = re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]*@")
# a query parameter whose name holds secret/signature/token/credential/password, or ends in
# "key" (key=, api_key=, AccessKey=; not max-keys=)
_SECRET_PARAM = re.compile(
    r"(?i)([?&](?:[^=&\s#]*(?:secret|signature|token|credential|password|passwd)[^=&\s#]*"
    r"|[^=&\s#]*key)=)[^&\s#]*?(?=:?(?:[\s&#]|$))")
# (a ':' that ends the value before a space is the message's, "URI: problem", and is kept:
# so redact(redact(x)) == redact(x) too)
_SECRET_ENV = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")
REDACTED = "***"


def redact(text: str) -> str:
    """`text` with credentials removed: user:password@ in URIs, secret-looking query parameters
    (X-Amz-Signature=, ...token=, ...key=) and the literal values of the secret AWS variables.
    Everything that leaves the process as text (report, manifest, dead letters, errors, logs)
    goes through here."""
    return _redact(text, _secrets())


def _secrets() -> list[str]:
    """The secret AWS variables' values, long enough to be told from ordinary text."""
    return [v for v in map(os.environ.get, _SECRET_ENV) if v and len(v) >= 8]


def _redact(text, secrets: list[str]):
    if not isinstance(text, str):
        return text
    # (the patterns need '://' and '='; most texts, file paths, have neither: 12 -> 2 us each)
    if "://" in text:
        text = _USERINFO.sub(lambda m: m.group(1) + REDACTED + "@", text)
    if "=" in text:
        text = _SECRET_PARAM.sub(lambda m: m.group(1) + REDACTED, text)
    for value in secrets:
        if value in text:
            text = text.replace(value, REDACTED)
    return text


def redact_all(value):
    """redact() over every string (keys too) of a JSON-like value. What holds nothing to hide
    is returned as it is, not copied (a report or manifest lists every input file: 400,000
    dicts copied for nothing); a dict, list or tuple holding something is a new dict or list,
    its unchanged parts shared. The value given is never changed."""
    return _redact_all(value, _secrets())   # (the environment read once, not per string)


def _redact_all(value, secrets: list[str]):
    if isinstance(value, str):
        return _redact(value, secrets)   # (re.sub gives the same str back when nothing matched)
    if isinstance(value, dict):
        out = None   # the copy, made at the first item that changes
        for i, (k, v) in enumerate(value.items()):
            k2, v2 = _redact_all(k, secrets), _redact_all(v, secrets)
            if out is None and (k2 is not k or v2 is not v):
                out = dict(islice(value.items(), i))
            if out is not None:
                out[k2] = v2
        return value if out is None else out
    if isinstance(value, (list, tuple)):
        out = None
        for i, v in enumerate(value):
            v2 = _redact_all(v, secrets)
            if out is None and v2 is not v:
                out = list(value[:i])
            if out is not None:
                out.append(v2)
        return value if out is None else out
    return value


def has_credentials(uri: str) -> bool:
    """True when a URI carries credentials (user:secret@ or a secret-looking query parameter)."""
    return redact(uri) != uri
