"""boto3 clients for the local backends: a fixed region and credentials nothing checks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3

if TYPE_CHECKING:
    from botocore.config import Config

REGION = "us-east-1"
# moto and the local Data API accept any credentials; botocore only needs some to sign with.
FAKE_ACCESS_KEY_ID = "local"
FAKE_SECRET_ACCESS_KEY = "local"  # noqa: S105 - nothing checks it


def local_client(service: str, endpoint_url: str, config: Config | None = None) -> Any:
    """A low-level `service` client for a local endpoint, in its own session (thread-safe)."""
    return boto3.session.Session().client(
        service,  # type: ignore[call-overload]
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id=FAKE_ACCESS_KEY_ID,
        aws_secret_access_key=FAKE_SECRET_ACCESS_KEY,
        config=config,
    )
