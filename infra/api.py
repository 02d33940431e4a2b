"""The AppSync API: schema, auth modes, the resolver Lambda, and a resolver per wiring entry."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import ArnFormat, Duration, Expiration, RemovalPolicy, Stack
from aws_cdk import aws_appsync as appsync
from aws_cdk import aws_iam as iam
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.api_key import ApiKeyRenewal, api_key_validity_days
from infra.config import SCHEMA_PATH, StageConfig
from infra.functions import FunctionSpec, python_function, require_keys, retention
from infra.nag import acknowledge, arn_of
from infra.waf import protect
from resolvers.settings import Settings
from resolvers.store.tables import ALL_TABLES, IMAGES, PROFILES, RECIPES

if TYPE_CHECKING:
    from aws_cdk import aws_cognito as cognito
    from aws_cdk import aws_lambda as lambda_

    from infra.data import Database, Tables
    from infra.photos import PhotoBucket
    from wiring import FieldResolver, Wiring

# The cloud reads the pagination key from Secrets Manager; the plain value is for local runs only.
CLOUD_SETTINGS_KEYS = Settings.env_keys() - {"PAGINATION_SECRET"}
# What the resolvers call on each table (tests/infra/test_iam.py derives the same from the
# code). TransactWriteItems is authorized per item: Put and Delete on recipes and their tags.
RESOLVER_TABLE_ACCESS = {
    PROFILES.logical_name: (
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
    ),
    RECIPES.logical_name: (
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:Query",
        "dynamodb:PutItem",
        "dynamodb:DeleteItem",
    ),
    # Upload offers (Put), attach and detach in the recipe's transaction (Update, Delete),
    # Recipe.photo and Profile.avatar (BatchGet), the checks before attaching (Get).
    IMAGES.logical_name: (
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
    ),
}
# The id CDK gives its one-per-stack log retention function (aws-logs LogRetention).
LOG_RETENTION_SINGLETON = "LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8a"


class ApiError(ValueError):
    """The wiring asks for something this stack cannot deploy."""


class Api(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: StageConfig,
        wiring: Wiring,
        code: lambda_.Code,
        tables: Tables,
        database: Database,
        user_pool: cognito.IUserPool,
        photos: PhotoBucket,
    ) -> None:
        super().__init__(scope, construct_id)
        self.pagination_secret = secretsmanager.Secret(
            self,
            "PaginationSecret",
            description="HMAC key that signs GraphQL nextTokens",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=64, exclude_punctuation=True, include_space=False
            ),
            removal_policy=RemovalPolicy.DESTROY,
        )
        acknowledge(
            self.pagination_secret,
            "AwsSolutions-SMG4",
            "Rotating the signing key invalidates every nextToken in flight; it is rotated "
            "by hand (a new secret version) when needed.",
        )
        environment = {
            **tables.environment(*(table.logical_name for table in ALL_TABLES)),
            **database.environment,
            "PAGINATION_SECRET_ARN": self.pagination_secret.secret_arn,
            "ADMIN_GROUP": wiring.api.admin_group,
            "PHOTOS_BUCKET": photos.bucket.bucket_name,
        }
        require_keys(environment, CLOUD_SETTINGS_KEYS, "resolver Lambda")

        self.functions: dict[str, lambda_.Function] = {}
        # Stream consumers are functions of their own (infra/events.py), not resolvers.
        resolving = {resolver.function for resolver in wiring.resolvers}
        for name, function in wiring.functions.items():
            if name not in resolving:
                continue
            fn = python_function(
                self,
                f"{name.capitalize()}Function",
                FunctionSpec(
                    handler=function.handler,
                    environment=environment,
                    memory_mb=function.memory_mb,
                    timeout_seconds=function.timeout_seconds,
                    description=f"AppSync Direct Lambda resolvers ({name})",
                ),
                code,
                stage,
            )
            tables.grant(fn, RESOLVER_TABLE_ACCESS)
            database.grant_data_api(fn)
            iam.Grant.add_to_principal(
                grantee=fn,
                actions=["secretsmanager:GetSecretValue"],
                resource_arns=[self.pagination_secret.secret_arn],
            )
            assert fn.role is not None  # noqa: S101 - python_function always gives one
            tables.acknowledge_index_access(fn.role)
            # Expand/contract: the code that needs a migration deploys after it has run.
            fn.node.add_dependency(database.migrations)
            photos.grant_api(fn)
            self.functions[name] = fn
        # The functions AppSync invokes (others in the wiring may serve event sources).
        wired = {resolver.function for resolver in wiring.resolvers}
        self.resolver_functions = {n: fn for n, fn in self.functions.items() if n in wired}

        # AppSync's own logging role, instead of AWSAppSyncPushToCloudWatchLogs (any log group):
        # its policy is a separate resource, made after the API, so it can name the API's log
        # group, whose name holds the API id, without a circular reference.
        log_role = iam.Role(
            self,
            "GraphqlLogsRole",
            assumed_by=iam.ServicePrincipal("appsync.amazonaws.com"),
            description="AppSync writes its field errors to its own log group",
        )
        self.graphql = appsync.GraphqlApi(
            self,
            "GraphqlApi",
            name=f"{wiring.api.name}-{stage.name}",
            definition=appsync.Definition.from_file(str(SCHEMA_PATH)),
            authorization_config=_authorization(wiring, stage, user_pool),
            xray_enabled=True,
            log_config=appsync.LogConfig(
                role=log_role,
                field_log_level=appsync.FieldLogLevel.ERROR,
                # Variables and headers can hold tokens and personal data.
                exclude_verbose_content=True,
                retention=retention(stage.log_retention_days),
            ),
            query_depth_limit=stage.query_depth_limit,
            # The devserver enforces the same limit from the wiring.
            resolver_count_limit=wiring.api.resolver_count_limit,
            introspection_config=(
                appsync.IntrospectionConfig.ENABLED
                if stage.introspection
                else appsync.IntrospectionConfig.DISABLED
            ),
        )
        log_group_arn = Stack.of(self).format_arn(
            service="logs",
            resource="log-group",
            resource_name=f"/aws/appsync/apis/{self.graphql.api_id}",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        log_role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[log_group_arn, f"{log_group_arn}:log-stream:*"],
            )
        )
        api_id_token = arn_of(self.graphql).replace(".Arn>", ".ApiId>")
        acknowledge(
            log_role,
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:"
            f"<AWS::AccountId>:log-group:/aws/appsync/apis/{api_id_token}:log-stream:*]",
            "AppSync names its log streams itself; the wildcard covers streams of this API's "
            "own log group only.",
        )
        acknowledge(
            self.graphql,
            "AwsSolutions-ASC3",
            "Field errors are logged; verbose content is not, because it holds request headers "
            "(JWTs, API keys) and variables (personal data).",
        )
        # CDK sets the AppSync log group's retention through its shared LogRetention function.
        log_retention = Stack.of(self).node.find_child(LOG_RETENTION_SINGLETON)
        acknowledge(
            log_retention,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AWSLambdaBasicExecutionRole]",
            "CDK's log-retention helper Lambda writes its own logs with the basic execution role.",
        )
        acknowledge(
            log_retention,
            "AwsSolutions-IAM5[Resource::*]",
            "CDK's log-retention helper sets retention on a log group named only at deploy time.",
        )

        self.api_key_validity_days = api_key_validity_days(stage, wiring.api.api_key_expiry_days)
        self.api_key_renewal = ApiKeyRenewal(
            self,
            "ApiKeyRenewal",
            stage=stage,
            code=code,
            graphql=self.graphql,
            validity_days=self.api_key_validity_days,
        )
        if stage.waf is not None:
            self.web_acl = protect(self, "Waf", self.graphql, stage.name, stage.waf)

        self.data_sources: dict[str, appsync.LambdaDataSource] = {}
        for name, fn in self.functions.items():
            source = self.graphql.add_lambda_data_source(f"{name.capitalize()}DataSource", fn)
            acknowledge(
                source,
                f"AwsSolutions-IAM5[Resource::{arn_of(fn)}:*]",
                "AppSync may invoke any version or alias of its own resolver function.",
            )
            self.data_sources[name] = source
        for resolver in wiring.resolvers:
            self._wire(resolver)

    def _wire(self, resolver: FieldResolver) -> None:
        """A Direct Lambda resolver: no mapping templates, so AppSync sends its own event."""
        self.data_sources[resolver.function].create_resolver(
            f"{resolver.type_name}{resolver.field_name[0].upper()}{resolver.field_name[1:]}",
            type_name=resolver.type_name,
            field_name=resolver.field_name,
            # 0 means a plain invoke; AppSync rejects a batch size on a non-batching resolver.
            max_batch_size=resolver.max_batch_size or None,
        )


def _authorization(
    wiring: Wiring, stage: StageConfig, user_pool: cognito.IUserPool
) -> appsync.AuthorizationConfig:
    expiry_days = api_key_validity_days(stage, wiring.api.api_key_expiry_days)
    modes = {
        "AMAZON_COGNITO_USER_POOLS": appsync.AuthorizationMode(
            authorization_type=appsync.AuthorizationType.USER_POOL,
            user_pool_config=appsync.UserPoolConfig(user_pool=user_pool),
        ),
        "API_KEY": appsync.AuthorizationMode(
            authorization_type=appsync.AuthorizationType.API_KEY,
            api_key_config=appsync.ApiKeyConfig(
                description="Public read-only access",
                # Counted from synth; ApiKeyRenewal pushes it out daily between deploys.
                expires=Expiration.after(Duration.days(expiry_days)),
            ),
        ),
        "AWS_IAM": appsync.AuthorizationMode(authorization_type=appsync.AuthorizationType.IAM),
    }
    unsupported = set(wiring.api.auth_modes) - set(modes)
    if unsupported:
        raise ApiError(f"auth modes not deployable by infra/: {', '.join(sorted(unsupported))}")
    return appsync.AuthorizationConfig(
        default_authorization=modes[wiring.api.default_auth],
        additional_authorization_modes=[modes[mode] for mode in wiring.api.additional_auth],
    )
