"""Timestamps in AppSync's AWSDateTime form, from one replaceable clock."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)


def aws_datetime(moment: datetime) -> str:
    """`2026-11-21T09:30:00.123Z`: millisecond precision, always UTC, as AppSync accepts."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
