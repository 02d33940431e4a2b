"""A local RDS Data API endpoint that the unchanged boto3 `rds-data` client can talk to."""

from __future__ import annotations

from devserver.backends.data_api.server import LocalDataApi
from devserver.backends.data_api.service import DataApiConfig

__all__ = ["DataApiConfig", "LocalDataApi"]
