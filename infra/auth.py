"""Cognito: the user pool, its app client, the admins group, and the profile-creating trigger."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import RemovalPolicy
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from infra.config import POST_CONFIRMATION_HANDLER, StageConfig
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
        # Creating a profile is a write; the trigger never reads, and never sees recipes.
        tables.by_name[PROFILES.logical_name].grant_write_data(self.post_confirmation)

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
            feature_plan=cognito.FeaturePlan.ESSENTIALS,
            lambda_triggers=cognito.UserPoolTriggers(post_confirmation=self.post_confirmation),
            deletion_protection=stage.protect_data,
            removal_policy=RemovalPolicy.RETAIN if stage.protect_data else RemovalPolicy.DESTROY,
        )
        acknowledge(
            self.user_pool,
            "AwsSolutions-COG2",
            "A public recipe site cannot demand MFA at sign-up; TOTP MFA is offered (optional).",
        )
        acknowledge(
            self.user_pool,
            "AwsSolutions-COG8",
            "Threat protection needs the Plus feature plan (a per-MAU charge); Essentials "
            "until the user base or abuse justifies it.",
        )
        self.client = self.user_pool.add_client(
            "AppClient",
            # SRP for apps; USER_PASSWORD_AUTH lets scripts and the e2e suite get tokens
            # with plain boto3 (over TLS, never stored).
            auth_flows=cognito.AuthFlow(user_srp=True, user_password=True),
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
