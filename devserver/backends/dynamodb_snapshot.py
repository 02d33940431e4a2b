"""Save and reload DynamoDB tables through the DynamoDB API, as one JSON document.

The snapshot holds what `create_table` needs (keys, attribute definitions, GSIs, LSIs, billing
mode, streams), the TTL setting and every item in DynamoDB's typed JSON, with binary values in
base64. moto keeps nothing on disk, so this is how local data survives a restart.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

FORMAT_VERSION = 1
_BATCH_WRITE_LIMIT = 25


def _encode(value: Any) -> Any:
    """Make one attribute value JSON-safe (binary becomes base64)."""
    ((kind, inner),) = value.items()
    if kind == "B":
        return {"B": base64.b64encode(inner).decode()}
    if kind == "BS":
        return {"BS": [base64.b64encode(b).decode() for b in inner]}
    if kind == "M":
        return {"M": {k: _encode(v) for k, v in inner.items()}}
    if kind == "L":
        return {"L": [_encode(v) for v in inner]}
    return value


def _decode(value: Any) -> Any:
    ((kind, inner),) = value.items()
    if kind == "B":
        return {"B": base64.b64decode(inner)}
    if kind == "BS":
        return {"BS": [base64.b64decode(b) for b in inner]}
    if kind == "M":
        return {"M": {k: _decode(v) for k, v in inner.items()}}
    if kind == "L":
        return {"L": [_decode(v) for v in inner]}
    return value


def _throughput(description: dict[str, Any]) -> dict[str, int]:
    return {
        "ReadCapacityUnits": int(description.get("ReadCapacityUnits") or 1),
        "WriteCapacityUnits": int(description.get("WriteCapacityUnits") or 1),
    }


def _index(index: dict[str, Any], *, provisioned: bool) -> dict[str, Any]:
    definition = {k: index[k] for k in ("IndexName", "KeySchema", "Projection")}
    if provisioned and "ProvisionedThroughput" in index:
        definition["ProvisionedThroughput"] = _throughput(index["ProvisionedThroughput"])
    return definition


def table_definition(client: DynamoDBClient, name: str) -> dict[str, Any]:
    """The `create_table` arguments that rebuild table `name`."""
    return definition_from_description(dict(client.describe_table(TableName=name)["Table"]))


def definition_from_description(table: dict[str, Any]) -> dict[str, Any]:
    """The `create_table` arguments that rebuild a table, from its `DescribeTable` shape."""
    name = table["TableName"]
    billing = table.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED")
    provisioned = billing == "PROVISIONED"
    definition: dict[str, Any] = {
        "TableName": name,
        "KeySchema": table["KeySchema"],
        "AttributeDefinitions": table["AttributeDefinitions"],
        "BillingMode": billing,
    }
    if provisioned:
        definition["ProvisionedThroughput"] = _throughput(table.get("ProvisionedThroughput", {}))
    if table.get("GlobalSecondaryIndexes"):
        definition["GlobalSecondaryIndexes"] = [
            _index(i, provisioned=provisioned) for i in table["GlobalSecondaryIndexes"]
        ]
    if table.get("LocalSecondaryIndexes"):
        definition["LocalSecondaryIndexes"] = [
            _index(i, provisioned=False) for i in table["LocalSecondaryIndexes"]
        ]
    stream = table.get("StreamSpecification")
    if stream and stream.get("StreamEnabled"):
        definition["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": stream["StreamViewType"],
        }
    return definition


def _items(client: DynamoDBClient, name: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": name}
    while True:
        page = client.scan(**kwargs)
        items.extend({k: _encode(v) for k, v in item.items()} for item in page.get("Items", []))
        last = page.get("LastEvaluatedKey")
        if not last:
            return items
        kwargs["ExclusiveStartKey"] = last


def _table_names(client: DynamoDBClient) -> list[str]:
    names: list[str] = []
    kwargs: dict[str, Any] = {}
    while True:
        page = client.list_tables(**kwargs)
        names.extend(page.get("TableNames", []))
        last = page.get("LastEvaluatedTableName")
        if not last:
            return names
        kwargs["ExclusiveStartTableName"] = last


def dump(client: DynamoDBClient) -> dict[str, Any]:
    """Every table's definition, TTL and items."""
    tables = []
    for name in _table_names(client):
        ttl = client.describe_time_to_live(TableName=name).get("TimeToLiveDescription", {})
        tables.append(
            {
                "definition": table_definition(client, name),
                "ttlAttribute": ttl.get("AttributeName")
                if ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING")
                else None,
                "items": _items(client, name),
            }
        )
    return {"version": FORMAT_VERSION, "tables": tables}


def load(client: DynamoDBClient, snapshot: dict[str, Any]) -> None:
    """Recreate the snapshot's tables, replacing existing tables of the same name."""
    existing = set(_table_names(client))
    for table in snapshot["tables"]:
        definition = table["definition"]
        name = definition["TableName"]
        if name in existing:
            client.delete_table(TableName=name)
            client.get_waiter("table_not_exists").wait(TableName=name)
        # The stream starts after the items are back: restoring them is not a write that
        # consumers should see again (they saw the original writes before the snapshot).
        stream = definition.pop("StreamSpecification", None)
        client.create_table(**definition)
        client.get_waiter("table_exists").wait(TableName=name)
        if table.get("ttlAttribute"):
            client.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": table["ttlAttribute"]},
            )
        _put_all(client, name, [{k: _decode(v) for k, v in i.items()} for i in table["items"]])
        if stream:
            client.update_table(TableName=name, StreamSpecification=stream)


def _put_all(client: DynamoDBClient, name: str, items: list[dict[str, Any]]) -> None:
    for start in range(0, len(items), _BATCH_WRITE_LIMIT):
        requests: Any = {
            name: [
                {"PutRequest": {"Item": item}} for item in items[start : start + _BATCH_WRITE_LIMIT]
            ]
        }
        while requests:
            requests = client.batch_write_item(RequestItems=requests).get("UnprocessedItems")


def write(client: DynamoDBClient, path: Path) -> None:
    """Snapshot to `path` through the API (see `write_bytes`)."""
    write_bytes(json.dumps(dump(client), separators=(",", ":")).encode(), path)


def write_bytes(data: bytes, path: Path) -> None:
    """Write a snapshot via a temporary file and a rename, so a crash never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read(client: DynamoDBClient, path: Path) -> None:
    snapshot = json.loads(path.read_text())
    if snapshot.get("version") != FORMAT_VERSION:
        raise ValueError(f"{path}: unsupported snapshot version {snapshot.get('version')!r}")
    load(client, snapshot)
