"""Stream consumers from the wiring's event sources: their Lambdas, mappings, DLQs and grants.

Each event source becomes a Lambda event source mapping with the wiring's batch size, filters,
bisect-on-error, bounded retries and record age, partial batch responses, and an SQS queue as
its on-failure destination. Each consumer function is its own Lambda with only what it needs:
the search indexer reaches Aurora through the Data API; the welcome function updates the
profiles table (its send ledger) and may `ses:SendEmail` from the stage's sender identity only.
"""

from __future__ import annotations

import json
from email.utils import parseaddr
from typing import TYPE_CHECKING

from aws_cdk import Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_ses as ses
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.functions import FunctionSpec, python_function, require_keys, settings_keys
from infra.nag import acknowledge
from resolvers.settings import SearchSettings, WelcomeSettings

if TYPE_CHECKING:
    from infra.config import StageConfig
    from infra.data import Database, Tables
    from wiring import EventSource, Wiring

SEARCH_FUNCTION = "search_indexer"
WELCOME_FUNCTION = "welcome_email"
DLQ_RETENTION = Duration.days(14)  # SQS's longest: time to look at what failed, and replay it


class EventsError(ValueError):
    """The wiring's event sources ask for something this stack cannot deploy."""


class EventConsumers(Construct):
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
    ) -> None:
        super().__init__(scope, construct_id)
        self._stage = stage
        self._tables = tables
        self.sender_identity = ses.EmailIdentity(
            self, "WelcomeSender", identity=ses.Identity.email(sender_address(stage))
        )
        self.functions: dict[str, lambda_.Function] = {}
        self.dead_letter_queues: dict[str, sqs.Queue] = {}
        # S3 notifications have their own construct (infra/photos.py).
        streams = [source for source in wiring.event_sources if source.kind == "dynamodb_stream"]
        consumers = {source.function for source in streams}
        for name in sorted(consumers):
            function = self._function(name, wiring, code, tables, database)
            # As for resolvers: new consumer code runs only against the schema it was written
            # for (expand/contract, see the README's "Migrations").
            function.node.add_dependency(database.migrations)
            self.functions[name] = function
        for source in streams:
            self._map(source)

    def _function(
        self, name: str, wiring: Wiring, code: lambda_.Code, tables: Tables, database: Database
    ) -> lambda_.Function:
        config = wiring.functions[name]
        if name == SEARCH_FUNCTION:
            environment = {**tables.environment("recipes"), **database.environment}
            require_keys(environment, settings_keys(SearchSettings), name)
        elif name == WELCOME_FUNCTION:
            environment = {
                **tables.environment("profiles"),
                "WELCOME_SENDER": self._stage.welcome_sender,
            }
            require_keys(environment, settings_keys(WelcomeSettings), name)
        else:
            raise EventsError(f"no deployment recipe for event consumer {name!r}")
        fn = python_function(
            self,
            f"{_camel(name)}Function",
            FunctionSpec(
                handler=config.handler,
                environment=environment,
                memory_mb=config.memory_mb,
                timeout_seconds=config.timeout_seconds,
                description=f"Stream consumer ({name})",
            ),
            code,
            self._stage,
        )
        if name == SEARCH_FUNCTION:
            # Every index write is one statement, guarded by the version; no transactions.
            database.grant_data_api(fn, transactions=False)
        else:
            # The send ledger is a conditional UpdateItem on the new user's profile item.
            tables.by_name["profiles"].grant(fn, "dynamodb:UpdateItem")
            fn.add_to_role_policy(
                iam.PolicyStatement(
                    actions=["ses:SendEmail"],
                    resources=[
                        Stack.of(self).format_arn(
                            service="ses",
                            resource="identity",
                            resource_name=self.sender_identity.email_identity_name,
                        )
                    ],
                )
            )
        return fn

    def _map(self, source: EventSource) -> None:
        if source.kind != "dynamodb_stream":
            raise EventsError(f"event source kind {source.kind!r} is not deployable yet")
        fn = self.functions[source.function]
        queue = sqs.Queue(
            self,
            f"{_camel(source.function)}{_camel(source.resource)}FailedBatches",
            retention_period=DLQ_RETENTION,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
        )
        acknowledge(
            queue,
            "AwsSolutions-SQS3",
            "This queue is itself the on-failure destination of a stream mapping.",
        )
        self.dead_letter_queues[source.name] = queue
        fn.add_event_source(
            sources.DynamoEventSource(
                self._tables.by_name[source.resource],
                starting_position=lambda_.StartingPosition[source.starting_position],
                batch_size=source.batch_size,
                bisect_batch_on_error=source.bisect_batch_on_error,
                retry_attempts=source.maximum_retry_attempts,
                max_record_age=(
                    Duration.seconds(source.maximum_record_age_seconds)
                    if source.maximum_record_age_seconds >= 0
                    else None
                ),
                max_batching_window=Duration.seconds(source.maximum_batching_window_seconds),
                report_batch_item_failures=source.report_batch_item_failures,
                on_failure=sources.SqsDlq(queue) if source.on_failure == "sqs" else None,
                filters=[
                    lambda_.FilterCriteria.filter(dict(pattern)) for pattern in source.filters
                ],
            )
        )
        assert fn.role is not None  # noqa: S101 - python_function always gives one
        acknowledge(
            fn.role,
            "AwsSolutions-IAM5[Resource::*]",
            "dynamodb:ListStreams has no resource-level permissions (CDK's stream grant).",
        )


def sender_address(stage: StageConfig) -> str:
    address = parseaddr(stage.welcome_sender)[1]
    if "@" not in address:
        raise EventsError(f"welcome_sender {stage.welcome_sender!r} has no e-mail address")
    return address


def filter_json(source: EventSource) -> list[str]:
    """The filter patterns as the mapping's FilterCriteria carries them."""
    return [json.dumps(pattern, separators=(",", ":")) for pattern in source.filters]


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))
