import base64
import json

import jwt
import pytest

from devserver.auth import (
    AWS_IAM,
    COGNITO,
    DEFAULT_CLIENT_ID,
    Authenticator,
    CognitoSettings,
    LocalUserPool,
    SigningKey,
    Unauthenticated,
)
from devserver.auth.context import EXPIRED_JWT, NOT_AUTHORIZED
from devserver.auth.testing import auth_config, shared_signing_key

NOW = 1_700_000_000.0
PEER = "203.0.113.9"


class Clock:
    def __init__(self, now=NOW):
        self.now = now

    def __call__(self):
        return self.now


def _auth(clock=None, **overrides):
    return Authenticator(auth_config(**overrides), clock=clock or Clock())


def _bearer(token):
    return {"authorization": f"Bearer {token}"}


def _reject(authenticator, token):
    with pytest.raises(Unauthenticated) as raised:
        authenticator.authenticate({"authorization": token}, source_ip=PEER)
    return raised.value


def test_valid_id_token_gives_appsync_cognito_identity():
    # GIVEN a token minted for a user in the admins group
    authenticator = _auth()
    token = authenticator.mint_token("sub-1", "alice", "alice@example.com", ["admins"])
    # WHEN it arrives behind a proxy
    auth = authenticator.authenticate(
        {"Authorization": token, "X-Forwarded-For": "198.51.100.1, 198.51.100.2"},
        source_ip=PEER,
    )
    # THEN the identity has exactly AppSync's Cognito keys, with the XFF chain plus the peer
    assert auth.mode == COGNITO
    assert auth.groups == ("admins",)
    identity = auth.identity
    assert list(identity) == [
        "sub",
        "issuer",
        "username",
        "claims",
        "sourceIp",
        "defaultAuthStrategy",
        "groups",
    ]
    assert identity["sub"] == "sub-1"
    assert identity["username"] == "alice"
    assert identity["issuer"] == "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_devserver"
    assert identity["sourceIp"] == ["198.51.100.1", "198.51.100.2", PEER]
    assert identity["defaultAuthStrategy"] == "ALLOW"
    assert identity["groups"] == ["admins"]
    assert identity["claims"]["email"] == "alice@example.com"


def test_minted_id_token_has_cognito_claims_and_header():
    # GIVEN the local pool
    authenticator = _auth()
    # WHEN an ID token is minted
    token = authenticator.mint_token("sub-1", "alice", "alice@example.com", ["admins"], ttl=600)
    # THEN header and claims look like Cognito's
    header = jwt.get_unverified_header(token)
    assert header == {"alg": "RS256", "kid": shared_signing_key().kid}
    claims = jwt.decode(token, options={"verify_signature": False})
    expected = {"sub", "cognito:username", "email", "email_verified", "cognito:groups", "iss"}
    expected |= {"aud", "token_use", "auth_time", "iat", "exp", "event_id", "origin_jti", "jti"}
    assert set(claims) == expected
    assert claims["aud"] == DEFAULT_CLIENT_ID
    assert claims["token_use"] == "id"
    assert claims["exp"] - claims["iat"] == 600
    assert claims["auth_time"] == claims["iat"] == int(NOW)


def test_user_without_groups_has_null_groups():
    # GIVEN a token without a cognito:groups claim (Cognito omits it for group-less users)
    authenticator = _auth()
    token = authenticator.mint_token("sub-2", "bob", "bob@example.com")
    # WHEN it is authenticated
    auth = authenticator.authenticate(_bearer(token), source_ip=PEER)
    # THEN identity.groups is null and the peer alone is the source IP
    assert "cognito:groups" not in auth.identity["claims"]
    assert auth.identity["groups"] is None
    assert auth.groups == ()
    assert auth.identity["sourceIp"] == [PEER]


def test_bearer_prefix_is_accepted():
    # GIVEN a valid token
    authenticator = _auth()
    token = authenticator.mint_token("sub-1", "alice")
    # WHEN it is sent with or without "Bearer "
    # THEN both authenticate as the same user
    for headers in (_bearer(token), {"authorization": token}, {"authorization": f"bearer {token}"}):
        assert authenticator.authenticate(headers, source_ip=PEER).identity["sub"] == "sub-1"


def test_expired_token_is_401_token_has_expired():
    # GIVEN a one-hour token
    clock = Clock()
    authenticator = _auth(clock)
    token = authenticator.mint_token("sub-1", "alice", ttl=3600)
    # WHEN it is used an hour later
    clock.now += 3600
    error = _reject(authenticator, token)
    # THEN AppSync's expiry message comes back
    assert error.message == EXPIRED_JWT
    assert error.status == 401


def test_token_signed_with_another_key_is_401():
    # GIVEN a forger who knows the kid but not the private key
    authenticator = _auth()
    genuine = authenticator.mint_token("sub-1", "alice")
    claims = jwt.decode(genuine, options={"verify_signature": False})
    forger = SigningKey(SigningKey.generate().private_key, shared_signing_key().kid)
    # WHEN the forged token is presented
    error = _reject(authenticator, forger.sign({**claims, "cognito:groups": ["admins"]}))
    # THEN it is refused
    assert error.message == NOT_AUTHORIZED


def test_tampered_payload_is_401():
    # GIVEN a genuine token whose payload is edited to add a group
    authenticator = _auth()
    header, payload, signature = authenticator.mint_token("sub-1", "alice").split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["cognito:groups"] = ["admins"]
    edited = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    # WHEN it is presented
    # THEN the signature no longer matches
    assert _reject(authenticator, f"{header}.{edited}.{signature}").message == NOT_AUTHORIZED


def test_unsigned_alg_none_token_is_401():
    # GIVEN an unsigned token with the pool's issuer
    authenticator = _auth()
    claims = jwt.decode(authenticator.mint_token("s", "u"), options={"verify_signature": False})
    unsigned = jwt.encode(
        claims, key=None, algorithm="none", headers={"kid": shared_signing_key().kid}
    )
    # WHEN it is presented
    # THEN it is refused
    assert _reject(authenticator, unsigned).status == 401


def test_token_from_another_pool_is_401():
    # GIVEN a token signed by the same key but issued by another pool
    other = LocalUserPool(CognitoSettings(user_pool_id="us-east-1_other"), shared_signing_key())
    token = other.mint_token("sub-1", "alice", now=NOW)
    # WHEN the local API receives it (no Lambda authorizer to fall back to)
    # THEN it is refused
    assert _reject(_auth(), token).message == NOT_AUTHORIZED


def test_token_for_another_app_client_is_401():
    # GIVEN a token of this pool for a client the API does not accept (appIdClientRegex)
    pool = LocalUserPool(CognitoSettings(client_id="someotherclient"), shared_signing_key())
    token = pool.mint_token("sub-1", "alice", now=NOW)
    # WHEN it is presented
    # THEN the audience check refuses it
    assert _reject(_auth(), token).message == NOT_AUTHORIZED


def test_any_client_is_accepted_without_app_id_client_regex():
    # GIVEN an API whose Cognito config has no appIdClientRegex
    settings = CognitoSettings(client_id="someotherclient", app_id_client_regex=None)
    authenticator = _auth(cognito=settings)
    # WHEN a token for that client arrives
    token = authenticator.mint_token("sub-1", "alice")
    # THEN it is accepted
    assert authenticator.authenticate(_bearer(token), source_ip=PEER).mode == COGNITO


def test_access_token_is_accepted_with_client_id_and_username():
    # GIVEN an access token (client_id instead of aud, username instead of cognito:username)
    authenticator = _auth()
    token = authenticator.mint_token("sub-1", "alice", None, ["admins"], token_use="access")
    claims = jwt.decode(token, options={"verify_signature": False})
    assert "aud" not in claims
    assert claims["client_id"] == DEFAULT_CLIENT_ID
    # WHEN it is presented
    auth = authenticator.authenticate(_bearer(token), source_ip=PEER)
    # THEN it authenticates like an ID token
    assert auth.identity["username"] == "alice"
    assert auth.groups == ("admins",)


def test_unknown_kid_is_401():
    # GIVEN a token whose header names a key the JWKS does not have
    authenticator = _auth()
    claims = jwt.decode(authenticator.mint_token("s", "u"), options={"verify_signature": False})
    token = SigningKey(shared_signing_key().private_key, "other-kid").sign(claims)
    # WHEN it is presented
    # THEN it is refused
    assert _reject(authenticator, token).status == 401


def test_cognito_token_on_an_api_without_cognito_is_401():
    # GIVEN an IAM-only API
    authenticator = _auth(default_mode=AWS_IAM, additional_modes=())
    # WHEN a valid pool token is sent
    # THEN the mode is not enabled
    assert _reject(authenticator, authenticator.mint_token("s", "u")).status == 401


def test_jwks_verifies_minted_tokens_with_a_standard_client():
    # GIVEN the JWKS document the core serves
    authenticator = _auth()
    jwks = jwt.PyJWKSet.from_dict(authenticator.jwks())
    token = authenticator.mint_token("sub-1", "alice")
    # WHEN a third-party verifier uses it
    key = jwks[jwt.get_unverified_header(token)["kid"]]
    claims = jwt.decode(
        token,
        key.key,
        algorithms=["RS256"],
        audience=DEFAULT_CLIENT_ID,
        options={"verify_exp": False},
    )
    # THEN the token verifies and the key carries no private material
    assert claims["sub"] == "sub-1"
    assert set(authenticator.jwks()["keys"][0]) == {"kty", "n", "e", "kid", "alg", "use"}


def test_deny_default_action_shows_in_identity():
    # GIVEN a pool whose defaultAction is DENY
    authenticator = _auth(cognito=CognitoSettings(default_action="DENY"))
    # WHEN a user authenticates
    auth = authenticator.authenticate(_bearer(authenticator.mint_token("s", "u")), source_ip=PEER)
    # THEN AppSync's defaultAuthStrategy reflects it
    assert auth.identity["defaultAuthStrategy"] == "DENY"


def _signed_with_the_pool_key(authenticator, **changes):
    # A token only the pool could sign, with claims Cognito itself would never issue.
    claims = jwt.decode(
        authenticator.mint_token("sub-1", "alice"), options={"verify_signature": False}
    )
    claims.update(changes)
    return {key: value for key, value in claims.items() if value is not None}


@pytest.mark.parametrize("groups", ["admins", {"admins": True}, 7])
def test_a_groups_claim_that_is_not_a_list_is_no_group(groups):
    # GIVEN a pool-signed token whose cognito:groups is a plain string or another non-list
    authenticator = _auth()
    token = shared_signing_key().sign(
        _signed_with_the_pool_key(authenticator, **{"cognito:groups": groups})
    )
    # WHEN it authenticates
    auth = authenticator.authenticate(_bearer(token), source_ip=PEER)
    # THEN the caller is in no group, for directives and in the identity the Lambda receives
    assert auth.groups == ()
    assert auth.identity["groups"] is None


@pytest.mark.parametrize("sub", ["", "  ", 42])
def test_a_token_whose_sub_names_nobody_is_401(sub):
    # GIVEN a pool-signed token whose sub is empty or not a string
    authenticator = _auth()
    token = shared_signing_key().sign(_signed_with_the_pool_key(authenticator, sub=sub))
    # WHEN it is presented, THEN it is refused as unauthenticated, not passed on to a resolver
    assert _reject(authenticator, token).message == NOT_AUTHORIZED
