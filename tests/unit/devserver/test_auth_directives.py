from pathlib import Path

import graphql
import pytest

from devserver.appsync.prelude import with_prelude
from devserver.auth import (
    API_KEY,
    AWS_IAM,
    AWS_LAMBDA,
    COGNITO,
    OIDC,
    AuthContext,
    Authenticator,
    field_auth_error,
    is_denied,
    policy_for,
)
from devserver.auth.testing import auth_config

REPO = Path(__file__).resolve().parents[3]
POTLUCK = graphql.build_schema(with_prelude((REPO / "schema.graphql").read_text()))
POTLUCK_MODES = {"default_mode": COGNITO, "additional_modes": (API_KEY, AWS_IAM)}

GROUPS_SDL = """
type Query @aws_cognito_user_pools(cognito_groups: ["editors"]) @aws_api_key {
  fromType: String
  anyUser: String @aws_cognito_user_pools
  adminsOrOwners: String @aws_cognito_user_pools(cognito_groups: ["admins", "owners"])
  keyOnly: String @aws_api_key
  legacy: String @aws_auth(cognito_groups: ["admins"])
  viaLambda: String @aws_lambda
  viaOidc: String @aws_oidc
}
"""
GROUPS = graphql.build_schema(with_prelude(GROUPS_SDL))


def _caller(mode, groups=(), strategy="ALLOW"):
    identity = None
    if mode == COGNITO:
        identity = {"sub": "s", "groups": list(groups) or None, "defaultAuthStrategy": strategy}
    return AuthContext(mode=mode, identity=identity, groups=tuple(groups))


def _potluck(mode, type_name, field, groups=()):
    return field_auth_error(POTLUCK, type_name, field, _caller(mode, groups), **POTLUCK_MODES)


@pytest.mark.parametrize(
    ("mode", "type_name", "field", "allowed"),
    [
        # API key: public reads and subscriptions, no `me`, no mutations.
        (API_KEY, "Query", "recipe", True),
        (API_KEY, "Recipe", "title", True),
        (API_KEY, "Recipe", "comments", True),
        (API_KEY, "Subscription", "onRecipeCreated", True),
        (API_KEY, "Query", "me", False),
        (API_KEY, "Mutation", "createRecipe", False),
        (API_KEY, "Mutation", "deleteRecipe", False),
        # IAM: reads and the operator deletes, but not member mutations.
        (AWS_IAM, "Query", "recipes", True),
        (AWS_IAM, "Mutation", "deleteRecipe", True),
        (AWS_IAM, "Mutation", "deleteComment", True),
        (AWS_IAM, "Mutation", "createRecipe", False),
        (AWS_IAM, "Query", "me", False),
        # Cognito (the default mode): everything, including untagged Mutation fields.
        (COGNITO, "Query", "me", True),
        (COGNITO, "Mutation", "createRecipe", True),
        (COGNITO, "Mutation", "deleteRecipe", True),
        (COGNITO, "Profile", "email", True),
        # Modes the schema never mentions.
        (AWS_LAMBDA, "Query", "recipe", False),
        (OIDC, "Mutation", "createRecipe", False),
    ],
)
def test_potluck_schema_directive_matrix(mode, type_name, field, allowed):
    # GIVEN Potluck's schema and auth modes (Cognito default, API key and IAM extra)
    # WHEN a caller of `mode` resolves the field
    error = _potluck(mode, type_name, field)
    # THEN the directives decide, with AppSync's Unauthorized message on refusal
    expected = None if allowed else f"Not Authorized to access {field} on type {type_name}"
    assert error == expected


def test_introspection_fields_are_never_guarded():
    # GIVEN an API-key caller, who may not touch Mutation fields
    # WHEN it asks for __typename on Mutation
    # THEN nothing stops it
    assert _potluck(API_KEY, "Mutation", "__typename") is None


@pytest.mark.parametrize(
    ("field", "groups", "allowed"),
    [
        ("adminsOrOwners", ("owners",), True),
        ("adminsOrOwners", ("viewers", "admins"), True),
        ("adminsOrOwners", ("viewers",), False),
        ("adminsOrOwners", (), False),
        ("fromType", ("editors",), True),
        ("fromType", ("admins",), False),
        ("anyUser", (), True),
        ("keyOnly", ("editors",), False),
        ("viaLambda", ("editors",), False),
    ],
)
def test_cognito_groups_any_match_and_field_replaces_type(field, groups, allowed):
    # GIVEN a schema with group lists on the type and on fields, on a multi-auth API
    caller = _caller(COGNITO, groups)
    # WHEN a user with `groups` resolves the field
    error = field_auth_error(GROUPS, "Query", field, caller, COGNITO, additional_modes=(API_KEY,))
    # THEN any one listed group suffices, and a field's directives replace the type's
    assert (error is None) == allowed


def test_type_level_modes_apply_to_fields_without_directives():
    # GIVEN the same schema
    # WHEN an API-key caller reads a field that only inherits the type's directives
    # THEN the type's @aws_api_key lets it through, but not onto a Cognito-only field
    assert field_auth_error(GROUPS, "Query", "fromType", _caller(API_KEY), COGNITO) is None
    assert field_auth_error(GROUPS, "Query", "anyUser", _caller(API_KEY), COGNITO) is not None


def test_other_modes_map_to_their_directives():
    # GIVEN fields tagged @aws_lambda and @aws_oidc
    # WHEN Lambda and OIDC callers resolve them
    # THEN each passes only its own directive
    lambda_caller, oidc_caller = _caller(AWS_LAMBDA), _caller(OIDC)
    assert field_auth_error(GROUPS, "Query", "viaLambda", lambda_caller, COGNITO) is None
    assert field_auth_error(GROUPS, "Query", "viaOidc", oidc_caller, COGNITO) is None
    assert field_auth_error(GROUPS, "Query", "viaOidc", lambda_caller, COGNITO) is not None


def test_aws_auth_is_honoured_only_when_cognito_is_the_sole_mode():
    # GIVEN a field with @aws_auth(cognito_groups: ["admins"]) on a type open to "editors"
    admin, editor = _caller(COGNITO, ("admins",)), _caller(COGNITO, ("editors",))
    # WHEN the API has Cognito only
    # THEN @aws_auth decides
    assert field_auth_error(GROUPS, "Query", "legacy", admin, COGNITO) is None
    assert field_auth_error(GROUPS, "Query", "legacy", editor, COGNITO) is not None
    # WHEN the API has additional modes
    # THEN @aws_auth is ignored and the type's rule applies instead
    multi = {"additional_modes": (API_KEY,)}
    assert field_auth_error(GROUPS, "Query", "legacy", admin, COGNITO, **multi) is not None
    assert field_auth_error(GROUPS, "Query", "legacy", editor, COGNITO, **multi) is None


def test_deny_default_strategy_admits_only_listed_groups():
    # GIVEN users of a pool whose defaultAction is DENY
    admin = _caller(COGNITO, ("admins",), strategy="DENY")
    plain = _caller(COGNITO, (), strategy="DENY")
    # WHEN they resolve a group-listed field and an any-user field
    # THEN only the group listing admits them
    assert field_auth_error(GROUPS, "Query", "adminsOrOwners", admin, COGNITO) is None
    assert field_auth_error(GROUPS, "Query", "anyUser", admin, COGNITO) is not None
    assert field_auth_error(GROUPS, "Query", "anyUser", plain, COGNITO) is not None


def test_rules_are_cached_per_schema_object():
    # GIVEN a policy already used for a schema
    first = policy_for(GROUPS, COGNITO, (API_KEY,))
    first.rule("Query", "adminsOrOwners")
    # WHEN the same schema is asked again, and a reloaded copy of it
    again = policy_for(GROUPS, COGNITO, (API_KEY,))
    reloaded = policy_for(graphql.build_schema(with_prelude(GROUPS_SDL)), COGNITO, (API_KEY,))
    # THEN the cached policy is reused, and a new schema object gets its own
    assert again is first
    assert reloaded is not first


def test_authenticator_applies_its_own_modes():
    # GIVEN an authenticator for a multi-auth API
    authenticator = Authenticator(auth_config())
    admin = _caller(COGNITO, ("admins",))
    # WHEN it checks the @aws_auth field
    error = authenticator.field_auth_error(GROUPS, "Query", "legacy", admin)
    # THEN it knows @aws_auth does not apply here
    assert error == "Not Authorized to access legacy on type Query"


def test_is_denied_is_false_without_denied_fields():
    # GIVEN a caller from a mode without deniedFields
    # WHEN the core asks about any field
    # THEN nothing is denied
    assert not is_denied(_caller(API_KEY), "Query", "recipe")


def test_cleared_fields_are_shared_only_by_callers_who_get_the_same_answers():
    # GIVEN one policy, and callers differing in mode, groups or the pool's default action
    policy = policy_for(GROUPS, COGNITO, (API_KEY,))
    admin, owner = _caller(COGNITO, ("admins",)), _caller(COGNITO, ("owners",))
    editor, denied_admin = _caller(COGNITO, ("editors",)), _caller(COGNITO, ("admins",), "DENY")
    key = _caller(API_KEY)
    # WHEN each asks for the set the request gate records its cleared fields in
    # THEN a caller alike gets the same set, and any difference gets another one
    assert policy.cleared(admin) is policy.cleared(_caller(COGNITO, ("admins",)))
    assert policy.cleared(key) is policy.cleared(_caller(API_KEY))
    sets = [policy.cleared(c) for c in (admin, owner, editor, denied_admin, key)]
    assert len({id(s) for s in sets}) == len(sets)
