"""Where the local event sources keep their state, and how often they are polled."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path


@dataclass(frozen=True)
class EventsConfig:
    """Where the local event sources live and how often they are polled.

    - `state_dir` keeps the stream checkpoints and the failed batches (`failed/`).
    - A resource the wiring names (a table) is `resource_prefix + name` locally.
    - Polling backs off from `poll_interval_seconds` to `idle_poll_interval_seconds` while
      nothing arrives; Lambda polls a shard about four times a second.
    """

    state_dir: Path
    dynamodb_endpoint_url: str
    resource_prefix: str = ""
    # Where the local S3 and the SQS queue its notifications go to live (the same moto server).
    s3_endpoint_url: str = ""
    poll_interval_seconds: float = 0.25
    idle_poll_interval_seconds: float = 1.0
