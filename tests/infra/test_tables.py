"""The DynamoDB tables are the shared definitions, built for production use."""

from __future__ import annotations

import pytest

from infra.config import WIRING_PATH
from resolvers.store.tables import ALL_TABLES, TABLE_SETTINGS
from wiring import load_wiring

API_HANDLER = load_wiring(WIRING_PATH).functions["api"].handler


def _by_name(kwargs_list):
    return sorted(kwargs_list, key=lambda item: item["IndexName"])


def _table_for(stack, logical_name):
    """The table the resolver Lambda knows under the definition's settings key."""
    _, function = stack.function(API_HANDLER)
    variable = TABLE_SETTINGS[logical_name].upper()
    reference = function["Properties"]["Environment"]["Variables"][variable]
    return stack.resources[reference["Ref"]]


def test_there_is_one_table_per_definition(stack):
    assert len(stack.of_type("AWS::DynamoDB::GlobalTable")) == len(ALL_TABLES)
    assert not stack.of_type("AWS::DynamoDB::Table")


@pytest.mark.parametrize("definition", ALL_TABLES, ids=lambda d: d.logical_name)
def test_keys_and_indexes_match_the_shared_definition(stack, definition):
    # GIVEN what the local backends create from the same definition
    expected = definition.create_table_kwargs("unused")

    # WHEN we look at the table the Lambda is told about
    table = _table_for(stack, definition.logical_name)["Properties"]

    # THEN keys, attribute types and indexes (with projections) are the same
    assert table["KeySchema"] == expected["KeySchema"]
    assert sorted(table["AttributeDefinitions"], key=str) == sorted(
        expected["AttributeDefinitions"], key=str
    )
    assert _by_name(table.get("GlobalSecondaryIndexes", [])) == _by_name(
        expected.get("GlobalSecondaryIndexes", [])
    )
    # CDK names the table; the Lambdas learn the name from their environment
    assert "TableName" not in table


@pytest.mark.parametrize("definition", ALL_TABLES, ids=lambda d: d.logical_name)
def test_tables_are_on_demand_with_streams_and_point_in_time_recovery(stack, definition):
    table = _table_for(stack, definition.logical_name)
    props = table["Properties"]
    (replica,) = props["Replicas"]

    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert replica["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    # Prod keeps its data; dev stacks are disposable
    assert replica["DeletionProtectionEnabled"] is stack.stage.protect_data
    assert table["DeletionPolicy"] == ("Retain" if stack.stage.protect_data else "Delete")
