"""The public API key's lifetime: a margin below AppSync's limit, and a daily renewal."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Duration
from aws_cdk import aws_appsync as appsync
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.config import API_KEY_MAX_DAYS, API_KEY_RENEWAL_HANDLER, StageConfig
from infra.functions import FunctionSpec, python_function, require_keys, settings_keys
from resolvers.settings import ApiKeyRenewalSettings

if TYPE_CHECKING:
    from aws_cdk import aws_lambda as lambda_


class ApiKeyError(ValueError):
    """The configured API key validity is longer than AppSync accepts with a safe margin."""


def api_key_validity_days(stage: StageConfig, wiring_days: int) -> int:
    days = stage.api_key_expiry_days or wiring_days
    if not 1 <= days <= API_KEY_MAX_DAYS:
        raise ApiKeyError(
            f"{stage.name}: API key validity {days} days; AppSync takes 1-365 and infra keeps "
            f"a week's margin for clock skew, so at most {API_KEY_MAX_DAYS}"
        )
    return days


class ApiKeyRenewal(Construct):
    """Every day, set the key's expiry to `validity_days` from now (resolvers/ops)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: StageConfig,
        code: lambda_.Code,
        graphql: appsync.GraphqlApi,
        validity_days: int,
    ) -> None:
        super().__init__(scope, construct_id)
        key = next(child for child in graphql.node.children if isinstance(child, appsync.CfnApiKey))
        environment = {
            "GRAPHQL_API_ID": graphql.api_id,
            "API_KEY_ID": key.attr_api_key_id,
            "API_KEY_VALIDITY_DAYS": str(validity_days),
        }
        require_keys(environment, settings_keys(ApiKeyRenewalSettings), "API key renewal")
        self.function = python_function(
            self,
            "Function",
            FunctionSpec(
                handler=API_KEY_RENEWAL_HANDLER,
                environment=environment,
                memory_mb=256,
                timeout_seconds=30,
                description="Pushes the public API key's expiry out again, daily",
            ),
            code,
            stage,
        )
        # UpdateApiKey authorizes on the API (graphqlapi resource type), not on the key.
        iam.Grant.add_to_principal(
            grantee=self.function,
            actions=["appsync:UpdateApiKey"],
            resource_arns=[graphql.arn],
        )
        events.Rule(
            self,
            "Daily",
            description="Renews the public API key",
            schedule=events.Schedule.rate(Duration.days(1)),
            targets=[targets.LambdaFunction(self.function, retry_attempts=2)],
        )
