"""The daily API key renewal: pushes the expiry out to the validity from now, and reports it."""

from __future__ import annotations

import json
import time

import boto3
import pytest
from moto import mock_aws

from resolvers.ops import api_key_renewal
from tests.support.events import FakeLambdaContext


@pytest.fixture
def appsync_key(monkeypatch):
    """An AppSync API with a key that expires in two days, in moto."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = boto3.client("appsync")
        api_id = client.create_graphql_api(name="potluck", authenticationType="API_KEY")[
            "graphqlApi"
        ]["apiId"]
        key_id = client.create_api_key(apiId=api_id, expires=int(time.time()) + 2 * 86_400)[
            "apiKey"
        ]["id"]
        monkeypatch.setenv("GRAPHQL_API_ID", api_id)
        monkeypatch.setenv("API_KEY_ID", key_id)
        monkeypatch.setenv("API_KEY_VALIDITY_DAYS", "30")
        # As infra/functions.py sets it for every function: Powertools adds it as a dimension
        monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "potluck")
        api_key_renewal._appsync.cache_clear()  # a fresh client inside moto
        yield client, api_id
        api_key_renewal._appsync.cache_clear()


def test_renewal_pushes_the_expiry_out_and_reports_the_days_left(appsync_key, capsys) -> None:
    # GIVEN a key that expires in two days
    client, api_id = appsync_key

    # WHEN the daily renewal runs
    result = api_key_renewal.handler({}, FakeLambdaContext())

    # THEN the key now expires 30 days from now, on the hour
    (key,) = client.list_api_keys(apiId=api_id)["apiKeys"]
    assert abs(key["expires"] - (time.time() + 30 * 86_400)) < 3_600
    assert key["expires"] % 3_600 == 0
    # ... and the days left reach CloudWatch as the metric the expiry alarm watches
    assert 29 < result["daysLeft"] <= 30
    metrics = [
        json.loads(line)
        for line in capsys.readouterr().out.splitlines()
        if api_key_renewal.DAYS_LEFT_METRIC in line and "_aws" in line
    ]
    (metric,) = metrics
    assert 29 < metric[api_key_renewal.DAYS_LEFT_METRIC][0] <= 30
    # ... with the service dimension infra/monitoring.py's alarm names
    assert metric["service"] == "potluck"
