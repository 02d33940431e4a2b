"""One way to make a Python Lambda: arm64, X-Ray, Powertools, its own log group and role."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs

from infra.config import LAMBDA_PYTHON_VERSION, SERVICE_NAME, StageConfig
from infra.nag import acknowledge

if TYPE_CHECKING:
    from collections.abc import Mapping

    from constructs import Construct

RUNTIME = getattr(lambda_.Runtime, "PYTHON_" + LAMBDA_PYTHON_VERSION.replace(".", "_"))
METRICS_NAMESPACE = "Potluck"

_RETENTION = {
    1: logs.RetentionDays.ONE_DAY,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    90: logs.RetentionDays.THREE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
}


def retention(days: int) -> logs.RetentionDays:
    """CloudWatch accepts only some retention periods; fail at synth, not at deploy."""
    try:
        return _RETENTION[days]
    except KeyError:
        raise ValueError(f"log retention must be one of {sorted(_RETENTION)} days") from None


def powertools_environment(stage: StageConfig) -> dict[str, str]:
    """Powertools reads these itself; resolvers' Settings never sees them."""
    return {
        "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
        "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
        "POWERTOOLS_LOG_LEVEL": stage.log_level,
        # Responses carry user data (emails, comments); traces should not copy them.
        "POWERTOOLS_TRACER_CAPTURE_RESPONSE": "false",
    }


class SettingsMismatchError(ValueError):
    """A function's environment does not match the settings object its code reads."""


def settings_keys(settings_class: type) -> frozenset[str]:
    """The environment keys a resolvers.settings dataclass reads (its field names, upper-cased)."""
    return frozenset(field.name.upper() for field in fields(settings_class))


def require_keys(environment: Mapping[str, str], expected: frozenset[str], who: str) -> None:
    """Fail the synth, not the first request, when infra and resolvers.settings drift apart."""
    if set(environment) != expected:
        raise SettingsMismatchError(
            f"{who}: environment {sorted(environment)} != settings {sorted(expected)}"
        )


@dataclass(frozen=True)
class FunctionSpec:
    handler: str
    environment: Mapping[str, str]
    memory_mb: int = 256
    timeout_seconds: int = 30
    description: str = ""


def python_function(
    scope: Construct, construct_id: str, spec: FunctionSpec, code: lambda_.Code, stage: StageConfig
) -> lambda_.Function:
    """A function whose role can write only its own log group; callers grant the rest."""
    log_group = logs.LogGroup(
        scope,
        f"{construct_id}Logs",
        retention=retention(stage.log_retention_days),
        removal_policy=RemovalPolicy.RETAIN if stage.protect_data else RemovalPolicy.DESTROY,
    )
    # A role of our own instead of AWSLambdaBasicExecutionRole, which may write to any log group.
    role = iam.Role(
        scope,
        f"{construct_id}Role",
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        description=f"{construct_id}: its own log group, X-Ray, and what the stack grants it",
    )
    log_group.grant_write(role)
    function = lambda_.Function(
        scope,
        construct_id,
        runtime=RUNTIME,
        architecture=lambda_.Architecture.ARM_64,
        handler=spec.handler,
        code=code,
        environment={**powertools_environment(stage), **spec.environment},
        memory_size=spec.memory_mb,
        timeout=Duration.seconds(spec.timeout_seconds),
        tracing=lambda_.Tracing.ACTIVE,
        log_group=log_group,
        role=role,
        description=spec.description,
    )
    acknowledge(
        role,
        "AwsSolutions-IAM5[Resource::*]",
        "X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions.",
    )
    return function
