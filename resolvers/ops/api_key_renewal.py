"""Scheduled daily: push the public API key's expiry out again, and report the days it has left.

An AppSync API key expires at most 365 days after it was set, and only a deploy sets it: a stage
nobody deploys for a while would lose its public access. This function renews the key every day;
if it stops working, the `ApiKeyDaysLeft` metric stops too, and its alarm (missing data counts as
breaching) says so long before the key expires.
"""

from __future__ import annotations

import time
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from botocore.config import Config

from resolvers.observability import METRICS_NAMESPACE, logger
from resolvers.settings import ApiKeyRenewalSettings

DAYS_LEFT_METRIC = "ApiKeyDaysLeft"
_DAY_S = 86_400
_HOUR_S = 3_600


@cache
def _appsync() -> Any:
    return boto3.Session().client("appsync", config=Config(retries={"mode": "standard"}))


def next_expiry(now_s: float, validity_days: int) -> int:
    """AppSync rounds expiries down to the hour; send it already rounded."""
    return int(now_s + validity_days * _DAY_S) // _HOUR_S * _HOUR_S


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    del event, context
    settings = ApiKeyRenewalSettings.from_env()
    now = time.time()
    response = _appsync().update_api_key(
        apiId=settings.graphql_api_id,
        id=settings.api_key_id,
        expires=next_expiry(now, int(settings.api_key_validity_days)),
    )
    days_left = (int(response["apiKey"]["expires"]) - now) / _DAY_S
    with single_metric(
        name=DAYS_LEFT_METRIC, unit=MetricUnit.Count, value=days_left, namespace=METRICS_NAMESPACE
    ):
        pass
    logger.info("api key renewed", extra={"days_left": round(days_left, 1)})
    return {"daysLeft": days_left}
