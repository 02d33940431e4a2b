"""Every auth mode's identity maps to the right caller."""

from __future__ import annotations

import pytest

from resolvers.errors import Forbidden
from resolvers.identity import ANONYMOUS, AuthMode, caller_from_identity
from tests.support import events


def test_api_key_has_no_identity() -> None:
    caller = caller_from_identity(None)
    assert caller == ANONYMOUS
    with pytest.raises(Forbidden):
        caller.require_user()


def test_cognito_user_with_groups() -> None:
    caller = caller_from_identity(events.cognito("u-1", "ann", groups=["admins"]))
    assert caller.mode is AuthMode.COGNITO
    assert caller.require_user() == "u-1"
    assert caller.username == "ann"
    assert caller.is_in("admins")
    assert not caller.is_operator


def test_iam_principal_is_an_operator_without_a_user() -> None:
    caller = caller_from_identity(events.iam())
    assert caller.mode is AuthMode.IAM
    assert caller.is_operator
    assert caller.user_id is None


def test_oidc_is_not_mistaken_for_cognito() -> None:
    caller = caller_from_identity(events.oidc("o-1"))
    assert caller.mode is AuthMode.OIDC
    assert caller.user_id == "o-1"


def test_lambda_authorizer_context_names_the_user() -> None:
    caller = caller_from_identity(events.lambda_authorizer({"sub": "l-1", "groups": ["admins"]}))
    assert caller.mode is AuthMode.LAMBDA
    assert caller.user_id == "l-1"
    assert caller.is_in("admins")
    assert caller_from_identity(events.lambda_authorizer({})).user_id is None


@pytest.mark.parametrize("claim", ["admins", {"admins": True}, [["admins"]], 7])
def test_a_groups_claim_cognito_never_issues_grants_no_group(claim: object) -> None:
    # GIVEN identities whose groups claim is not a list of strings, as Cognito never issues it
    identity = events.cognito("u-1", "ann")
    identity["claims"]["cognito:groups"] = claim
    identity["groups"] = None
    # WHEN the resolvers read them
    caller = caller_from_identity(identity)
    # THEN the user is in no group, just as the devserver's directive check reads the same claim
    assert caller.require_user() == "u-1"
    assert caller.groups == frozenset()
    assert not caller.is_in("admins")


def test_only_the_string_members_of_a_groups_list_count() -> None:
    identity = events.cognito("u-1", "ann")
    identity["groups"] = ["admins", 7, None]
    assert caller_from_identity(identity).groups == frozenset({"admins"})


@pytest.mark.parametrize("sub", ["", "   ", 42])
def test_a_subject_that_names_nobody_is_no_user(sub: object) -> None:
    # GIVEN a JWT identity, or a Lambda authorizer's context, whose sub names nobody
    identity = events.cognito("u-1", "ann")
    identity["sub"] = sub
    # WHEN a user-only rule runs
    # THEN it is refused as for an anonymous caller, never written under an empty key
    for caller in (
        caller_from_identity(identity),
        caller_from_identity(events.lambda_authorizer({"sub": sub})),
    ):
        assert caller.user_id is None
        with pytest.raises(Forbidden):
            caller.require_user()
