"""Stream consumers: event source mappings from the wiring, DLQs, SES identity and least privilege."""

from __future__ import annotations

import json
from email.utils import parseaddr

from infra.config import WIRING_PATH
from infra.functions import settings_keys
from resolvers.settings import SearchSettings, WelcomeSettings
from tests.infra.cfn import refs
from wiring import load_wiring

WIRING = load_wiring(WIRING_PATH)
SOURCES = {s.function: s for s in WIRING.event_sources if s.kind == "dynamodb_stream"}


def _actions(statements):
    found = set()
    for statement in statements:
        actions = statement["Action"]
        found |= {actions} if isinstance(actions, str) else set(actions)
    return found


def _mapping_for(stack, function_id):
    (mapping,) = [
        m["Properties"]
        for m in stack.of_type("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == {"Ref": function_id}
    ]
    return mapping


def test_each_event_source_is_a_mapping_with_the_wiring_settings_and_a_dlq(stack):
    for name, source in SOURCES.items():
        # GIVEN a consumer function declared in the wiring
        function_id, _ = stack.function(WIRING.functions[name].handler)
        # WHEN its event source mapping is read
        mapping = _mapping_for(stack, function_id)
        # THEN it carries the wiring's batching, retries, bisection, age limit and filters
        assert mapping["BatchSize"] == source.batch_size
        assert mapping["StartingPosition"] == source.starting_position
        assert mapping["MaximumRetryAttempts"] == source.maximum_retry_attempts
        assert mapping["BisectBatchOnFunctionError"] is True
        assert mapping["MaximumRecordAgeInSeconds"] == source.maximum_record_age_seconds
        assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        patterns = [json.loads(f["Pattern"]) for f in mapping["FilterCriteria"]["Filters"]]
        assert patterns == list(source.filters)
        # AND it reads the declared table's stream, and sends failures to an encrypted queue
        table_id = mapping["EventSourceArn"]["Fn::GetAtt"][0]
        assert table_id.startswith(f"Tables{source.resource.capitalize()}")
        queue_id = mapping["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"][0]
        queue = stack.resources[queue_id]
        assert queue["Type"] == "AWS::SQS::Queue"
        assert queue["Properties"]["SqsManagedSseEnabled"] is True


def test_the_welcome_filter_lets_only_inserts_through(stack):
    # GIVEN the welcome function's mapping
    function_id, _ = stack.function(WIRING.functions["welcome_email"].handler)
    (pattern,) = _mapping_for(stack, function_id)["FilterCriteria"]["Filters"]
    # THEN only INSERT events invoke it: updates and deletes never do
    assert json.loads(pattern["Pattern"]) == {"eventName": ["INSERT"]}


def test_the_sender_identity_comes_from_the_stage_and_is_the_only_one_the_function_may_use(stack):
    # GIVEN the stage's welcome sender
    address = parseaddr(stack.stage.welcome_sender)[1]
    identity_id, identity = stack.one("AWS::SES::EmailIdentity")
    assert identity["Properties"]["EmailIdentity"] == address
    function_id, function = stack.function(WIRING.functions["welcome_email"].handler)
    statements = stack.statements(function_id)
    # WHEN its SES permissions are read
    ses = [s for s in statements if "ses:SendEmail" in _actions([s])]
    # THEN it may send only as that identity, and nothing else in SES
    (statement,) = ses
    assert statement["Action"] == "ses:SendEmail"
    assert ":identity/" in json.dumps(statement["Resource"])
    assert refs(statement["Resource"]) == {identity_id}
    assert not {a for a in _actions(statements) if a.startswith("ses:")} - {"ses:SendEmail"}
    # AND its environment is exactly what its settings read
    own = {k for k in function["Properties"]["Environment"]["Variables"] if "POWERTOOLS" not in k}
    assert own == settings_keys(WelcomeSettings)


def test_the_consumers_get_only_what_they_use(stack):
    # GIVEN the two consumers' IAM statements
    search_id, search = stack.function(WIRING.functions["search_indexer"].handler)
    welcome_id, _ = stack.function(WIRING.functions["welcome_email"].handler)
    search_actions = _actions(stack.statements(search_id))
    welcome_actions = _actions(stack.statements(welcome_id))
    # THEN the indexer reaches Aurora through the Data API and writes no DynamoDB item
    assert "rds-data:ExecuteStatement" in search_actions
    assert not {a for a in search_actions if a.startswith("dynamodb:") and "Item" in a}
    assert not {a for a in search_actions if a.startswith("ses:")}
    # AND the welcome function updates items only (its ledger) and never touches the database
    assert {a for a in welcome_actions if "Item" in a} == {"dynamodb:UpdateItem"}
    assert not {a for a in welcome_actions if a.startswith("rds-data:")}
    own = {k for k in search["Properties"]["Environment"]["Variables"] if "POWERTOOLS" not in k}
    assert own == settings_keys(SearchSettings)


def test_consumers_are_not_appsync_data_sources(stack):
    # GIVEN the AppSync data sources
    sources = stack.of_type("AWS::AppSync::DataSource").values()
    targets = {json.dumps(s["Properties"]["LambdaConfig"]["LambdaFunctionArn"]) for s in sources}
    # THEN neither consumer can be invoked by AppSync
    for name in SOURCES:
        function_id, _ = stack.function(WIRING.functions[name].handler)
        assert not any(function_id in target for target in targets)
