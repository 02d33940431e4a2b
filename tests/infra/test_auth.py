"""Auth: every mode the schema's directives need is configured; Cognito is set up as designed."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from graphql import parse, visit
from graphql.language import Visitor

from devserver.prelude import with_prelude
from devserver.wiring import load_wiring
from infra.api_key import ApiKeyError, api_key_validity_days
from infra.auth import EmailConfigError, _email
from infra.config import (
    API_KEY_MAX_DAYS,
    API_KEY_RENEWAL_HANDLER,
    POST_CONFIRMATION_HANDLER,
    SCHEMA_PATH,
    SES_FROM_EMAIL_CONTEXT,
    STAGES,
    WIRING_PATH,
)
from tests.infra.cfn import refs
from tests.infra.conftest import SES_FROM_EMAIL

WIRING = load_wiring(WIRING_PATH)
DIRECTIVE_MODES = {
    "aws_api_key": "API_KEY",
    "aws_iam": "AWS_IAM",
    "aws_cognito_user_pools": "AMAZON_COGNITO_USER_POOLS",
    "aws_auth": "AMAZON_COGNITO_USER_POOLS",
    "aws_oidc": "OPENID_CONNECT",
    "aws_lambda": "AWS_LAMBDA",
}


def _schema_auth_modes() -> set[str]:
    """The auth modes named by `@aws_*` directives anywhere in schema.graphql."""
    document = parse(with_prelude(SCHEMA_PATH.read_text(encoding="utf-8")))
    used: set[str] = set()

    class Directives(Visitor):
        def enter_directive(self, node, *_):
            if node.name.value in DIRECTIVE_MODES:
                used.add(DIRECTIVE_MODES[node.name.value])

    # Only usages count: the prelude's own definitions are DirectiveDefinition nodes.
    visit(document, Directives())
    return used


def _configured_modes(api):
    props = api["Properties"]
    additional = [
        p["AuthenticationType"] for p in props.get("AdditionalAuthenticationProviders", [])
    ]
    return props["AuthenticationType"], additional


def test_every_auth_directive_in_the_schema_has_its_mode(stack):
    # GIVEN the modes the schema's directives name
    needed = _schema_auth_modes()
    assert needed >= {"API_KEY", "AWS_IAM", "AMAZON_COGNITO_USER_POOLS"}

    # WHEN we read the API's configured modes
    _, api = stack.one("AWS::AppSync::GraphQLApi")
    default, additional = _configured_modes(api)

    # THEN each needed mode is configured, and the configuration is the wiring's
    assert needed <= {default, *additional}
    assert default == WIRING.api.default_auth
    assert additional == list(WIRING.api.additional_auth)


def test_the_user_pool_authorizes_the_api_and_the_api_key_lasts_as_configured(stack):
    pool_id, _ = stack.one("AWS::Cognito::UserPool")
    _, api = stack.one("AWS::AppSync::GraphQLApi")
    _, key = stack.one("AWS::AppSync::ApiKey")

    assert api["Properties"]["UserPoolConfig"]["UserPoolId"] == {"Ref": pool_id}
    days = stack.stage.api_key_expiry_days or WIRING.api.api_key_expiry_days
    expected = time.time() + days * 86_400
    # Counted from synth time, rounded by CDK: within a day of the configured expiry
    assert abs(key["Properties"]["Expires"] - expected) < 86_400
    # ... and a week short of AppSync's 365 days, for a build machine whose clock runs ahead
    assert key["Properties"]["Expires"] < time.time() + (365 - 6) * 86_400


def test_a_daily_function_renews_the_api_key_to_its_configured_validity(stack):
    # GIVEN the renewal function and its schedule
    function_id, function = stack.function(API_KEY_RENEWAL_HANDLER)
    key_id, _ = stack.one("AWS::AppSync::ApiKey")
    api_id, _ = stack.one("AWS::AppSync::GraphQLApi")
    environment = function["Properties"]["Environment"]["Variables"]
    (rule,) = stack.of_type("AWS::Events::Rule").values()

    # THEN it renews this API's key, by the stage's validity, once a day
    assert environment["API_KEY_ID"] == {"Fn::GetAtt": [key_id, "ApiKeyId"]}
    assert environment["GRAPHQL_API_ID"] == {"Fn::GetAtt": [api_id, "ApiId"]}
    assert environment["API_KEY_VALIDITY_DAYS"] == str(stack.stage.api_key_expiry_days)
    assert rule["Properties"]["ScheduleExpression"] == "rate(1 day)"
    assert refs(rule["Properties"]["Targets"]) == {function_id}


@pytest.mark.parametrize("days", [0, API_KEY_MAX_DAYS + 1, 365])
def test_an_api_key_validity_without_a_safe_margin_fails_the_synth(days):
    stage = replace(STAGES["dev"], api_key_expiry_days=days)
    with pytest.raises(ApiKeyError, match="at most"):
        api_key_validity_days(stage, WIRING.api.api_key_expiry_days)


def test_prod_mails_through_ses_with_threat_protection_and_no_public_password_flow(synth):
    # GIVEN both stages' user pools and clients
    for name, stack in synth.stacks.items():
        _, pool = stack.one("AWS::Cognito::UserPool")
        _, client = stack.one("AWS::Cognito::UserPoolClient")
        props = pool["Properties"]
        flows = set(client["Properties"]["ExplicitAuthFlows"])
        stage = stack.stage

        # THEN e-mail goes through SES from the deploy's sender where the stage says so
        email = props.get("EmailConfiguration", {})
        if stage.email_through_ses:
            assert email["EmailSendingAccount"] == "DEVELOPER", name
            assert email["From"] == SES_FROM_EMAIL, name
        else:
            assert email.get("EmailSendingAccount", "COGNITO_DEFAULT") == "COGNITO_DEFAULT", name
        # ... threat protection is on (Plus plan) where the stage says so
        protection = props.get("UserPoolAddOns", {}).get("AdvancedSecurityMode", "OFF")
        assert (protection == "ENFORCED") is stage.threat_protection, name
        # ... and the password itself is sent only where the stage allows it; operators and
        # scripts/smoke use the admin flow (IAM credentials) everywhere
        assert ("ALLOW_USER_PASSWORD_AUTH" in flows) is stage.public_password_auth, name
        assert {"ALLOW_USER_SRP_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH"} <= flows, name
    assert synth.stacks["prod"].stage.email_through_ses is True


def test_a_stage_that_mails_through_ses_needs_a_sender():
    with pytest.raises(EmailConfigError, match=SES_FROM_EMAIL_CONTEXT):
        _email(STAGES["prod"], None)


def test_users_sign_in_with_email_and_admins_have_their_group(stack):
    pool_id, pool = stack.one("AWS::Cognito::UserPool")
    _, client = stack.one("AWS::Cognito::UserPoolClient")
    _, group = stack.one("AWS::Cognito::UserPoolGroup")

    assert pool["Properties"]["UsernameAttributes"] == ["email"]
    assert pool["Properties"]["AutoVerifiedAttributes"] == ["email"]
    assert pool["Properties"]["DeletionProtection"] == (
        "ACTIVE" if stack.stage.protect_data else "INACTIVE"
    )
    assert group["Properties"]["GroupName"] == WIRING.api.admin_group
    assert group["Properties"]["UserPoolId"] == {"Ref": pool_id}
    # A public client (browsers, apps) cannot keep a secret
    assert client["Properties"]["GenerateSecret"] is False


def test_confirming_a_sign_up_runs_the_profile_trigger(stack):
    _, pool = stack.one("AWS::Cognito::UserPool")
    trigger_id, _ = stack.function(POST_CONFIRMATION_HANDLER)

    trigger = pool["Properties"]["LambdaConfig"]["PostConfirmation"]
    assert trigger == {"Fn::GetAtt": [trigger_id, "Arn"]}
    permissions = [
        p["Properties"]
        for p in stack.of_type("AWS::Lambda::Permission").values()
        if p["Properties"]["FunctionName"] == {"Fn::GetAtt": [trigger_id, "Arn"]}
    ]
    assert [p["Principal"] for p in permissions] == ["cognito-idp.amazonaws.com"]
