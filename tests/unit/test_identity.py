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
