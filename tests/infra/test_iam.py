"""Least privilege: each function is granted what its code calls, no more, on its own data.

The expected actions come from the code (tests/infra/code_calls.py) and from the event sources
the template attaches to a function, so a function added to the wiring or the stack is checked
without touching this file: a new call without a grant, or a grant without a call, fails.
"""

from __future__ import annotations

import textwrap

import pytest

from infra.config import MIGRATE_HANDLER, POST_CONFIRMATION_HANDLER, REPO_ROOT, WIRING_PATH
from resolvers.store.tables import ALL_TABLES, PROFILES, TABLE_SETTINGS
from tests.infra.cfn import refs
from tests.infra.code_calls import CodeIndex
from wiring import load_wiring

API_HANDLER = load_wiring(WIRING_PATH).functions["api"].handler
DATA_SERVICES = {"dynamodb", "rds", "rds-data", "secretsmanager", "kms"}
READ_ACTIONS = {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan"}
CODE = CodeIndex(REPO_ROOT, "resolvers")
# Every function writes its own log group and sends X-Ray traces (infra/functions.py).
BASELINE = frozenset(
    {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
    }
)
_STREAM_READ = frozenset(
    {
        "dynamodb:DescribeStream",
        "dynamodb:GetRecords",
        "dynamodb:GetShardIterator",
        "dynamodb:ListStreams",
    }
)
# What Lambda's poller needs on the role, by the event source's resource type and attribute.
EVENT_SOURCE_ACTIONS = {
    ("AWS::DynamoDB::GlobalTable", "StreamArn"): _STREAM_READ,
    ("AWS::DynamoDB::Table", "StreamArn"): _STREAM_READ,
    ("AWS::SQS::Queue", "Arn"): frozenset(
        {
            "sqs:ReceiveMessage",
            "sqs:DeleteMessage",
            "sqs:GetQueueAttributes",
            "sqs:ChangeMessageVisibility",
        }
    ),
}
# Where a mapping sends the records it gave up on.
ON_FAILURE_ACTIONS = {
    "AWS::SQS::Queue": frozenset({"sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"}),
    "AWS::SNS::Topic": frozenset({"sns:Publish"}),
}


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


def _event_source_actions(stack, function_id):
    """Actions the template's event source mappings of this function need on its role."""
    needed = set()
    for mapping in stack.of_type("AWS::Lambda::EventSourceMapping").values():
        props = mapping["Properties"]
        if function_id not in refs(props["FunctionName"]):
            continue
        source = props["EventSourceArn"]["Fn::GetAtt"]
        needed |= EVENT_SOURCE_ACTIONS[(stack.resources[source[0]]["Type"], source[1])]
        destination = props.get("DestinationConfig", {}).get("OnFailure", {})
        for target in refs(destination):
            needed |= ON_FAILURE_ACTIONS[stack.resources[target]["Type"]]
    # An asynchronous invoke's on-failure destination (S3 notifications) is written with the
    # function's own role too.
    for config in stack.of_type("AWS::Lambda::EventInvokeConfig").values():
        props = config["Properties"]
        if function_id not in refs(props["FunctionName"]):
            continue
        for target in refs(props.get("DestinationConfig", {}).get("OnFailure", {})):
            needed |= ON_FAILURE_ACTIONS[stack.resources[target]["Type"]]
    return needed


def _stream_sources(stack, function_id):
    """Ids of the tables whose streams feed this function through an event source mapping."""
    return {
        props["EventSourceArn"]["Fn::GetAtt"][0]
        for mapping in stack.of_type("AWS::Lambda::EventSourceMapping").values()
        if function_id in refs((props := mapping["Properties"])["FunctionName"])
        and props["EventSourceArn"]["Fn::GetAtt"][1] == "StreamArn"
    }


def _granted(statements):
    return {action for statement in statements for action in _as_list(statement["Action"])}


def test_each_function_is_granted_exactly_what_its_code_calls(stack):
    for function_id, function in stack.python_functions().items():
        # GIVEN what the function's code calls and what its event sources need
        handler = function["Properties"]["Handler"]
        calls = CODE.required_actions(handler)
        expected = set(calls) | _event_source_actions(stack, function_id) | BASELINE

        # WHEN its role's policies are read
        granted = _granted(stack.statements(function_id))

        # THEN each call has its grant, and each grant a call
        missing = {
            action: sorted({c.where for c in calls.get(action, [])})
            for action in expected - granted
        }
        assert not missing, f"{handler}: calls without a grant: {missing}"
        assert not granted - expected, f"{handler}: grants without a call: {granted - expected}"


def _table_of(where):
    """The table a call site's module serves: its domain package's (resolvers.<table>.*)."""
    parts = where.split(":")[0].split(".")
    names = {table.logical_name for table in ALL_TABLES}
    return parts[1] if len(parts) > 2 and parts[1] in names else None


def _table_actions(calls, table_name):
    """DynamoDB actions called from the table's domain package, plus those of the shared
    helpers in resolvers/store/ (any domain may route its table through them)."""
    dynamo = {action: sites for action, sites in calls.items() if action.startswith("dynamodb:")}
    own = {a for a, sites in dynamo.items() if any(_table_of(s.where) == table_name for s in sites)}
    shared = {a for a, sites in dynamo.items() if any(_table_of(s.where) is None for s in sites)}
    return own | shared if own else set()


def test_each_table_is_granted_what_its_domain_code_calls_on_it(stack):
    for function_id, function in stack.python_functions().items():
        handler = function["Properties"]["Handler"]
        calls = CODE.required_actions(handler)
        statements = stack.statements(function_id)
        for table in ALL_TABLES:
            # GIVEN the DynamoDB calls the function's code makes on this table, and the stream
            # reads Lambda's poller makes when the table's stream feeds the function
            table_id = stack.table_id(table.logical_name)
            expected = _table_actions(calls, table.logical_name)
            if table_id in _stream_sources(stack, function_id):
                expected |= _STREAM_READ
            # WHEN the statements naming the table are read
            granted = {
                action
                for statement in statements
                if table_id in refs(statement["Resource"])
                for action in _as_list(statement["Action"])
            }
            # THEN they are the same
            assert granted == expected, (handler, table.logical_name)


PLANTED = """
    import boto3

    def handler(event: dict, context):
        table = boto3.client("dynamodb")
        event.get("id")  # a dict's get: not a call into our code
        table.delete_item(TableName="t", Key={})
        table.transact_write_items(TransactItems=[{"Put": {}}, {"ConditionCheck": {}}])
        return _notify(event)

    def _notify(event):
        return boto3.client("sesv2").send_email(Content={})

    def unused():
        boto3.client("dynamodb").scan(TableName="t")
"""


def test_the_analysis_finds_a_new_call_and_ignores_code_the_handler_never_reaches(tmp_path):
    # GIVEN a package whose handler deletes an item, writes a transaction and sends mail
    package = tmp_path / "planted"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "handler.py").write_text(textwrap.dedent(PLANTED))

    # WHEN its required actions are derived
    required = CodeIndex(tmp_path, "planted").required_actions("planted.handler.handler")

    # THEN each call is required with its IAM action (transaction items as their own actions),
    # and the scan nothing reaches is not
    assert set(required) == {
        "dynamodb:DeleteItem",
        "dynamodb:PutItem",
        "dynamodb:ConditionCheckItem",
        "ses:SendEmail",
    }
    assert required["ses:SendEmail"][0].where == "planted.handler:12"


@pytest.mark.parametrize("extra", ["dynamodb:Scan", "dynamodb:BatchWriteItem"])
def test_a_grant_without_a_call_would_fail(dev, extra):
    # GIVEN the API function's derived actions and a grant of one more
    function_id, function = dev.function(API_HANDLER)
    expected = set(CODE.required_actions(function["Properties"]["Handler"])) | BASELINE
    granted = _granted(dev.statements(function_id)) | {extra}
    # THEN the comparison the least-privilege test makes tells them apart
    assert granted - expected == {extra}
