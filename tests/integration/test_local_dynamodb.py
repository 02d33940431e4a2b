"""The local DynamoDB's fast path keeps DynamoDB's behaviour: errors, cancelled transactions, changes."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from devserver.backends.clients import local_client

NO_RETRIES = Config(retries={"mode": "standard", "max_attempts": 1})


@pytest.fixture
def client(local_backends):
    return local_backends.dynamodb.client(NO_RETRIES)


def _create_table(client, prefix: str, *, sort_key_type: str = "S", **extra) -> str:
    """A table keyed by `pk` (text) and `sk`, with any extra `create_table` arguments."""
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    attributes = extra.pop("attributes", [])
    client.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": sort_key_type},
            *attributes,
        ],
        **extra,
    )
    return name


# An index by an `owner` attribute, for `_create_table`.
BY_OWNER = {
    "attributes": [{"AttributeName": "owner", "AttributeType": "S"}],
    "GlobalSecondaryIndexes": [
        {
            "IndexName": "byOwner",
            "KeySchema": [
                {"AttributeName": "owner", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        }
    ],
}


@pytest.fixture
def table(client):
    return _create_table(
        client,
        "fast",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )


def _by_owner(client, table: str, index: str, owner: str) -> list:
    """The items of an index keyed by `owner`."""
    return client.query(
        TableName=table,
        IndexName=index,
        KeyConditionExpression="#o = :o",
        ExpressionAttributeNames={"#o": "owner"},
        ExpressionAttributeValues={":o": {"S": owner}},
    )["Items"]


def _all(client, table: str) -> list:
    return sorted(client.scan(TableName=table)["Items"], key=lambda i: (i["pk"]["S"], i["sk"]["S"]))


def _increment_a(table: str) -> dict:
    """A transaction's update of item ("a", "1"): n + 1."""
    return {
        "Update": {
            "TableName": table,
            "Key": {"pk": {"S": "a"}, "sk": {"S": "1"}},
            "UpdateExpression": "SET n = n + :one",
            "ExpressionAttributeValues": {":one": {"N": "1"}},
        }
    }


def _stream_records(local_backends, client, table: str) -> int:
    arn = client.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    reader = local_client("dynamodbstreams", local_backends.dynamodb.endpoint_url)
    shard = reader.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = reader.get_shard_iterator(
        StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    return len(reader.get_records(ShardIterator=iterator)["Records"])


@pytest.mark.parametrize("by_arn", [False, True], ids=["by-name", "by-arn"])
def test_a_cancelled_transaction_leaves_every_item_and_stream_as_it_was(
    local_backends, client, table, by_arn
):
    # GIVEN two items, one in a partition of its own
    client.put_item(TableName=table, Item={"pk": {"S": "a"}, "sk": {"S": "1"}, "n": {"N": "1"}})
    client.put_item(TableName=table, Item={"pk": {"S": "b"}, "sk": {"S": "1"}, "n": {"N": "1"}})
    before, records = _all(client, table), _stream_records(local_backends, client, table)
    # (DynamoDB takes a table's ARN wherever it takes its name)
    named = client.describe_table(TableName=table)["Table"]["TableArn"] if by_arn else table

    # WHEN a transaction updates one, deletes the other, adds two new ones, and then fails
    with pytest.raises(ClientError) as raised:
        client.transact_write_items(
            TransactItems=[
                _increment_a(named),
                {"Delete": {"TableName": named, "Key": {"pk": {"S": "b"}, "sk": {"S": "1"}}}},
                {"Put": {"TableName": named, "Item": {"pk": {"S": "a"}, "sk": {"S": "2"}}}},
                {"Put": {"TableName": named, "Item": {"pk": {"S": "c"}, "sk": {"S": "1"}}}},
                {
                    "ConditionCheck": {
                        "TableName": table,
                        "Key": {"pk": {"S": "missing"}, "sk": {"S": "1"}},
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
            ]
        )

    # THEN DynamoDB's cancellation comes back, and nothing it touched changed
    assert raised.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert _all(client, table) == before
    assert (
        client.query(
            TableName=table,
            KeyConditionExpression="pk = :c",
            ExpressionAttributeValues={":c": {"S": "c"}},
        )["Items"]
        == []
    )
    # AND the stream shows none of its writes
    assert _stream_records(local_backends, client, table) == records


def test_a_transaction_that_succeeds_writes_every_item(client, table):
    # GIVEN an item
    client.put_item(TableName=table, Item={"pk": {"S": "a"}, "sk": {"S": "1"}, "n": {"N": "1"}})

    # WHEN a transaction updates it and adds another
    client.transact_write_items(
        TransactItems=[
            _increment_a(table),
            {"Put": {"TableName": table, "Item": {"pk": {"S": "b"}, "sk": {"S": "1"}}}},
        ]
    )

    # THEN both writes are there
    assert [(i["pk"]["S"], i.get("n", {}).get("N")) for i in _all(client, table)] == [
        ("a", "2"),
        ("b", None),
    ]


def test_bad_requests_get_dynamodbs_errors(client, table):
    # WHEN requests name a missing table, or give an incomplete key
    with pytest.raises(ClientError) as missing:
        client.get_item(TableName="no-such-table", Key={"pk": {"S": "a"}})
    with pytest.raises(ClientError) as incomplete:
        client.get_item(TableName=table, Key={"pk": {"S": "a"}})

    # THEN they fail as DynamoDB fails them
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert incomplete.value.response["Error"]["Code"] == "ValidationException"
    assert incomplete.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_the_fingerprint_changes_with_writes_and_not_with_reads(local_backends, client, table):
    # GIVEN the fingerprint after a write
    dynamodb = local_backends.dynamodb
    client.put_item(TableName=table, Item={"pk": {"S": "a"}, "sk": {"S": "1"}})
    before = dynamodb.fingerprint()

    # WHEN only reads follow
    client.get_item(TableName=table, Key={"pk": {"S": "a"}, "sk": {"S": "1"}})
    client.scan(TableName=table)

    # THEN the fingerprint is the same, and a write changes it
    assert dynamodb.fingerprint() == before
    client.delete_item(TableName=table, Key={"pk": {"S": "a"}, "sk": {"S": "1"}})
    assert dynamodb.fingerprint() != before


def test_index_and_table_queries_see_every_write_in_order(client):
    # GIVEN a table with an index by owner, and items of two owners
    table = _create_table(
        client,
        "query",
        sort_key_type="N",
        **BY_OWNER,
    )
    for n in (1, 2, 10, 3):  # numeric order differs from the text order
        client.put_item(
            TableName=table,
            Item={"pk": {"S": "p"}, "sk": {"N": str(n)}, "owner": {"S": "ana"}},
        )
    client.put_item(
        TableName=table, Item={"pk": {"S": "q"}, "sk": {"N": "5"}, "owner": {"S": "ben"}}
    )

    def by_owner(owner: str, **page) -> tuple[list[str], dict | None]:
        response = client.query(
            TableName=table,
            IndexName="byOwner",
            KeyConditionExpression="#o = :o",
            ExpressionAttributeNames={"#o": "owner"},
            ExpressionAttributeValues={":o": {"S": owner}},
            ScanIndexForward=False,
            Limit=2,
            **page,
        )
        return [i["sk"]["N"] for i in response["Items"]], response.get("LastEvaluatedKey")

    # WHEN an owner's items are read page by page, newest first
    first, start = by_owner("ana")
    second, _ = by_owner("ana", ExclusiveStartKey=start)
    # THEN the pages follow the numeric order
    assert (first, second) == (["10", "3"], ["2", "1"])

    # WHEN an item is added, and another moves to the other owner in place
    client.put_item(
        TableName=table, Item={"pk": {"S": "p"}, "sk": {"N": "11"}, "owner": {"S": "ana"}}
    )
    client.update_item(
        TableName=table,
        Key={"pk": {"S": "p"}, "sk": {"N": "10"}},
        UpdateExpression="SET #o = :b",
        ExpressionAttributeNames={"#o": "owner"},
        ExpressionAttributeValues={":b": {"S": "ben"}},
    )
    # THEN the next queries see both changes
    assert by_owner("ana")[0] == ["11", "3"]
    assert by_owner("ben")[0] == ["10", "5"]
    # AND a query on the table reads one partition, in range order, with its conditions
    on_table = client.query(
        TableName=table,
        KeyConditionExpression="pk = :p AND sk > :two",
        ExpressionAttributeValues={":p": {"S": "p"}, ":two": {"N": "2"}},
    )["Items"]
    assert [i["sk"]["N"] for i in on_table] == ["3", "10", "11"]
    missing = client.query(
        TableName=table,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "nobody"}},
    )
    assert missing["Items"] == []


def test_queries_side_by_side_each_read_only_their_own_partition(client):
    # GIVEN a table with an index, and six partitions of 20 items each
    table = _create_table(
        client,
        "side",
        **BY_OWNER,
    )
    partitions = [f"p{n}" for n in range(6)]
    for pk in partitions:
        for n in range(20):
            client.put_item(
                TableName=table,
                Item={"pk": {"S": pk}, "sk": {"S": f"{n:02}"}, "owner": {"S": f"o-{pk}"}},
            )

    def read(pk: str) -> set[tuple[str, ...]]:
        pages = set()
        for _ in range(10):
            on_table = client.query(
                TableName=table,
                KeyConditionExpression="pk = :p",
                ExpressionAttributeValues={":p": {"S": pk}},
            )["Items"]
            on_index = _by_owner(client, table, "byOwner", f"o-{pk}")
            for items in (on_table, on_index):
                pages.add(tuple(f"{i['pk']['S']}/{i['sk']['S']}" for i in items))
        return pages

    # WHEN every partition is queried from a thread of its own, all at once
    with ThreadPoolExecutor(len(partitions)) as pool:
        answers = dict(zip(partitions, pool.map(read, partitions), strict=True))

    # THEN every answer held its own partition's items, in order, and nothing else
    for pk, pages in answers.items():
        assert pages == {tuple(f"{pk}/{n:02}" for n in range(20))}


def test_conditional_writers_beside_readers_never_lose_an_update(client, table):
    # GIVEN a counter with a version
    key = {"pk": {"S": "counter"}, "sk": {"S": "1"}}
    client.put_item(TableName=table, Item={**key, "version": {"N": "0"}})

    def bump(_: int) -> int:
        """Read, then write version + 1 only if nobody else did: retried until it lands."""
        for attempt in range(1, 500):
            seen = client.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
            version = seen["version"]["N"]
            try:
                client.put_item(
                    TableName=table,
                    Item={**key, "version": {"N": str(int(version) + 1)}},
                    ConditionExpression="version = :seen",
                    ExpressionAttributeValues={":seen": {"N": version}},
                )
            except ClientError as error:
                if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                    raise
                continue
            return attempt
        raise AssertionError("the write never landed")

    # WHEN six writers bump it ten times each, while reads run side by side
    with ThreadPoolExecutor(6) as pool:
        attempts = list(pool.map(bump, range(60)))

    # THEN every bump that was told it landed did: none overwrote another's
    final = client.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
    assert final["version"]["N"] == str(len(attempts))


def test_a_page_ends_at_one_megabyte_of_the_items_as_they_are_now(client):
    # GIVEN a partition of four items of about 300 KB each
    table = _create_table(client, "page")
    blob = "x" * 300_000
    for n in range(4):
        client.put_item(
            TableName=table,
            Item={"pk": {"S": "p"}, "sk": {"S": f"{n}"}, "body": {"S": blob}},
        )

    def page() -> tuple[int, bool]:
        response = client.query(
            TableName=table,
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": "p"}},
        )
        return response["Count"], "LastEvaluatedKey" in response

    # WHEN the partition is read: THEN the page stops before 1 MB, with a key to go on from
    assert page() == (3, True)
    # WHEN the first item shrinks in place: THEN the page holds all four
    client.update_item(
        TableName=table, Key={"pk": {"S": "p"}, "sk": {"S": "0"}}, UpdateExpression="REMOVE body"
    )
    assert page() == (4, False)
    # WHEN it grows again: THEN the page stops at three again
    client.update_item(
        TableName=table,
        Key={"pk": {"S": "p"}, "sk": {"S": "0"}},
        UpdateExpression="SET body = :b",
        ExpressionAttributeValues={":b": {"S": blob}},
    )
    assert page() == (3, True)


def test_what_reads_return_leaves_the_stored_items_whole(client):
    # GIVEN an item with nested, numeric and binary values, and a keys-only index
    table = _create_table(
        client,
        "whole",
        attributes=[{"AttributeName": "owner", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "keys",
                "KeySchema": [{"AttributeName": "owner", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
    )
    key = {"pk": {"S": "p"}, "sk": {"S": "1"}}
    item = {
        **key,
        "owner": {"S": "ana"},
        "steps": {"L": [{"M": {"text": {"S": "Boil"}, "minutes": {"N": "10"}}}]},
        "tags": {"SS": ["quick", "vegan"]},
        "photo": {"B": b"\x00\xffjpeg"},
        "sizes": {"BS": [b"\x01", b"\x02"]},
    }
    client.put_item(TableName=table, Item=item)
    everything = {
        "TableName": table,
        "KeyConditionExpression": "pk = :p",
        "ExpressionAttributeValues": {":p": {"S": "p"}},
    }

    # WHEN it is read through a projection, a keys-only index, a whole query and a scan
    projected = client.query(
        **everything, ProjectionExpression="steps[0].#t", ExpressionAttributeNames={"#t": "text"}
    )["Items"]
    keys_only = _by_owner(client, table, "keys", "ana")
    # THEN each returns its own shape, binary values as sent
    assert projected == [{"steps": {"L": [{"M": {"text": {"S": "Boil"}}}]}}]
    assert keys_only == [{**key, "owner": {"S": "ana"}}]
    assert client.query(**everything)["Items"] == [item]
    assert client.scan(TableName=table)["Items"] == [item]
    # AND the stored item is still whole
    assert client.get_item(TableName=table, Key=key)["Item"] == item

    # WHEN a nested value changes: THEN the next reads return it
    client.update_item(
        TableName=table,
        Key=key,
        UpdateExpression="SET steps[0].minutes = :m",
        ExpressionAttributeValues={":m": {"N": "12"}},
    )
    changed = client.query(**everything)["Items"][0]
    assert changed["steps"] == {"L": [{"M": {"text": {"S": "Boil"}, "minutes": {"N": "12"}}}]}
    assert client.scan(TableName=table)["Items"] == [changed]


def test_writes_that_name_a_table_by_its_arn_are_seen_by_the_next_reads(client):
    # GIVEN a table with an index, read once so its groupings and item sizes are known
    table = _create_table(client, "arn", **BY_OWNER)
    arn = client.describe_table(TableName=table)["Table"]["TableArn"]
    for n in range(4):
        client.put_item(
            TableName=table,
            Item={"pk": {"S": "p"}, "sk": {"S": f"{n}"}, "owner": {"S": "ana"}},
        )
    everything = {
        "TableName": table,
        "KeyConditionExpression": "pk = :p",
        "ExpressionAttributeValues": {":p": {"S": "p"}},
    }
    assert client.query(**everything)["Count"] == 4
    assert len(_by_owner(client, table, "byOwner", "ana")) == 4

    # WHEN a new item arrives by a write that names the table's ARN: THEN the index holds it
    client.put_item(TableName=arn, Item={"pk": {"S": "p"}, "sk": {"S": "9"}, "owner": {"S": "ana"}})
    assert [i["sk"]["S"] for i in _by_owner(client, table, "byOwner", "ana")] == [
        "0", "1", "2", "3", "9"
    ]  # fmt: skip
    # WHEN items grow in place by ARN: THEN a page stops at 1 MB of the items as they are now
    for n in range(4):
        client.update_item(
            TableName=arn,
            Key={"pk": {"S": "p"}, "sk": {"S": f"{n}"}},
            UpdateExpression="SET body = :b",
            ExpressionAttributeValues={":b": {"S": "x" * 300_000}},
        )
    page = client.query(**everything, ProjectionExpression="sk")
    assert (page["Count"], "LastEvaluatedKey" in page) == (3, True)
