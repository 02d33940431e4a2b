"""Storage: DynamoDB tables, Aurora Serverless v2, and the migrations that shape the database."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from aws_cdk import CustomResource, Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_rds as rds
from aws_cdk import custom_resources as cr
from constructs import Construct

from infra.config import (
    DB_NAME,
    MIGRATE_HANDLER,
    MIGRATE_MODULE,
    MIGRATIONS_DIR,
    StageConfig,
)
from infra.functions import (
    FunctionSpec,
    python_function,
    require_keys,
    retention,
    settings_keys,
)
from infra.nag import acknowledge, arn_of
from resolvers.settings import DatabaseSettings
from resolvers.store.tables import ALL_TABLES, TABLE_SETTINGS, Index
from resolvers.store.tables import Table as TableDefinition

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

    from aws_cdk import aws_lambda as lambda_

AURORA_ENGINE = rds.DatabaseClusterEngine.aurora_postgres(
    # 17.x supports Serverless v2 scale-to-zero (auto-pause) and the Data API.
    version=rds.AuroraPostgresEngineVersion.VER_17_9,
)
# Migrations wait out a resume from 0 ACU (MIGRATION_RETRY in resolvers/store/data_api.py, up to
# 3 minutes) and run DDL; far more than they normally need.
MIGRATE_TIMEOUT_SECONDS = 300
# What resolvers/store/data_api.py calls: statements and transactions, never batches.
DATA_API_ACTIONS = (
    "rds-data:ExecuteStatement",
    "rds-data:BeginTransaction",
    "rds-data:CommitTransaction",
    "rds-data:RollbackTransaction",
)


def _attribute(name: str) -> dynamodb.Attribute:
    # Every key attribute in the shared definitions is a string.
    return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING)


def _index(index: Index) -> dynamodb.GlobalSecondaryIndexPropsV2:
    return dynamodb.GlobalSecondaryIndexPropsV2(
        index_name=index.name,
        partition_key=_attribute(index.partition_key),
        sort_key=_attribute(index.sort_key) if index.sort_key else None,
        projection_type=dynamodb.ProjectionType[index.projection],
    )


class Tables(Construct):
    """One on-demand table per shared definition; CDK names them, the Lambdas learn the names."""

    def __init__(self, scope: Construct, construct_id: str, *, stage: StageConfig) -> None:
        super().__init__(scope, construct_id)
        self.by_name: dict[str, dynamodb.TableV2] = {
            definition.logical_name: self._table(definition, stage) for definition in ALL_TABLES
        }

    def _table(self, definition: TableDefinition, stage: StageConfig) -> dynamodb.TableV2:
        return dynamodb.TableV2(
            self,
            definition.logical_name.capitalize(),
            partition_key=_attribute(definition.partition_key),
            sort_key=_attribute(definition.sort_key) if definition.sort_key else None,
            global_secondary_indexes=[_index(index) for index in definition.indexes],
            billing=dynamodb.Billing.on_demand(),
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            dynamo_stream=dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
            time_to_live_attribute=definition.ttl_attribute,
            deletion_protection=stage.protect_data,
            removal_policy=RemovalPolicy.RETAIN if stage.protect_data else RemovalPolicy.DESTROY,
        )

    def grant(self, grantee: iam.IGrantable, access: Mapping[str, Sequence[str]]) -> None:
        """Exactly these actions on each named table and its indexes (table name -> actions)."""
        for logical_name, actions in access.items():
            self.by_name[logical_name].grant(grantee, *actions)

    def environment(self, *logical_names: str) -> dict[str, str]:
        """Settings keys (PROFILES_TABLE, ...) to physical names, for the named tables."""
        return {
            TABLE_SETTINGS[name].upper(): self.by_name[name].table_name for name in logical_names
        }

    def acknowledge_index_access(self, role: iam.IRole) -> None:
        """Data grants cover `<table>/index/*`: each table's own indexes, nothing outside it."""
        for definition in ALL_TABLES:
            if definition.indexes:
                table = self.by_name[definition.logical_name]
                acknowledge(
                    role,
                    f"AwsSolutions-IAM5[Resource::{arn_of(table)}/index/*]",
                    f"Queries on the {definition.logical_name} table's own GSIs.",
                )


def migrations_fingerprint(directory: Path = MIGRATIONS_DIR, runner: Path = MIGRATE_MODULE) -> str:
    """A hash of every migration and of the runner: the custom resource re-runs when it changes."""
    digest = hashlib.sha256()
    for path in [*sorted(directory.glob("*.sql")), runner]:
        if path.exists():
            digest.update(f"{path.name}\0".encode())
            digest.update(path.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()


class Database(Construct):
    """Aurora PostgreSQL Serverless v2, reached only through the Data API, plus its migrations."""

    def __init__(
        self, scope: Construct, construct_id: str, *, stage: StageConfig, code: lambda_.Code
    ) -> None:
        super().__init__(scope, construct_id)
        # The Data API is an AWS endpoint, not a connection into the VPC: no NAT, no internet.
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            max_azs=2,
            nat_gateways=0,
            subnet_configuration=[
                ec2.SubnetConfiguration(
                    name="isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=24
                )
            ],
        )
        # Only Aurora lives here, reached through the Data API, so this is a record of any
        # traffic that should not exist. (Data API calls on Serverless v2 are CloudTrail data
        # events, off by default: see the README's "Audit".)
        self.vpc.add_flow_log(
            "FlowLog",
            destination=ec2.FlowLogDestination.to_cloud_watch_logs(
                logs.LogGroup(
                    self,
                    "FlowLogs",
                    retention=retention(stage.log_retention_days),
                    removal_policy=RemovalPolicy.DESTROY,
                )
            ),
            traffic_type=ec2.FlowLogTrafficType.ALL,
        )
        self.cluster = rds.DatabaseCluster(
            self,
            "Cluster",
            engine=AURORA_ENGINE,
            writer=rds.ClusterInstance.serverless_v2("Writer"),
            serverless_v2_min_capacity=stage.aurora_min_acu,
            serverless_v2_max_capacity=stage.aurora_max_acu,
            serverless_v2_auto_pause_duration=Duration.minutes(stage.aurora_auto_pause_minutes),
            enable_data_api=True,
            default_database_name=DB_NAME,
            credentials=rds.Credentials.from_generated_secret("potluck_admin"),
            vpc=self.vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            storage_encrypted=True,
            iam_authentication=True,
            deletion_protection=stage.protect_data,
            backup=rds.BackupProps(retention=Duration.days(stage.aurora_backup_days)),
            removal_policy=RemovalPolicy.SNAPSHOT if stage.protect_data else RemovalPolicy.DESTROY,
        )
        self._acknowledge_cluster(stage)
        self.secret = self.cluster.secret
        assert self.secret is not None  # noqa: S101 - from_generated_secret always makes one
        self.environment = {
            "DB_CLUSTER_ARN": self.cluster.cluster_arn,
            "DB_SECRET_ARN": self.secret.secret_arn,
            "DB_NAME": DB_NAME,
        }
        require_keys(self.environment, settings_keys(DatabaseSettings), "migrations Lambda")
        self.migrations = self._migrations(stage, code)

    def grant_data_api(self, grantee: iam.IGrantable, *, transactions: bool = True) -> None:
        """The Data API calls the code makes on this cluster, and its secret's value.

        Not CDK's grant_data_api_access: that adds BatchExecuteStatement, which nothing calls, and
        DescribeSecret, which the Data API does not need (AWS's minimal policy in
        AuroraUserGuide/data-api.access.html names GetSecretValue only). Code that runs only
        single statements (`transactions=False`) gets no transaction actions.
        """
        assert self.secret is not None  # noqa: S101 - from_generated_secret always makes one
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=list(DATA_API_ACTIONS if transactions else DATA_API_ACTIONS[:1]),
            resource_arns=[self.cluster.cluster_arn],
        )
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["secretsmanager:GetSecretValue"],
            resource_arns=[self.secret.secret_arn],
        )

    def _migrations(self, stage: StageConfig, code: lambda_.Code) -> CustomResource:
        migrate = python_function(
            self,
            "Migrate",
            FunctionSpec(
                handler=MIGRATE_HANDLER,
                environment=self.environment,
                memory_mb=256,
                timeout_seconds=MIGRATE_TIMEOUT_SECONDS,
                description="Applies resolvers/store/migrations through the Data API on deploy",
            ),
            code,
            stage,
        )
        self.grant_data_api(migrate)
        provider = cr.Provider(
            self,
            "MigrateProvider",
            on_event_handler=migrate,
            log_group=logs.LogGroup(
                self,
                "MigrateProviderLogs",
                retention=retention(stage.log_retention_days),
                removal_policy=RemovalPolicy.DESTROY,
            ),
        )
        _acknowledge_provider(provider, migrate)
        resource = CustomResource(
            self,
            "Migrations",
            service_token=provider.service_token,
            resource_type="Custom::PotluckMigrations",
            # A new fingerprint is an update, and every update runs the migrations.
            properties={"Fingerprint": migrations_fingerprint()},
        )
        # The writer instance, not just the cluster, must exist before the Data API answers.
        resource.node.add_dependency(self.cluster)
        return resource

    def _acknowledge_cluster(self, stage: StageConfig) -> None:
        acknowledge(
            self.cluster,
            "AwsSolutions-SMG4",
            "Rotating the master secret needs a rotation Lambda with a route to Secrets "
            "Manager: interface endpoints (~$15/month) in this NAT-less VPC. The Data API is "
            "its only user and nobody reads it by hand; rotate it by hand if it ever leaks.",
        )
        if not stage.protect_data:
            acknowledge(
                self.cluster,
                "AwsSolutions-RDS10",
                "Dev stacks are disposable; prod sets deletion protection (StageConfig).",
            )


def _acknowledge_provider(provider: cr.Provider, handler: lambda_.Function) -> None:
    # The provider framework is CDK's own code: its role and runtime are not ours to choose.
    framework = provider.node.find_child("framework-onEvent")
    acknowledge(
        framework,
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
        "AWSLambdaBasicExecutionRole]",
        "CDK's custom-resource framework Lambda uses the basic execution role for its logs.",
    )
    acknowledge(
        framework,
        f"AwsSolutions-IAM5[Resource::{arn_of(handler)}:*]",
        "The framework may invoke any version of the migrations function, and only that one.",
    )
