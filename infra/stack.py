"""The Potluck stack: one per stage, everything the API needs, named by CDK."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_cdk import CfnOutput, Stack, Tags
from aws_cdk import aws_appsync as appsync
from aws_cdk import aws_lambda as lambda_

from infra.api import Api
from infra.auth import Auth
from infra.config import SERVICE_NAME, OutputKey, StageConfig
from infra.data import Database, Tables
from infra.events import EventConsumers
from infra.monitoring import Monitoring
from infra.photos import PhotoBucket, Thumbnails
from resolvers.store.tables import PROFILES

if TYPE_CHECKING:
    from pathlib import Path

    from constructs import Construct

    from wiring import Wiring


class PotluckStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: StageConfig,
        wiring: Wiring,
        lambda_package: Path,
        thumbnail_package: Path | None = None,
        ses_from_email: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            description=f"Potluck recipe-sharing GraphQL API ({stage.name})",
            # A stage that protects its data cannot be deleted by one mistaken command either.
            termination_protection=stage.protect_data,
            **kwargs,
        )
        Tags.of(self).add("project", SERVICE_NAME)
        Tags.of(self).add("stage", stage.name)
        # One asset for all three functions: the resolvers, migrations and trigger ship together.
        code = lambda_.Code.from_asset(str(lambda_package))

        self.tables = Tables(self, "Tables", stage=stage)
        self.photos = PhotoBucket(self, "Photos", stage=stage)
        self.database = Database(self, "Database", stage=stage, code=code)
        self.auth = Auth(
            self,
            "Auth",
            stage=stage,
            code=code,
            tables=self.tables,
            admin_group=wiring.api.admin_group,
            ses_from_email=ses_from_email,
        )
        self.api = Api(
            self,
            "Api",
            stage=stage,
            wiring=wiring,
            code=code,
            tables=self.tables,
            database=self.database,
            user_pool=self.auth.user_pool,
            photos=self.photos,
        )
        # Its own asset: the thumbnail function's package carries Pillow, the API's does not.
        self.thumbnails = Thumbnails(
            self,
            "Thumbnails",
            stage=stage,
            wiring=wiring,
            code=lambda_.Code.from_asset(str(thumbnail_package or lambda_package)),
            tables=self.tables,
            photos=self.photos,
            graphql=self.api.graphql,
        )
        for function in self.thumbnails.functions.values():
            # As every function: new code deploys after the migrations it was written for.
            function.node.add_dependency(self.database.migrations)
        self.events = EventConsumers(
            self,
            "Events",
            stage=stage,
            wiring=wiring,
            code=code,
            tables=self.tables,
            database=self.database,
        )
        # Last: it watches every Python function the stack has made by now.
        self.monitoring = Monitoring(
            self,
            "Monitoring",
            stage=stage,
            api=self.api,
            tables=self.tables,
            database=self.database,
        )
        self._outputs(wiring)

    def _outputs(self, wiring: Wiring) -> None:
        graphql = self.api.graphql
        cfn_api = graphql.node.default_child
        assert isinstance(cfn_api, appsync.CfnGraphQLApi)  # noqa: S101 - narrows the L1 type
        values = {
            OutputKey.GRAPHQL_URL: (graphql.graphql_url, "GraphQL endpoint (HTTPS)"),
            OutputKey.REALTIME_URL: (cfn_api.attr_realtime_url, "Subscriptions (WebSocket)"),
            # AppSync's key id is the key itself: a public, read-only credential for frontends.
            OutputKey.API_KEY_ID: (graphql.api_key or "", "API key (x-api-key header)"),
            OutputKey.USER_POOL_ID: (self.auth.user_pool.user_pool_id, "Cognito user pool"),
            OutputKey.USER_POOL_CLIENT_ID: (
                self.auth.client.user_pool_client_id,
                "Cognito app client (no secret)",
            ),
            OutputKey.REGION: (self.region, "AWS region of the stack"),
            OutputKey.ADMIN_GROUP: (wiring.api.admin_group, "Cognito group of admins"),
            OutputKey.PROFILES_TABLE: (
                self.tables.by_name[PROFILES.logical_name].table_name,
                "Profiles table (scripts/smoke removes its test users' profiles)",
            ),
        }
        for key, (value, description) in values.items():
            CfnOutput(self, key, value=value, description=description)
