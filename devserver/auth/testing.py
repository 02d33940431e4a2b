"""Fixtures for tests of the devserver and its clients: a fast config and an example authorizer."""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

from devserver.auth.api_key import ApiKey
from devserver.auth.config import AuthConfig
from devserver.auth.context import API_KEY, AWS_IAM, COGNITO
from devserver.auth.keys import SigningKey

TEST_API_KEY = "da2-testtesttesttesttesttest12"
FAR_FUTURE = 4_102_444_800  # 2100-01-01: the test key never expires during a test run


@functools.cache
def shared_signing_key() -> SigningKey:
    """One RSA key per process: generating 2048-bit keys is the slowest thing a test could do."""
    return SigningKey.generate()


def auth_config(**overrides: Any) -> AuthConfig:
    """A Cognito-default API with API key and IAM, like Potluck's wiring, kept in memory."""
    base = AuthConfig(
        default_mode=COGNITO,
        additional_modes=(API_KEY, AWS_IAM),
        signing_key=shared_signing_key(),
        api_keys=(ApiKey(TEST_API_KEY, FAR_FUTURE),),
    )
    return dataclasses.replace(base, **overrides)


def example_authorizer(event: dict[str, Any], context: Any) -> dict[str, Any]:  # noqa: ARG001
    """Allows tokens that start with "allow"; the rest of the token becomes the caller's name."""
    token = str(event["authorizationToken"])
    if not token.startswith("allow"):
        return {"isAuthorized": False}
    return {
        "isAuthorized": True,
        "resolverContext": {"name": token.removeprefix("allow") or "anon"},
    }
