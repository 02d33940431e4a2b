"""Alarms to the stage's SNS topic, and a dashboard of the same signals.

Functions are found, not listed: every Python function in the stack gets throttle and
near-timeout alarms, and an error alarm unless AppSync invokes it (a Direct Lambda resolver
raises for client errors too, so `InternalErrors`, which counts only our bugs, stands in).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from constructs import Construct

from infra.functions import METRICS_NAMESPACE
from infra.nag import acknowledge
from resolvers.ops.api_key_renewal import DAYS_LEFT_METRIC

if TYPE_CHECKING:
    from infra.api import Api
    from infra.config import StageConfig
    from infra.data import Database, Tables

FIVE_MINUTES = Duration.minutes(5)
# A function whose slowest run passes this share of its timeout is about to time out.
NEAR_TIMEOUT = 0.8
# AppSync's own latency, at the 95th percentile, for three periods in a row.
LATENCY_P95_MS = 5_000
# The operations resolvers/ call on DynamoDB: the ones whose system errors can reach a user.
DYNAMODB_OPERATIONS = (
    dynamodb.Operation.GET_ITEM,
    dynamodb.Operation.BATCH_GET_ITEM,
    dynamodb.Operation.PUT_ITEM,
    dynamodb.Operation.UPDATE_ITEM,
    dynamodb.Operation.DELETE_ITEM,
    dynamodb.Operation.QUERY,
    dynamodb.Operation.TRANSACT_WRITE_ITEMS,
)
# Powertools adds the service dimension to every metric it emits.
_SERVICE = {"service": "potluck"}


def python_functions(scope: Construct) -> list[lambda_.Function]:
    """Our functions: CDK's own helpers (log retention, custom resources) run on Node."""
    return [
        node
        for node in Stack.of(scope).node.find_all()
        if isinstance(node, lambda_.Function)
        and node.runtime.family == lambda_.RuntimeFamily.PYTHON
    ]


class Monitoring(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: StageConfig,
        api: Api,
        tables: Tables,
        database: Database,
    ) -> None:
        super().__init__(scope, construct_id)
        self._prefix = f"potluck-{stage.name}"
        self.topic = sns.Topic(
            self,
            "AlarmTopic",
            topic_name=stage.alarm_topic_name,
            display_name=f"Potluck {stage.name} alarms",
            enforce_ssl=True,
        )
        acknowledge(
            self.topic,
            "AwsSolutions-SNS2",
            "Alarm notifications carry alarm names and metric values, no user data; CloudWatch "
            "cannot publish to a topic under the AWS-managed SNS key, and a customer key for "
            "this alone is not worth its cost and key policy.",
        )
        self.alarms: list[cloudwatch.Alarm] = []
        resolvers = {fn.node.path for fn in api.resolver_functions.values()}
        for fn in python_functions(self):
            self._function_alarms(fn, invoked_by_appsync=fn.node.path in resolvers)
        self._alarm(
            "InternalErrors",
            cloudwatch.Metric(
                namespace=METRICS_NAMESPACE,
                metric_name="InternalErrors",
                dimensions_map=_SERVICE,
                statistic="Sum",
                period=FIVE_MINUTES,
            ),
            threshold=1,
            description="A resolver failed with an unexpected error (our bug, not the caller's)",
        )
        self._api_alarms(api)
        for name, table in tables.by_name.items():
            self._table_alarms(name, table)
        self._alarm(
            "AuroraAtMaxCapacity",
            database.cluster.metric_serverless_database_capacity(
                statistic="Maximum", period=FIVE_MINUTES
            ),
            threshold=stage.aurora_max_acu,
            periods=3,
            description=f"Aurora has run at its maximum {stage.aurora_max_acu} ACU for 15 min",
        )
        validity = api.api_key_validity_days
        self._alarm(
            "ApiKeyExpiring",
            cloudwatch.Metric(
                namespace=METRICS_NAMESPACE,
                metric_name=DAYS_LEFT_METRIC,
                dimensions_map=_SERVICE,
                statistic="Minimum",
                period=Duration.days(1),
            ),
            threshold=validity / 2,
            comparison=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            periods=2,
            # The renewal reports every day; silence means it has stopped renewing.
            missing=cloudwatch.TreatMissingData.BREACHING,
            description="The public API key is not being renewed and will expire",
        )
        self._dashboard()

    def _function_alarms(self, fn: lambda_.Function, *, invoked_by_appsync: bool) -> None:
        scope = fn.node.scope
        name = (scope.node.id if scope else "") + fn.node.id
        if not invoked_by_appsync:
            self._alarm(
                f"{name}Errors",
                fn.metric_errors(period=FIVE_MINUTES, statistic="Sum"),
                threshold=1,
                description=f"{fn.node.path} failed",
            )
        self._alarm(
            f"{name}Throttles",
            fn.metric_throttles(period=FIVE_MINUTES, statistic="Sum"),
            threshold=1,
            description=f"{fn.node.path} was throttled (concurrency limit)",
        )
        timeout = fn.timeout.to_milliseconds() if fn.timeout else 3_000
        self._alarm(
            f"{name}NearTimeout",
            fn.metric_duration(period=FIVE_MINUTES, statistic="Maximum"),
            threshold=timeout * NEAR_TIMEOUT,
            description=f"{fn.node.path} ran close to its {timeout // 1000} s timeout",
        )

    def _api_alarms(self, api: Api) -> None:
        def metric(metric_name: str, statistic: str) -> cloudwatch.Metric:
            return cloudwatch.Metric(
                namespace="AWS/AppSync",
                metric_name=metric_name,
                dimensions_map={"GraphQLAPIId": api.graphql.api_id},
                statistic=statistic,
                period=FIVE_MINUTES,
            )

        self._alarm(
            "AppSync5XX",
            metric("5XXError", "Sum"),
            threshold=1,
            description="AppSync answered with server errors",
        )
        self._alarm(
            "AppSyncLatency",
            metric("Latency", "p95"),
            threshold=LATENCY_P95_MS,
            periods=3,
            description=f"AppSync's p95 latency has been over {LATENCY_P95_MS} ms for 15 min",
        )

    def _table_alarms(self, name: str, table: dynamodb.TableV2) -> None:
        throttles = cloudwatch.MathExpression(
            expression="reads + writes",
            using_metrics={
                "reads": table.metric("ReadThrottleEvents", statistic="Sum", period=FIVE_MINUTES),
                "writes": table.metric("WriteThrottleEvents", statistic="Sum", period=FIVE_MINUTES),
            },
            label=f"{name} throttle events",
            period=FIVE_MINUTES,
        )
        self._alarm(
            f"{name.capitalize()}Throttles",
            throttles,
            threshold=1,
            description=f"DynamoDB throttled requests to the {name} table",
        )
        self._alarm(
            f"{name.capitalize()}SystemErrors",
            table.metric_system_errors_for_operations(
                operations=list(DYNAMODB_OPERATIONS), period=FIVE_MINUTES
            ),
            threshold=1,
            description=f"DynamoDB failed requests to the {name} table (HTTP 500)",
        )

    def _alarm(
        self,
        construct_id: str,
        metric: cloudwatch.IMetric,
        *,
        threshold: float,
        description: str,
        periods: int = 1,
        comparison: cloudwatch.ComparisonOperator = (
            cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
        ),
        missing: cloudwatch.TreatMissingData = cloudwatch.TreatMissingData.NOT_BREACHING,
    ) -> None:
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            alarm_name=f"{self._prefix}-{construct_id}",
            alarm_description=description,
            metric=metric,
            threshold=threshold,
            evaluation_periods=periods,
            comparison_operator=comparison,
            treat_missing_data=missing,
        )
        alarm.add_alarm_action(actions.SnsAction(self.topic))
        self.alarms.append(alarm)

    def _dashboard(self) -> None:
        dashboard = cloudwatch.Dashboard(self, "Dashboard", dashboard_name=self._prefix)
        # One graph per alarm, with its threshold line, three to a row.
        widgets = [cloudwatch.AlarmWidget(alarm=alarm, width=8) for alarm in self.alarms]
        for row in range(0, len(widgets), 3):
            dashboard.add_widgets(*widgets[row : row + 3])
