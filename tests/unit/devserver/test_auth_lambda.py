import threading

import pytest

from devserver.auth import (
    API_KEY,
    AWS_LAMBDA,
    COGNITO,
    Authenticator,
    LambdaAuthorizerSettings,
    Unauthenticated,
    is_denied,
)
from devserver.auth.lambda_authorizer import normalise_denied_field
from devserver.auth.testing import auth_config

NOW = 1_700_000_000.0
PEER = "203.0.113.9"
CUSTOM_TOKEN = "custom-token"
REQUEST = {
    "queryString": 'query Q { recipe(id: "1") { title } }',
    "operationName": "Q",
    "variables": {"a": 1},
    "requestId": "req-1",
}


class Clock:
    def __init__(self):
        self.now = NOW

    def __call__(self):
        return self.now


class FakeAuthorizer:
    """Records every event and answers with a fixed response."""

    def __init__(self, response):
        self.response = response
        self.events = []
        self.contexts = []

    def __call__(self, event, context):
        self.events.append(event)
        self.contexts.append(context)
        if isinstance(self.response, Exception):
            raise self.response
        return self.response


def _auth(function, clock=None, **settings):
    config = auth_config(
        additional_modes=(API_KEY, AWS_LAMBDA),
        lambda_authorizer=LambdaAuthorizerSettings(handler=function, **settings),
    )
    return Authenticator(config, clock=clock or Clock())


def _call(authenticator, token=CUSTOM_TOKEN, **headers):
    return authenticator.authenticate(
        {"Authorization": token, "host": "localhost:4000", **headers},
        source_ip=PEER,
        request_context=REQUEST,
    )


def _reject(authenticator, token=CUSTOM_TOKEN):
    with pytest.raises(Unauthenticated) as raised:
        _call(authenticator, token)
    return raised.value


def test_allowed_token_gives_resolver_context_identity_and_appsync_event():
    # GIVEN an authorizer that allows and returns a resolverContext
    function = FakeAuthorizer({"isAuthorized": True, "resolverContext": {"userid": "u1"}})
    authenticator = _auth(function)
    # WHEN a request carries a custom token (with a cookie the authorizer must not see)
    auth = _call(authenticator, "Bearer custom-token", cookie="session=1")
    # THEN the identity is exactly {resolverContext}, and the event has AppSync's shape
    assert auth.mode == AWS_LAMBDA
    assert auth.identity == {"resolverContext": {"userid": "u1"}}
    (event,) = function.events
    assert event["authorizationToken"] == "Bearer custom-token"
    assert event["requestContext"] == {
        "apiId": "devserverlocalapi000000000",
        "accountId": "123456789012",
        "requestId": "req-1",
        "queryString": REQUEST["queryString"],
        "operationName": "Q",
        "variables": {"a": 1},
    }
    assert event["requestHeaders"] == {
        "authorization": "Bearer custom-token",
        "host": "localhost:4000",
    }
    assert 0 < function.contexts[0].get_remaining_time_in_millis() <= 10_000


def test_denied_token_is_401():
    # GIVEN an authorizer that says no
    authenticator = _auth(FakeAuthorizer({"isAuthorized": False}))
    # WHEN a token is presented
    error = _reject(authenticator)
    # THEN the request is an UnauthorizedException 401
    assert (error.status, error.error_type) == (401, "UnauthorizedException")


@pytest.mark.parametrize(
    "response",
    [None, {}, {"isAuthorized": "true"}, {"isAuthorized": True, "deniedFields": "Query.me"}],
)
def test_malformed_response_is_401(response):
    # GIVEN an authorizer answering something that is not a valid decision
    authenticator = _auth(FakeAuthorizer(response))
    # WHEN a token is presented
    # THEN the request is refused rather than half-authorized
    assert _reject(authenticator).status == 401


def test_authorizer_crash_is_401():
    # GIVEN an authorizer that raises
    authenticator = _auth(FakeAuthorizer(RuntimeError("boom")))
    # WHEN it is invoked
    # THEN the request is refused and the server carries on
    assert _reject(authenticator).status == 401


def test_authorizer_over_its_timeout_is_401():
    # GIVEN an authorizer that blocks past a short timeout
    release = threading.Event()

    def slow(event, context):
        release.wait(5)
        return {"isAuthorized": True}

    authenticator = _auth(slow, timeout_seconds=0.05)
    # WHEN it is invoked
    try:
        error = _reject(authenticator)
    finally:
        release.set()
    # THEN the request is refused without waiting for it
    assert error.status == 401


def test_denied_fields_in_both_forms_are_normalised():
    # GIVEN an authorizer denying one field by name and one by ARN
    api = "arn:aws:appsync:us-east-1:111122223333:apis/abcdefghijklmnopqrstuvwxyz"
    arn = f"{api}/types/Recipe/fields/comments"
    function = FakeAuthorizer(
        {"isAuthorized": True, "deniedFields": ["Mutation.createRecipe", arn, "junk"]}
    )
    # WHEN a request is authenticated
    auth = _call(_auth(function))
    # THEN both are Type.field entries, and is_denied tells the core to null them
    assert auth.denied_fields == frozenset({"Mutation.createRecipe", "Recipe.comments"})
    assert is_denied(auth, "Recipe", "comments")
    assert not is_denied(auth, "Recipe", "title")


def test_normalise_denied_field_rejects_garbage():
    # GIVEN entries in neither accepted form
    # WHEN they are normalised
    # THEN they are dropped
    assert normalise_denied_field("arn:aws:appsync:us-east-1:1:apis/x/types/T") is None
    assert normalise_denied_field("no-dot") is None
    assert normalise_denied_field("Query.me") == "Query.me"


def test_ttl_override_caches_the_decision_per_token():
    # GIVEN an authorizer asking for a 60 s cache
    function = FakeAuthorizer(
        {"isAuthorized": True, "resolverContext": {"n": 1}, "ttlOverride": 60}
    )
    clock = Clock()
    authenticator = _auth(function, clock)
    # WHEN the same token is used twice within 60 s, then after, and another token once
    _call(authenticator)
    clock.now += 59
    cached = _call(authenticator)
    clock.now += 2
    _call(authenticator)
    _call(authenticator, "other-token")
    # THEN the function ran once per token per TTL window, and cached answers are complete
    assert len(function.events) == 3
    assert cached.identity == {"resolverContext": {"n": 1}}


def test_denials_are_cached_too():
    # GIVEN an authorizer that denies with a cache TTL
    function = FakeAuthorizer({"isAuthorized": False, "ttlOverride": 60})
    authenticator = _auth(function)
    # WHEN the token is tried twice
    _reject(authenticator)
    _reject(authenticator)
    # THEN the second denial came from the cache
    assert len(function.events) == 1


def test_default_ttl_zero_means_no_caching():
    # GIVEN the default authorizerResultTtlInSeconds (0)
    function = FakeAuthorizer({"isAuthorized": True})
    authenticator = _auth(function)
    # WHEN the same token is used twice
    _call(authenticator)
    _call(authenticator)
    # THEN the function runs every time
    assert len(function.events) == 2


def test_configured_ttl_applies_and_ttl_override_zero_disables_it():
    # GIVEN a 300 s configured TTL
    caching = FakeAuthorizer({"isAuthorized": True})
    opting_out = FakeAuthorizer({"isAuthorized": True, "ttlOverride": 0})
    # WHEN each authorizer sees the same token twice
    for function in (caching, opting_out):
        authenticator = _auth(function, result_ttl_seconds=300)
        _call(authenticator)
        _call(authenticator)
    # THEN the config caches, and ttlOverride 0 overrides it
    assert len(caching.events) == 1
    assert len(opting_out.events) == 2


def test_identity_validation_expression_mismatch_is_401_without_invoking():
    # GIVEN an authorizer guarded by a validation expression
    function = FakeAuthorizer({"isAuthorized": True})
    authenticator = _auth(function, identity_validation_expression=r"tok-[0-9]+")
    # WHEN a matching and a non-matching token are sent
    _call(authenticator, "tok-42")
    _reject(authenticator, "tok-42x")
    # THEN only the matching one reached the function
    assert [event["authorizationToken"] for event in function.events] == ["tok-42"]


def test_token_over_2048_characters_is_401_without_invoking():
    # GIVEN an authorizer that would allow anything
    function = FakeAuthorizer({"isAuthorized": True})
    authenticator = _auth(function)
    # WHEN a 2049-character token is sent (and a 2048 one)
    _reject(authenticator, "x" * 2049)
    _call(authenticator, "x" * 2048)
    # THEN only the one within AppSync's limit is passed on
    assert len(function.events) == 1


def test_handler_is_loaded_from_an_import_path():
    # GIVEN an authorizer given as module:function
    authenticator = _auth("devserver.auth.testing:example_authorizer")
    # WHEN allowed and refused tokens arrive
    auth = _call(authenticator, "allow-alice")
    # THEN the imported function decides
    assert auth.identity == {"resolverContext": {"name": "-alice"}}
    assert _reject(authenticator, "nope").status == 401


def test_bad_import_path_fails_at_startup():
    # GIVEN an import path to nothing
    # WHEN the authenticator is built
    # THEN the configuration error surfaces immediately
    with pytest.raises(ValueError, match="cannot load lambda authorizer"):
        _auth("devserver.auth.testing:missing")


def test_cognito_jwt_still_goes_to_cognito_when_lambda_is_enabled():
    # GIVEN an API with Cognito default and a Lambda authorizer
    function = FakeAuthorizer({"isAuthorized": True})
    authenticator = _auth(function)
    token = authenticator.mint_token("sub-1", "alice")
    # WHEN a pool token and a non-JWT token arrive
    cognito = _call(authenticator, token)
    custom = _call(authenticator, "custom")
    # THEN the pool's issuer routes the first to Cognito, the rest to the authorizer
    assert (cognito.mode, custom.mode) == (COGNITO, AWS_LAMBDA)
    assert len(function.events) == 1
