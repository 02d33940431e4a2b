"""The local S3's browser-upload policy check: what S3 refuses, the local bucket refuses."""

from __future__ import annotations

import base64
import json
import time

import boto3
import pytest
from botocore.config import Config

from devserver.backends.s3_post_policy import PolicyError, check_post

SECRETS = {"AKIDLOCAL": "secret-local"}


def signed_form(**conditions_extra: object) -> dict[str, str]:
    """The form fields boto3 signs for one PNG of at most 100 bytes, lower-cased as parsed."""
    s3 = boto3.client(
        "s3",
        region_name="us-east-1",
        aws_access_key_id="AKIDLOCAL",
        aws_secret_access_key="secret-local",
        endpoint_url="http://127.0.0.1:9",
        config=Config(signature_version="s3v4"),
    )
    post = s3.generate_presigned_post(
        "photos",
        "uploads/ben/k1",
        Fields={"Content-Type": "image/png"},
        Conditions=[["eq", "$Content-Type", "image/png"], ["content-length-range", 1, 100]],
        ExpiresIn=60,
    )
    return {name.lower(): value for name, value in post["fields"].items()} | {
        str(k): str(v) for k, v in conditions_extra.items()
    }


def test_a_form_that_keeps_to_its_policy_is_accepted() -> None:
    # GIVEN a signed form WHEN a 50-byte file is posted with it THEN nothing is refused
    check_post("photos", signed_form(), 50, SECRETS, time.time())


@pytest.mark.parametrize(
    ("bucket", "overrides", "size", "code"),
    [
        ("photos", {}, 101, "EntityTooLarge"),
        ("photos", {}, 0, "EntityTooSmall"),
        ("other-bucket", {}, 50, "AccessDenied"),
        ("photos", {"key": "uploads/chloe/k1"}, 50, "AccessDenied"),
        ("photos", {"x-amz-meta-extra": "1"}, 50, "AccessDenied"),
        ("photos", {"x-amz-signature": "0" * 64}, 50, "SignatureDoesNotMatch"),
        (
            "photos",
            {"x-amz-credential": "AKIDOTHER/20260101/us-east-1/s3/aws4_request"},
            50,
            "InvalidAccessKeyId",
        ),
    ],
    ids=["too-big", "empty", "bucket", "key", "unsigned-field", "signature", "unknown-key"],
)
def test_what_breaks_the_policy_is_refused_as_s3_refuses_it(
    bucket: str, overrides: dict[str, str], size: int, code: str
) -> None:
    # GIVEN a signed form changed in one way
    form = signed_form() | overrides
    # WHEN it is posted THEN S3's error code comes back
    with pytest.raises(PolicyError) as refused:
        check_post(bucket, form, size, SECRETS, time.time())
    assert refused.value.code == code


def test_a_policy_with_a_wider_size_range_no_longer_matches_its_signature() -> None:
    # GIVEN a form whose policy a client rewrote to allow 1 GB
    form = signed_form()
    policy = json.loads(base64.b64decode(form["policy"]))
    policy["conditions"] = [
        ["content-length-range", 1, 10**9]
        if isinstance(c, list) and c[0] == "content-length-range"
        else c
        for c in policy["conditions"]
    ]
    form["policy"] = base64.b64encode(json.dumps(policy).encode()).decode()
    # WHEN it is posted THEN the signature gives it away
    with pytest.raises(PolicyError) as refused:
        check_post("photos", form, 5_000, SECRETS, time.time())
    assert refused.value.code == "SignatureDoesNotMatch"


def test_an_expired_policy_is_refused() -> None:
    # GIVEN a valid form WHEN it is posted two minutes after its one-minute expiry
    with pytest.raises(PolicyError, match="Policy expired"):
        check_post("photos", signed_form(), 50, SECRETS, time.time() + 180)
