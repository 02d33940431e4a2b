"""Restoring the DynamoDB snapshot brings the items back without writing them into the stream."""

from __future__ import annotations

import uuid

from devserver.backends import dynamodb_snapshot
from devserver.backends.clients import local_client
from devserver.backends.stack import LocalBackends


def test_a_restored_table_has_its_items_and_a_new_empty_stream(
    local_backends: LocalBackends,
) -> None:
    # GIVEN a streamed table with items, saved to a snapshot
    client = local_backends.dynamodb.client()
    name = f"restore-{uuid.uuid4().hex[:8]}"
    client.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    for key in ("a", "b"):
        client.put_item(TableName=name, Item={"id": {"S": key}})
    snapshot = dynamodb_snapshot.dump(client)
    before = client.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    # WHEN the snapshot is loaded back, as a devserver restart does
    snapshot["tables"] = [t for t in snapshot["tables"] if t["definition"]["TableName"] == name]
    dynamodb_snapshot.load(client, snapshot)
    # THEN the items are back, the stream is on again, and it holds no record of the restore
    table = client.describe_table(TableName=name)["Table"]
    assert client.scan(TableName=name)["Count"] == 2
    assert table["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    assert table["LatestStreamArn"] != before
    streams = local_client("dynamodbstreams", local_backends.dynamodb.endpoint_url)
    shard = streams.describe_stream(StreamArn=table["LatestStreamArn"])["StreamDescription"]
    iterator = streams.get_shard_iterator(
        StreamArn=table["LatestStreamArn"],
        ShardId=shard["Shards"][0]["ShardId"],
        ShardIteratorType="TRIM_HORIZON",
    )["ShardIterator"]
    assert streams.get_records(ShardIterator=iterator)["Records"] == []
