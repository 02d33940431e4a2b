"""Cognito: the user pool, its app client, the admins group, and the profile-creating trigger."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Aws, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from infra.config import POST_CONFIRMATION_HANDLER, SES_FROM_EMAIL_CONTEXT, StageConfig
from infra.functions import FunctionSpec, python_function, require_keys, settings_keys
from infra.nag import acknowledge
from resolvers.settings import ProfileTriggerSettings
from resolvers.store.tables import PROFILES

if TYPE_CHECKING:
    from aws_cdk import aws_lambda as lambda_

    from infra.data import Tables


class Auth(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: StageConfig,
        code: lambda_.Code,
        tables: Tables,
        admin_group: str,
        ses_from_email: str | None,
    ) -> None:
        super().__init__(scope, construct_id)
        environment = tables.environment(PROFILES.logical_name)
        require_keys(environment, settings_keys(ProfileTriggerSettings), "post-confirmation")
        self.post_confirmation = python_function(
            self,
            "PostConfirmation",
            FunctionSpec(
                handler=POST_CONFIRMATION_HANDLER,
                environment=environment,
                # Cognito waits 5 s for a trigger; more memory makes a cold start fit in that.
                memory_mb=512,
                timeout_seconds=5,
                description="Creates the profile of a user who has just confirmed sign-up",
            ),
            code,
            stage,
        )
        # A conditional PutItem creates the profile; the trigger never reads, and never sees recipes.
        tables.grant(self.post_confirmation, {PROFILES.logical_name: ["dynamodb:PutItem"]})

        self.user_pool = cognito.UserPool(
            self,
            "UserPool",
            sign_in_aliases=cognito.SignInAliases(email=True),
            sign_in_case_sensitive=False,
            self_sign_up_enabled=True,
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            standard_attributes=cognito.StandardAttributes(
                email=cognito.StandardAttribute(required=True, mutable=True)
            ),
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
            ),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            mfa=cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            email=_email(stage, ses_from_email),
            # Threat protection needs the Plus plan; see StageConfig.threat_protection.
            feature_plan=(
                cognito.FeaturePlan.PLUS
                if stage.threat_protection
                else cognito.FeaturePlan.ESSENTIALS
            ),
            standard_threat_protection_mode=(
                cognito.StandardThreatProtectionMode.FULL_FUNCTION
                if stage.threat_protection
                else None
            ),
            lambda_triggers=cognito.UserPoolTriggers(post_confirmation=self.post_confirmation),
            deletion_protection=stage.protect_data,
            removal_policy=RemovalPolicy.RETAIN if stage.protect_data else RemovalPolicy.DESTROY,
        )
        acknowledge(
            self.user_pool,
            "AwsSolutions-COG2",
            "A public recipe site cannot demand MFA at sign-up; TOTP MFA is offered (optional).",
        )
        if not stage.threat_protection:
            acknowledge(
                self.user_pool,
                "AwsSolutions-COG8",
                "Threat protection needs the Plus feature plan (a per-MAU charge); this stage's "
                "users are its developers, prod turns it on (StageConfig.threat_protection).",
            )
        self.client = self.user_pool.add_client(
            "AppClient",
            # SRP for apps. The admin flow (IAM credentials needed) gives operators and
            # scripts/smoke tokens; the public password flow only where the stage allows it.
            auth_flows=cognito.AuthFlow(
                user_srp=True,
                user_password=stage.public_password_auth,
                admin_user_password=True,
            ),
            generate_secret=False,
            prevent_user_existence_errors=True,
            disable_o_auth=True,
            enable_token_revocation=True,
        )
        self.admins = cognito.UserPoolGroup(
            self,
            "AdminsGroup",
            user_pool=self.user_pool,
            group_name=admin_group,
            description="May delete any recipe or comment",
        )


class EmailConfigError(ValueError):
    """A stage that sends through SES was synthesized without a sender."""


def _email(stage: StageConfig, ses_from_email: str | None) -> cognito.UserPoolEmail:
    """Cognito's own sender (a few dozen e-mails a day) or SES, from a verified domain."""
    if not stage.email_through_ses:
        return cognito.UserPoolEmail.with_cognito()
    if not ses_from_email or "@" not in ses_from_email:
        raise EmailConfigError(
            f"{stage.name} sends Cognito e-mail through SES: pass -c "
            f"{SES_FROM_EMAIL_CONTEXT}=no-reply@<a domain verified in SES in this region>"
        )
    return cognito.UserPoolEmail.with_ses(
        from_email=ses_from_email,
        ses_verified_domain=ses_from_email.rsplit("@", 1)[1],
        ses_region=Aws.REGION,
    )
