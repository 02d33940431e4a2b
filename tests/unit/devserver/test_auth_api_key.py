import json
import time

import pytest

from devserver.auth import (
    API_KEY,
    AWS_IAM,
    COGNITO,
    ApiKey,
    AuthConfig,
    Authenticator,
    Unauthenticated,
    load_or_create_api_key,
    new_api_key,
)
from devserver.auth.context import NOT_AUTHORIZED
from devserver.auth.testing import TEST_API_KEY, auth_config
from wiring import ApiConfig

NOW = 1_700_000_000.0
PEER = "203.0.113.9"


def _authenticate(authenticator, headers):
    return authenticator.authenticate(headers, source_ip=PEER)


def test_valid_api_key_gives_api_key_mode_and_null_identity():
    # GIVEN an API with API key as an additional mode
    authenticator = Authenticator(auth_config())
    # WHEN a request carries the key (header names are case-insensitive)
    auth = _authenticate(authenticator, {"X-Api-Key": TEST_API_KEY})
    # THEN it is an API_KEY caller without identity, as AppSync reports
    assert auth.mode == API_KEY
    assert auth.identity is None
    assert auth.groups == ()
    assert auth.denied_fields == frozenset()


def test_wrong_api_key_is_401():
    # GIVEN an API with one key
    authenticator = Authenticator(auth_config())
    # WHEN a request carries another key
    with pytest.raises(Unauthenticated) as raised:
        _authenticate(authenticator, {"x-api-key": TEST_API_KEY[:-1] + "x"})
    # THEN the whole request is an UnauthorizedException 401
    assert raised.value.status == 401
    assert raised.value.response_body() == {
        "errors": [{"errorType": "UnauthorizedException", "message": NOT_AUTHORIZED}]
    }


def test_expired_api_key_is_401():
    # GIVEN a key that expired a second ago
    config = auth_config(api_keys=(ApiKey(TEST_API_KEY, int(NOW) - 1),))
    authenticator = Authenticator(config, clock=lambda: NOW)
    # WHEN it is used
    with pytest.raises(Unauthenticated) as raised:
        _authenticate(authenticator, {"x-api-key": TEST_API_KEY})
    # THEN it is refused like an unknown key
    assert raised.value.status == 401


def test_api_key_on_an_api_without_api_key_mode_is_401():
    # GIVEN a Cognito + IAM API
    authenticator = Authenticator(auth_config(additional_modes=(AWS_IAM,)))
    # WHEN a valid-looking key is sent
    # THEN the mode is not enabled, so the request fails
    with pytest.raises(Unauthenticated):
        _authenticate(authenticator, {"x-api-key": TEST_API_KEY})


def test_new_key_looks_like_appsync_and_expiry_is_rounded_down_to_the_hour():
    # GIVEN a creation time in the middle of an hour
    # WHEN a 7-day key is created
    key = new_api_key(7, now=NOW)
    # THEN it has AppSync's da2- shape and expires 7 days later, rounded down to the hour
    assert key.id.startswith("da2-")
    assert len(key.id) == 30
    assert key.expires == int(NOW + 7 * 86400) // 3600 * 3600
    assert key.expires <= NOW + 7 * 86400


def test_expiry_outside_appsync_range_is_rejected():
    # GIVEN AppSync's 1..365 day range
    # WHEN a key is asked for 366 days
    # THEN it is a configuration error
    with pytest.raises(ValueError):
        new_api_key(366)


def test_persisted_key_is_reused_and_private(tmp_path):
    # GIVEN a key created under the state dir
    first = load_or_create_api_key(tmp_path, 365, now=NOW)
    # WHEN the server starts again
    second = load_or_create_api_key(tmp_path, 365, now=NOW + 60)
    # THEN the same key is served, from an owner-only file
    assert second == first
    assert (tmp_path / "api-key.json").stat().st_mode & 0o777 == 0o600


def test_persisted_key_found_expired_at_startup_is_replaced(tmp_path):
    # GIVEN a persisted key whose expiry has passed
    old = load_or_create_api_key(tmp_path, 1, now=NOW)
    # WHEN the server starts after the expiry
    new = load_or_create_api_key(tmp_path, 1, now=NOW + 2 * 86400)
    # THEN a fresh key replaces it on disk
    assert new.id != old.id
    assert json.loads((tmp_path / "api-key.json").read_text())["id"] == new.id


def test_from_api_config_uses_the_wiring_expiry_and_a_pinned_key(tmp_path):
    # GIVEN Potluck-like API settings with a 30-day key expiry
    api = ApiConfig("api", COGNITO, (API_KEY, AWS_IAM), "admins", 30)
    # WHEN the config is built with a pinned key
    config = AuthConfig.from_api_config(api, tmp_path, api_key="da2-pinned", now=NOW)
    # THEN that key is accepted and expires per the wiring
    assert config.api_keys == (ApiKey("da2-pinned", int(NOW + 30 * 86400) // 3600 * 3600),)
    auth = Authenticator(config, clock=lambda: NOW)
    assert _authenticate(auth, {"x-api-key": "da2-pinned"}).mode == API_KEY


def test_key_is_not_in_the_repr():
    # GIVEN a key
    key = new_api_key(1, now=time.time())
    # WHEN the config is logged
    # THEN the key value does not appear
    assert key.id not in repr(key)
    assert key.id not in repr(auth_config(api_keys=(key,)))
