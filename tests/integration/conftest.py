"""Fixtures for integration tests against real local backends."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest
from mypy_boto3_rds_data import RDSDataServiceClient

from resolvers.store.data_api import DataApi
from resolvers.store.migrate import migrate
from tests.support.stack import AppStack

EXECUTE_STATEMENT = "before-call.rds-data.ExecuteStatement"


@pytest.fixture(scope="session")
def data_api(app_stack: AppStack, data_api_client: RDSDataServiceClient) -> DataApi:
    """The Data API adapter over the plain test client (so `statements` sees every call)."""
    env = app_stack.backends.env
    db = DataApi(
        data_api_client,
        resource_arn=env["DB_CLUSTER_ARN"],
        secret_arn=env["DB_SECRET_ARN"],
        database=env["DB_NAME"],
    )
    migrate(db)
    return db


@pytest.fixture
def statements(data_api_client: RDSDataServiceClient) -> Iterator[list[str]]:
    """The SQL of every ExecuteStatement call made while the test runs."""
    seen: list[str] = []

    def record(params: dict[str, str], **_: object) -> None:
        seen.append(json.loads(params["body"])["sql"])

    data_api_client.meta.events.register(EXECUTE_STATEMENT, record)
    yield seen
    data_api_client.meta.events.unregister(EXECUTE_STATEMENT, record)


def new_recipe_id() -> str:
    return f"recipe-{uuid.uuid4()}"
