#!/usr/bin/env python3
"""AWS `credential_process` for Dataflow workers: the worker's Google service-account identity
token, exchanged with AWS STS (AssumeRoleWithWebIdentity) for short-lived credentials of the
role TUNEPREP_AWS_ROLE_ARN. botocore (under s3fs) runs this program, as /etc/aws/config says,
and reads the JSON it prints. No key is stored anywhere.

The AWS role must trust `accounts.google.com` with the condition
`accounts.google.com:aud` = the audience below (and `:sub` = the service account's unique id)."""
import json
import os
import sys
import urllib.request

AUDIENCE = os.environ.get("TUNEPREP_AWS_AUDIENCE", "tuneprep-dataflow")
ROLE_ARN = os.environ.get("TUNEPREP_AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/tuneprep-dataflow")
METADATA = ("http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/"
            "default/identity?audience={}&format=full")


def google_identity_token() -> str:
    request = urllib.request.Request(METADATA.format(AUDIENCE), headers={"Metadata-Flavor": "Google"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read().decode()


def main() -> int:
    import botocore.session
    from botocore import UNSIGNED
    from botocore.config import Config
    sts = botocore.session.get_session().create_client(
        "sts", region_name=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
        config=Config(signature_version=UNSIGNED))
    creds = sts.assume_role_with_web_identity(
        RoleArn=ROLE_ARN, RoleSessionName="tuneprep-dataflow",
        WebIdentityToken=google_identity_token(), DurationSeconds=3600)["Credentials"]
    json.dump({"Version": 1, "AccessKeyId": creds["AccessKeyId"],
               "SecretAccessKey": creds["SecretAccessKey"], "SessionToken": creds["SessionToken"],
               "Expiration": creds["Expiration"].isoformat()}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
