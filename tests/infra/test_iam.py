"""Least privilege: no wildcard actions on data services; each Lambda reaches only its own data."""

from __future__ import annotations

from devserver.wiring import load_wiring
from infra.config import MIGRATE_HANDLER, POST_CONFIRMATION_HANDLER, WIRING_PATH
from resolvers.store.tables import PROFILES, TABLE_SETTINGS
from tests.infra.cfn import refs

API_HANDLER = load_wiring(WIRING_PATH).functions["api"].handler
DATA_SERVICES = {"dynamodb", "rds", "rds-data", "secretsmanager", "kms"}
READ_ACTIONS = {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan"}


def _as_list(value):
    return value if isinstance(value, list) else [value]


def _all_statements(stack):
    for policy in stack.of_type("AWS::IAM::Policy").values():
        yield from policy["Properties"]["PolicyDocument"]["Statement"]
    for role in stack.of_type("AWS::IAM::Role").values():
        for inline in role["Properties"].get("Policies", []):
            yield from inline["PolicyDocument"]["Statement"]


def _reach(statements, service):
    """Actions and referenced resource ids of the statements about one service."""
    actions, resources = set(), set()
    for statement in statements:
        mine = {a for a in _as_list(statement["Action"]) if a.startswith(f"{service}:")}
        if mine:
            actions |= mine
            resources |= refs(statement["Resource"])
    return actions, resources


def _ids(stack, resource_type):
    return set(stack.of_type(resource_type))


def test_no_statement_grants_wildcard_actions_on_data_services(stack):
    for statement in _all_statements(stack):
        for action in _as_list(statement["Action"]):
            service = action.split(":")[0]
            assert action != "*"
            assert not (service in DATA_SERVICES and "*" in action), action


def test_the_resolver_lambda_reaches_only_its_tables_cluster_and_secrets(stack):
    # GIVEN the resolver Lambda's permissions
    function_id, _ = stack.function(API_HANDLER)
    statements = stack.statements(function_id)
    cluster_id, _ = stack.one("AWS::RDS::DBCluster")

    # THEN DynamoDB means the stack's tables (and their indexes), nothing else
    _, tables = _reach(statements, "dynamodb")
    assert tables == _ids(stack, "AWS::DynamoDB::GlobalTable")
    # ... the Data API means this cluster ...
    _, clusters = _reach(statements, "rds-data")
    assert clusters == {cluster_id}
    # ... and secrets mean the cluster's and the pagination key, the ones its settings name
    environment = stack.resources[function_id]["Properties"]["Environment"]["Variables"]
    _, secrets = _reach(statements, "secretsmanager")
    assert secrets == {
        environment["DB_SECRET_ARN"]["Ref"],
        environment["PAGINATION_SECRET_ARN"]["Ref"],
    }
    # ... S3 means the photo bucket (tests/infra/test_photos.py checks the prefixes) ...
    _, buckets = _reach(statements, "s3")
    assert buckets == _ids(stack, "AWS::S3::Bucket")
    # ... and nothing beyond those, its own logs and X-Ray
    services = {a.split(":")[0] for s in statements for a in _as_list(s["Action"])}
    assert services == {"dynamodb", "rds-data", "secretsmanager", "s3", "logs", "xray"}


def test_the_post_confirmation_trigger_only_writes_profiles(stack):
    function_id, function = stack.function(POST_CONFIRMATION_HANDLER)
    statements = stack.statements(function_id)
    profiles_ref = function["Properties"]["Environment"]["Variables"][
        TABLE_SETTINGS[PROFILES.logical_name].upper()
    ]

    actions, tables = _reach(statements, "dynamodb")
    assert tables == {profiles_ref["Ref"]}
    assert "dynamodb:PutItem" in actions
    assert not actions & READ_ACTIONS
    services = {a.split(":")[0] for s in statements for a in _as_list(s["Action"])}
    assert services == {"dynamodb", "logs", "xray"}


def test_the_migrations_lambda_reaches_only_the_cluster_and_its_secret(stack):
    function_id, _ = stack.function(MIGRATE_HANDLER)
    statements = stack.statements(function_id)
    cluster_id, _ = stack.one("AWS::RDS::DBCluster")

    assert _reach(statements, "rds-data")[1] == {cluster_id}
    assert _reach(statements, "secretsmanager")[1] == _ids(
        stack, "AWS::SecretsManager::SecretTargetAttachment"
    )
    services = {a.split(":")[0] for s in statements for a in _as_list(s["Action"])}
    assert services == {"rds-data", "secretsmanager", "logs", "xray"}
