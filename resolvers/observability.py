"""Powertools Logger and Tracer, and the metrics namespace: the one place that configures them."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Tracer

logger = Logger(service="potluck")
tracer = Tracer(service="potluck")
# Metrics are emitted one at a time (`single_metric`) and only for rare events: Lambda already
# reports invocations, errors and durations, and an always-on Metrics object would warn on
# every invocation that records nothing.
METRICS_NAMESPACE = "Potluck"
