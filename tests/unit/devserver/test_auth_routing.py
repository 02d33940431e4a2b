import logging

import pytest

from devserver.auth import (
    API_KEY,
    AWS_IAM,
    COGNITO,
    OIDC,
    AuthConfig,
    Authenticator,
    OidcSettings,
    Unauthenticated,
)
from devserver.auth.context import EXPIRED_JWT, MISSING_CREDENTIALS, NOT_AUTHORIZED
from devserver.auth.testing import TEST_API_KEY, auth_config, shared_signing_key

NOW = 1_700_000_000.0
PEER = "203.0.113.9"
OIDC_ISSUER = "https://login.example.com"


def _auth(**overrides):
    return Authenticator(auth_config(**overrides), clock=lambda: NOW)


def _reject(authenticator, headers):
    with pytest.raises(Unauthenticated) as raised:
        authenticator.authenticate(headers, source_ip=PEER)
    return raised.value


@pytest.mark.parametrize("headers", [{}, {"authorization": ""}, {"Authorization": "   "}])
def test_no_credentials_is_401_valid_authorization_header_not_provided(headers):
    # GIVEN a request with no usable credential
    # WHEN it is authenticated
    error = _reject(_auth(), headers)
    # THEN AppSync's missing-header 401 comes back
    assert error.response_body() == {
        "errors": [{"errorType": "UnauthorizedException", "message": MISSING_CREDENTIALS}]
    }
    assert error.status == 401


def test_non_jwt_authorization_without_lambda_authorizer_is_401():
    # GIVEN an API without a Lambda authorizer
    # WHEN an opaque token is sent
    error = _reject(_auth(), {"authorization": "opaque-token"})
    # THEN nothing can read it
    assert error.message == MISSING_CREDENTIALS


def test_api_key_header_wins_over_authorization():
    # GIVEN a request carrying both an API key and a user token
    authenticator = _auth()
    token = authenticator.mint_token("sub-1", "alice")
    # WHEN it is authenticated
    auth = authenticator.authenticate(
        {"x-api-key": TEST_API_KEY, "authorization": token}, source_ip=PEER
    )
    # THEN the API key decides the mode
    assert auth.mode == API_KEY


def test_sigv4_prefix_routes_to_iam():
    # GIVEN an IAM-looking Authorization header that is not valid
    # WHEN it is authenticated
    error = _reject(_auth(), {"authorization": "AWS4-HMAC-SHA256 Credential=x", "host": "h"})
    # THEN the IAM verifier, not the JWT path, refused it
    assert error.message.startswith("Authorization header requires")


def test_failures_are_logged_without_the_credential(caplog):
    # GIVEN a request with a wrong API key
    caplog.set_level(logging.INFO, logger="devserver.auth")
    # WHEN it is refused
    _reject(_auth(), {"x-api-key": "da2-secretvalue"})
    # THEN the reason is logged, the key is not
    assert caplog.records
    assert all("da2-secretvalue" not in record.getMessage() for record in caplog.records)
    assert all("da2-secretvalue" not in str(record.__dict__) for record in caplog.records)


def test_oidc_token_from_the_configured_issuer_authenticates():
    # GIVEN an API with OIDC as an extra mode, checked against the local key
    authenticator = _auth(
        additional_modes=(API_KEY, AWS_IAM, OIDC),
        oidc=OidcSettings(issuer=OIDC_ISSUER, client_id="web"),
    )
    token = authenticator.oidc.mint_token({"sub": "u-9", "aud": "web", "exp": NOW + 60})
    # WHEN the token is sent
    auth = authenticator.authenticate({"authorization": f"Bearer {token}"}, source_ip=PEER)
    # THEN it is an OIDC caller with {sub, issuer, claims}
    assert auth.mode == OIDC
    assert set(auth.identity) == {"sub", "issuer", "claims"}
    assert (auth.identity["sub"], auth.identity["issuer"]) == ("u-9", OIDC_ISSUER)


def test_oidc_token_checks_audience_expiry_and_iat_ttl():
    # GIVEN OIDC with a client id and a 60 s iat TTL
    settings = OidcSettings(issuer=OIDC_ISSUER, client_id="web", iat_ttl_ms=60_000)
    authenticator = _auth(additional_modes=(OIDC,), oidc=settings)
    mint = authenticator.oidc.mint_token
    base = {"sub": "u", "aud": "web", "iat": NOW, "exp": NOW + 3600}
    # WHEN tokens for another audience, already expired, and issued too long ago arrive
    wrong_aud = _reject(authenticator, {"authorization": mint({**base, "aud": "mobile"})})
    expired = _reject(authenticator, {"authorization": mint({**base, "exp": NOW})})
    too_old = _reject(authenticator, {"authorization": mint({**base, "iat": NOW - 61})})
    # THEN each is a 401
    assert wrong_aud.message == NOT_AUTHORIZED
    assert expired.message == EXPIRED_JWT
    assert too_old.message == EXPIRED_JWT


def test_enabled_modes_need_their_settings():
    # GIVEN a config enabling OIDC or Lambda without their settings
    # WHEN it is built
    # THEN it fails loudly instead of refusing every request later
    with pytest.raises(ValueError, match="OPENID_CONNECT"):
        AuthConfig(default_mode=OIDC, signing_key=shared_signing_key())
    with pytest.raises(ValueError, match="AWS_LAMBDA"):
        AuthConfig(
            default_mode=COGNITO, additional_modes=("AWS_LAMBDA",), signing_key=shared_signing_key()
        )
