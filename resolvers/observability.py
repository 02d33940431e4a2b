"""Powertools Logger, Tracer and Metrics: the one place that configures them."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger(service="potluck")
tracer = Tracer(service="potluck")
metrics = Metrics(namespace="Potluck", service="potluck")
