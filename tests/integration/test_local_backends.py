"""Starting, stopping and persisting the local backends."""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
import uuid
from pathlib import Path

import boto3
import psycopg
import pytest
from botocore.config import Config

from devserver.backends.clients import local_client
from devserver.backends.dynamodb import LocalDynamoDB
from devserver.backends.postgres import LocalPostgres
from devserver.backends.stack import CLUSTER_ARN, DB_NAME, SECRET_ARN, LocalBackends


@pytest.fixture
def scratch():
    """A directory PostgreSQL's own system user can reach (pytest's tmp_path is 0700)."""
    path = Path(tempfile.mkdtemp(prefix="potluck-test-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


ITEMS = [
    {
        "pk": {"S": "recipe#1"},
        "sk": {"S": "meta"},
        "author": {"S": "ana"},
        "created": {"S": "2026-01-01T00:00:00.000Z"},
        "servings": {"N": "4"},
        "photo": {"B": b"\x89PNG\x00\xff"},
        "tags": {"SS": ["soup", "vegan"]},
        "scores": {"NS": ["1", "2.5"]},
        "blobs": {"BS": [b"\x00", b"\x01"]},
        "ingredients": {"L": [{"M": {"name": {"S": "leek"}, "raw": {"B": b"\x02"}}}]},
        "draft": {"BOOL": False},
        "note": {"NULL": True},
        "expires": {"N": "4102444800"},
    },
    {
        "pk": {"S": "recipe#2"},
        "sk": {"S": "meta"},
        "author": {"S": "ana"},
        "created": {"S": "2026-01-02T00:00:00.000Z"},
    },
]


def _create_tables(client, prefix: str) -> tuple[str, str]:
    recipes, counters = f"{prefix}-recipes", f"{prefix}-counters"
    client.create_table(
        TableName=recipes,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "author", "AttributeType": "S"},
            {"AttributeName": "created", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "byAuthor",
                "KeySchema": [
                    {"AttributeName": "author", "KeyType": "HASH"},
                    {"AttributeName": "created", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    client.update_time_to_live(
        TableName=recipes, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"}
    )
    client.create_table(
        TableName=counters,
        BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 3, "WriteCapacityUnits": 2},
        KeySchema=[{"AttributeName": "name", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "name", "AttributeType": "S"}],
    )
    for item in ITEMS:
        client.put_item(TableName=recipes, Item=item)
    client.put_item(TableName=counters, Item={"name": {"S": "views"}, "n": {"N": "7"}})
    return recipes, counters


def _shape(client, name: str) -> dict:
    table = client.describe_table(TableName=name)["Table"]
    return {
        "keys": table["KeySchema"],
        "attributes": sorted(table["AttributeDefinitions"], key=lambda a: a["AttributeName"]),
        "billing": table.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED"),
        "throughput": (
            table["ProvisionedThroughput"]["ReadCapacityUnits"],
            table["ProvisionedThroughput"]["WriteCapacityUnits"],
        ),
        "gsis": [
            (g["IndexName"], g["KeySchema"], g["Projection"])
            for g in table.get("GlobalSecondaryIndexes", [])
        ],
        "stream": table.get("StreamSpecification"),
        "ttl": client.describe_time_to_live(TableName=name)["TimeToLiveDescription"].get(
            "AttributeName"
        ),
    }


def _items(client, name: str) -> list:
    return sorted(client.scan(TableName=name)["Items"], key=lambda i: json.dumps(i, default=str))


def test_dynamodb_snapshot_restores_tables_indexes_and_items(local_backends, tmp_path):
    # GIVEN tables with a GSI, a stream, TTL, provisioned billing and items of every type
    source = local_backends.dynamodb.client()
    recipes, counters = _create_tables(source, f"snap-{uuid.uuid4().hex[:8]}")
    snapshot = tmp_path / "state" / "dynamodb.json"

    # WHEN they are snapshotted and restored into a fresh DynamoDB
    local_backends.dynamodb.snapshot(snapshot)
    with LocalDynamoDB() as fresh:
        fresh.restore(snapshot)
        target = fresh.client()

        # THEN definitions, items and the GSI's contents match the original
        for name in (recipes, counters):
            assert _shape(target, name) == _shape(source, name)
            assert _items(target, name) == _items(source, name)
        by_author = target.query(
            TableName=recipes,
            IndexName="byAuthor",
            KeyConditionExpression="author = :a",
            ExpressionAttributeValues={":a": {"S": "ana"}},
            ScanIndexForward=False,
        )["Items"]
        assert [i["pk"]["S"] for i in by_author] == ["recipe#2", "recipe#1"]
    # AND the snapshot was written in place, leaving no temporary file behind
    assert [p.name for p in snapshot.parent.iterdir()] == ["dynamodb.json"]


def test_restore_replaces_tables_of_the_same_name(tmp_path):
    # GIVEN a snapshot of a table, and the same table since changed
    with LocalDynamoDB() as dynamodb:
        client = dynamodb.client()
        recipes, _ = _create_tables(client, "replace")
        dynamodb.snapshot(tmp_path / "dynamodb.json")
        client.delete_item(TableName=recipes, Key={"pk": {"S": "recipe#1"}, "sk": {"S": "meta"}})
        client.put_item(TableName=recipes, Item={"pk": {"S": "new"}, "sk": {"S": "x"}})

        # WHEN the snapshot is restored over it
        dynamodb.restore(tmp_path / "dynamodb.json")

        # THEN the table holds exactly the snapshot's items
        assert sorted(i["pk"]["S"] for i in client.scan(TableName=recipes)["Items"]) == [
            "recipe#1",
            "recipe#2",
        ]


def test_postgres_keeps_data_across_restarts(scratch):
    # GIVEN a persistent PostgreSQL with a committed row
    data_dir = scratch / "pg"
    postgres = LocalPostgres(data_dir, database="app")
    with postgres, psycopg.connect(postgres.uri, autocommit=True) as conn:
        conn.execute("CREATE TABLE kept (v text)")
        conn.execute("INSERT INTO kept VALUES ('still here')")

    # WHEN it is stopped and started again
    with postgres, psycopg.connect(postgres.uri) as conn:
        # THEN the row is still there
        assert conn.execute("SELECT v FROM kept").fetchall() == [("still here",)]
    assert data_dir.exists()


def test_throwaway_postgres_deletes_its_data(scratch):
    # GIVEN a non-persistent PostgreSQL that has run
    data_dir = scratch / "pg"
    with (
        LocalPostgres(data_dir, keep_data=False) as postgres,
        psycopg.connect(postgres.uri) as conn,
    ):
        assert conn.execute("SELECT current_database()").fetchone() == ("potluck",)

    # WHEN it has stopped
    # THEN its data directory is gone
    assert not data_dir.exists()


def test_persistent_stack_survives_restart(scratch):
    # GIVEN a persistent stack with a DynamoDB item and a PostgreSQL row
    root = scratch / ".local"
    with LocalBackends(root, persistent=True) as stack:
        dynamodb = stack.dynamodb.client()
        dynamodb.create_table(
            TableName="kept",
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        )
        dynamodb.put_item(TableName="kept", Item={"id": {"S": "1"}})
        stack.data_api.client().execute_statement(
            **_ids(), sql="CREATE TABLE kept AS SELECT 1 AS id"
        )

    # WHEN a new stack starts on the same root
    with LocalBackends(root, persistent=True) as stack:
        # THEN both stores still hold their data
        assert stack.dynamodb.client().get_item(TableName="kept", Key={"id": {"S": "1"}})["Item"]
        records = stack.data_api.client().execute_statement(**_ids(), sql="SELECT id FROM kept")[
            "records"
        ]
        assert records == [[{"longValue": 1}]]


def test_stack_env_reaches_every_backend(local_backends, monkeypatch):
    # GIVEN the stack's environment, and nothing else
    env = local_backends.env
    for key, value in env.items():
        monkeypatch.setenv(key, value)

    # WHEN default boto3 clients are built
    session = boto3.session.Session()
    tables = session.client("dynamodb").list_tables()
    answer = session.client("rds-data").execute_statement(
        resourceArn=env["DB_CLUSTER_ARN"],
        secretArn=env["DB_SECRET_ARN"],
        database=env["DB_NAME"],
        sql="SELECT current_database()",
    )

    # THEN they reach the local DynamoDB and the Data API in front of PostgreSQL
    assert "TableNames" in tables
    assert answer["records"] == [[{"stringValue": DB_NAME}]]
    assert env["AWS_REGION"] == "us-east-1"
    assert env["DB_CLUSTER_ARN"] == CLUSTER_ARN
    assert env["DB_SECRET_ARN"] == SECRET_ARN


def test_stop_stops_everything_even_when_one_stop_fails(scratch):
    # GIVEN a running stack whose PostgreSQL stop fails
    stack = LocalBackends(scratch / "stack", persistent=False)
    stack.start()
    dynamodb_url, real_postgres_stop = stack.dynamodb.endpoint_url, stack.postgres.stop

    def failing_stop() -> None:
        real_postgres_stop()
        raise RuntimeError("postgres refused to stop")

    stack.postgres.stop = failing_stop  # type: ignore[method-assign]

    # WHEN the stack stops
    with pytest.raises(RuntimeError, match="refused"):
        stack.stop()

    # THEN DynamoDB, started first, was still stopped after the failure
    with pytest.raises(RuntimeError, match="not running"):
        _ = stack.dynamodb.endpoint_url
    client = local_client(
        "dynamodb", dynamodb_url, Config(retries={"max_attempts": 1}, connect_timeout=1)
    )
    with pytest.raises(Exception, match="Could not connect"):
        client.list_tables()


def _ids() -> dict[str, str]:
    return {"resourceArn": CLUSTER_ARN, "secretArn": SECRET_ARN, "database": DB_NAME}


def test_dynamodb_transactions_are_isolated_from_concurrent_writes(local_backends):
    # GIVEN a table big enough that a transaction takes a while, and a client that never retries
    client = local_backends.dynamodb.client(Config(retries={"mode": "standard", "max_attempts": 1}))
    table = f"race-{uuid.uuid4().hex[:8]}"
    client.create_table(
        TableName=table,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
    )
    for first in range(0, 1000, 25):
        batch = [
            {"PutRequest": {"Item": {"pk": {"S": f"old{n}"}}}} for n in range(first, first + 25)
        ]
        client.batch_write_item(RequestItems={table: batch})
    failures: list[str] = []
    writing = threading.Event()

    def cancel_transactions() -> None:
        while not writing.is_set():
            try:
                client.transact_write_items(
                    TransactItems=[
                        {
                            "Put": {
                                "TableName": table,
                                "Item": {"pk": {"S": "old1"}},
                                "ConditionExpression": "attribute_not_exists(pk)",
                            }
                        }
                    ]
                )
            except client.exceptions.TransactionCanceledException:
                continue
            except Exception as error:  # noqa: BLE001 - any other outcome is the failure
                failures.append(repr(error))

    # WHEN two clients run transactions that fail their condition while 100 other items are written
    cancellers = [threading.Thread(target=cancel_transactions) for _ in range(2)]
    for canceller in cancellers:
        canceller.start()
    try:
        for n in range(100):
            client.put_item(TableName=table, Item={"pk": {"S": f"new{n}"}})
    finally:
        writing.set()
        for canceller in cancellers:
            canceller.join()

    # THEN every transaction is cleanly cancelled, as on DynamoDB, and no write is rolled back
    assert failures == []
    keys = [{"pk": {"S": f"new{n}"}} for n in range(100)]
    kept = client.batch_get_item(RequestItems={table: {"Keys": keys}})["Responses"][table]
    assert len(kept) == 100
