"""Checks only a real AWS account can settle; `scripts/smoke` runs them after the e2e suite.

Not named `test_*`: the offline suite never collects it, scripts/smoke passes it explicitly.
Each check pins a behaviour the local look-alikes assume without proof.
"""

from __future__ import annotations

import os
import time

import boto3
import pytest

from infra.config import API_KEY_MAX_DAYS, stage_config
from resolvers.store.migrate import _LOCK


@pytest.fixture(scope="module")
def stack_resources() -> dict[str, tuple[str, str]]:
    """Logical id -> (type, physical id) of the deployed stack."""
    cloudformation = boto3.client("cloudformation", region_name=os.environ["POTLUCK_E2E_REGION"])
    paginator = cloudformation.get_paginator("list_stack_resources")
    return {
        item["LogicalResourceId"]: (item["ResourceType"], item["PhysicalResourceId"])
        for page in paginator.paginate(StackName=os.environ["POTLUCK_E2E_STACK"])
        for item in page["StackResourceSummaries"]
    }


def _one(resources: dict[str, tuple[str, str]], resource_type: str, prefix: str = "") -> str:
    (found,) = [
        physical
        for logical, (kind, physical) in resources.items()
        if kind == resource_type and logical.startswith(prefix)
    ]
    return found


@pytest.fixture(scope="module")
def data_api(stack_resources):
    """Run one statement through the real Data API, inside a transaction as the migrator does."""
    region = os.environ["POTLUCK_E2E_REGION"]
    cluster_id = _one(stack_resources, "AWS::RDS::DBCluster")
    cluster_arn = boto3.client("rds", region_name=region).describe_db_clusters(
        DBClusterIdentifier=cluster_id
    )["DBClusters"][0]["DBClusterArn"]
    secret_arn = _one(stack_resources, "AWS::SecretsManager::SecretTargetAttachment")
    client = boto3.client("rds-data", region_name=region)
    target = {"resourceArn": cluster_arn, "secretArn": secret_arn}

    def run(sql: str, **params: int) -> dict:
        tx = client.begin_transaction(**target, database="potluck")["transactionId"]
        try:
            return client.execute_statement(
                **target,
                database="potluck",
                transactionId=tx,
                sql=sql,
                parameters=[{"name": k, "value": {"longValue": v}} for k, v in params.items()],
            )
        finally:
            client.rollback_transaction(**target, transactionId=tx)

    return run, client


def test_the_data_api_accepts_the_migration_lock_statement(data_api):
    # The migrations custom resource runs this on every deploy; a refusal would roll it back.
    run, _ = data_api
    assert run(_LOCK, key=7_302_011)["records"] == [[{"longValue": 1}]]


def test_the_data_api_refuses_a_void_result_as_the_local_endpoint_does(data_api):
    # devserver/backends/data_api/unsupported.py refuses `void` by inference: if this fails,
    # AWS accepts it and the local endpoint is stricter than the cloud; relax it there.
    run, client = data_api
    with pytest.raises(client.exceptions.UnsupportedResultException):
        run("SELECT pg_advisory_xact_lock(:key)", key=7_302_099)


def test_the_renewal_may_update_the_api_key_and_keeps_it_within_appsync_limits(stack_resources):
    # GIVEN the renewal function (its IAM resource, the API, is UNCONFIRMED offline)
    region = os.environ["POTLUCK_E2E_REGION"]
    function = _one(stack_resources, "AWS::Lambda::Function", "ApiApiKeyRenewal")
    # WHEN it runs now
    response = boto3.client("lambda", region_name=region).invoke(FunctionName=function)
    # THEN it succeeded, and the key expires as far ahead as the stage says, not further
    assert "FunctionError" not in response, response["Payload"].read()
    api_id = _one(stack_resources, "AWS::AppSync::GraphQLApi")
    keys = boto3.client("appsync", region_name=region).list_api_keys(apiId=api_id.split("/")[-1])
    days_left = [(key["expires"] - time.time()) / 86_400 for key in keys["apiKeys"]]
    validity = stage_config(os.environ["POTLUCK_E2E_STAGE"]).api_key_expiry_days or 0
    assert days_left
    assert all(validity - 1 <= days <= min(validity, API_KEY_MAX_DAYS) for days in days_left)


def test_waf_guards_the_api_where_the_stage_asks(stack_resources):
    stage = stage_config(os.environ["POTLUCK_E2E_STAGE"])
    api_arn = _one(stack_resources, "AWS::AppSync::GraphQLApi")
    waf = boto3.client("wafv2", region_name=os.environ["POTLUCK_E2E_REGION"])
    acl = waf.get_web_acl_for_resource(ResourceArn=api_arn).get("WebACL")
    assert (acl is not None) is (stage.waf is not None)
