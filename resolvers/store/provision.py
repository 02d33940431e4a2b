"""Create the DynamoDB tables from the shared definitions, for local backends and tests.

The cloud gets the same tables from infra/; this is the local path to the same shape.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from resolvers.store.tables import ALL_TABLES, STREAM_SPECIFICATION, TABLE_SETTINGS

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def create_tables(client: DynamoDBClient, prefix: str) -> dict[str, str]:
    """Create any missing table; return the settings field → physical table name."""
    existing = set(client.list_tables().get("TableNames", []))
    names: dict[str, str] = {}
    for table in ALL_TABLES:
        name = f"{prefix}-{table.logical_name}"
        if name not in existing:
            client.create_table(**table.create_table_kwargs(name))
            client.get_waiter("table_exists").wait(TableName=name)
        else:
            _enable_stream(client, name)
        names[TABLE_SETTINGS[table.logical_name]] = name
    return names


def _enable_stream(client: DynamoDBClient, name: str) -> None:
    """Turn the stream on for a table saved before tables had one."""
    stream = client.describe_table(TableName=name)["Table"].get("StreamSpecification", {})
    if not stream.get("StreamEnabled"):
        client.update_table(TableName=name, StreamSpecification=STREAM_SPECIFICATION)  # type: ignore[arg-type]
