"""The local DynamoDB answers every request as plain moto does: its patches change speed only.

The patches (`devserver/backends/moto_server/`) rewrite moto's internals: queries read one
partition, reads reuse item sizes and skip copies, responses skip moto's serializer,
transactions journal their items. A moto upgrade can break one silently (a stale index, a page
cut at another item, a lost rollback), so seeded random requests go both to plain moto, served
in this process, and to the local DynamoDB, and every answer or error must be the same.
"""

from __future__ import annotations

import copy
import datetime as dt
import random
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto.dynamodb import models, responses
from moto.server import ThreadedMotoServer

from devserver.backends.clients import local_client

NO_RETRIES = Config(retries={"mode": "standard", "max_attempts": 1})
STEPS = 160
# Six key values per type, in their sort order: partitions fill up and range conditions bite.
KEYS = {
    "S": ["a", "ab", "b#1", "ba", "c", "é"],
    "N": ["-3", "0.5", "2", "10", "10.5", "100"],
    "B": [b"\x00", b"\x00\x01", b"\x01", b"\x7f", b"\x80", b"\xff"],
}
NUMBERS = ["0", "1", "-7", "3.25", "12345678901234567890"]
INDEX_PROJECTIONS = [{"ProjectionType": "ALL"}, {"ProjectionType": "KEYS_ONLY"}]
INDEX_PROJECTIONS += [{"ProjectionType": "INCLUDE", "NonKeyAttributes": ["m", "big"]}]
# Nested paths lead only into `m` (a map of maps) and `lst` (a list of maps): on a path through
# a scalar, plain moto itself fails with a 500.
FILTERS = [
    ("attribute_exists(m.x.n)", {}),
    ("num > :f", {":f": {"N": "0"}}),
    ("contains(tags, :f)", {":f": {"S": "p"}}),
    ("begins_with(m.word, :f)", {":f": {"S": "a"}}),
    ("attribute_not_exists(big) AND lst[0].n < :f", {":f": {"N": "5"}}),
]
PROJECTIONS = ["pk, m.x.n", "lst[0].n, m.word", "nums, lst[1], g", "big, sk", "m, tags, l"]
UPDATES = [  # with `:big`, `:g` and `:l` filled in per request
    ("SET m.x.n = :v", {":v": {"N": "-1.5"}}),
    ("SET lst = list_append(if_not_exists(lst, :v), :w)", {":v": {"L": []}, ":w": {"L": [{"M": {}}]}}),
    ("REMOVE lst[0], m.word", {}),
    ("ADD num :v, tags :w", {":v": {"N": "1"}, ":w": {"SS": ["r", "t", "u"]}}),
    ("DELETE tags :v SET nums = :w", {":v": {"SS": ["p"]}, ":w": {"NS": ["7", "3", "5"]}}),
    ("SET big = :big", {}),
    ("REMOVE big", {}),
    ("SET g = :g, l = :l", {}),
    ("REMOVE g SET m = :v", {":v": {"M": {"x": {"M": {}}}}}),
]  # fmt: skip


def _normalised(value: Any) -> Any:
    """An answer without metadata and times; sets sorted, as their order follows string hashes."""
    if isinstance(value, dict):
        return {
            k: sorted(v) if k in ("SS", "NS", "BS") else _normalised(v)
            for k, v in value.items()
            if k != "ResponseMetadata" and not isinstance(v, dt.datetime)
        }
    return [_normalised(v) for v in value] if isinstance(value, list) else value


def _answers(client: Any, operation: str, request: dict[str, Any]) -> list[dict[str, Any]]:
    """The answer, or error, to a request; to a Query or Scan, every page to the last."""
    pages: list[dict[str, Any]] = []
    while not pages or ("LastEvaluatedKey" in pages[-1] and operation in ("query", "scan")):
        start = {"ExclusiveStartKey": pages[-1]["LastEvaluatedKey"]} if pages else {}
        try:
            pages.append(_normalised(getattr(client, operation)(**copy.deepcopy(request | start))))
        except ClientError as error:
            answer = {k: error.response.get(k) for k in ("Error", "CancellationReasons")}
            pages.append({"status": error.response["ResponseMetadata"]["HTTPStatusCode"], **answer})
    return pages


def _shown(value: Any) -> str:
    """`value` for a failure message, its ~300 KB strings cut short."""
    return re.sub(r"x{20,}", lambda run: f"x*{len(run[0])}", repr(value))[:3000]


class _Parity:
    """Sends each request to both servers and compares their answers."""

    def __init__(self, plain: Any, patched: Any, seed: int) -> None:
        self.clients, self.seed, self.step = (plain, patched), seed, 0
        self.cut_pages = self.errors = 0

    def check(self, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        plain, patched = (_answers(client, operation, request) for client in self.clients)
        if plain != patched:
            sent, plain_moto, local = (_shown(v) for v in (request, plain, patched))
            where = f"seed {self.seed}, step {self.step}: {operation} {sent}"
            pytest.fail(
                f"{where}\nplain moto:     {plain_moto}\nlocal DynamoDB: {local}", pytrace=False
            )
        self.errors += "status" in plain[0]
        limit = request.get("Limit", 10**6)  # a page that ends short of it was cut at 1 MB
        self.cut_pages += sum("LastEvaluatedKey" in p and p["ScannedCount"] < limit for p in plain)
        return plain[0]


def _schema(*keys: str | None) -> list[dict[str, str]]:
    kinds = zip(keys, ("HASH", "RANGE"), strict=True)
    return [{"AttributeName": a, "KeyType": kind} for a, kind in kinds if a]


class _Requests:
    """Seeded random requests on a hash-only table and a hash-and-range one."""

    def __init__(self, seed: int) -> None:
        self.random = r = random.Random(seed)  # noqa: S311 - reproducible, not secret
        prefix, self.arns, self.by_arn = f"parity-{uuid.uuid4().hex[:8]}", {}, False
        self.then: list[tuple[str, dict[str, Any]]] = []  # the next requests, decided already
        self.types = {
            f"{prefix}-{kind}": {"pk": r.choice("SNB"), "g": r.choice("SNB"), "l": r.choice("SN")}
            for kind in ("h", "hr")
        }
        self.types[f"{prefix}-hr"]["sk"] = r.choice("SNB")
        # Key schemas: the table's (None), a global index's and, with a sort key, a local one's.
        self.indexes = {
            name: {None: ("pk", "sk" if "sk" in types else None), "byG": ("g", "l")}
            | ({"byL": ("pk", "l")} if "sk" in types else {})
            for name, types in self.types.items()
        }

    def create_table(self, name: str) -> dict[str, Any]:
        (_, keys), *indexes = self.indexes[name].items()
        projections = self.random.sample(INDEX_PROJECTIONS, len(indexes))
        created = [
            {"IndexName": index, "KeySchema": _schema(*keys), "Projection": projection}
            for (index, keys), projection in zip(indexes, projections, strict=True)
        ]
        types = [{"AttributeName": a, "AttributeType": t} for a, t in self.types[name].items()]
        request = {"TableName": name, "KeySchema": _schema(*keys), "AttributeDefinitions": types}
        request |= {"BillingMode": "PAY_PER_REQUEST", "GlobalSecondaryIndexes": created[:1]}
        return request | ({"LocalSecondaryIndexes": created[1:]} if created[1:] else {})

    def value(self, name: str, attribute: str) -> dict[str, Any]:
        """A key value: partition keys take three values, but the hash-only table's takes six."""
        kind, ranged = self.types[name][attribute], "sk" in self.types[name]
        few = attribute == "g" or (attribute == "pk" and ranged)
        return {kind: self.random.choice(KEYS[kind][: 3 if few else 6])}

    def key(self, name: str) -> dict[str, Any]:
        return {a: self.value(name, a) for a in self.indexes[name][None] if a}

    def keys(self, name: str, most: int) -> list[dict[str, Any]]:
        keys = (self.key(name) for _ in range(self.random.randint(1, most)))
        return list({repr(key): key for key in keys}.values())

    def big(self) -> dict[str, str]:
        return {"S": "x" * self.random.randint(320_000, 390_000)}

    def item(self, name: str, big: float = 0.5) -> dict[str, Any]:
        r = self.random
        item = self.key(name) | {a: self.value(name, a) for a in "gl" if r.random() < 0.7}
        m = {"x": {"M": {"n": {"N": r.choice(NUMBERS)}}}, "word": {"S": r.choice(["ab", "ba"])}}
        lst = [{"M": {"n": {"N": n}}} for n in r.sample(NUMBERS, r.randint(0, 3))]
        item |= {"m": {"M": m}, "lst": {"L": lst}}
        optional = {
            "tags": {"SS": r.sample(["p", "q", "r", "s"], 2)},
            "nums": {"NS": r.sample(NUMBERS, 3)},
            "bins": {"BS": r.sample([b"\x01", b"\x02", b"\xfe"], 2)},
            "num": {"N": r.choice(NUMBERS)},
        }
        item |= {k: v for k, v in optional.items() if r.random() < 0.5}
        return item | ({"big": self.big()} if r.random() < big else {})

    def update(self, name: str) -> dict[str, Any]:
        """SET, REMOVE, ADD and DELETE on nested paths, sets, `big` and indexed attributes."""
        expression, values = self.random.choice(UPDATES)
        filled = {":big": self.big(), ":g": self.value(name, "g"), ":l": self.value(name, "l")}
        values = values | {k: v for k, v in filled.items() if k in expression}
        request = {"TableName": name, "Key": self.key(name), "UpdateExpression": expression}
        if self.random.random() < 0.2:
            request["ConditionExpression"] = "attribute_not_exists(big)"
        return request | ({"ExpressionAttributeValues": values} if values else {})

    def transaction(self) -> dict[str, Any]:
        """Up to four writes and checks of different items, naming each table by its name.

        Not by ARN: moto backs up the tables a transaction names by their names, so when one
        named only by ARN is cancelled, plain moto keeps its writes, where DynamoDB (and the
        local DynamoDB, `test_a_cancelled_transaction_leaves_every_item_and_stream_as_it_was`)
        undoes them.
        """
        r, entries = self.random, {}
        for _ in range(r.randint(1, 4)):
            name = r.choice(list(self.types))
            key, kind = self.key(name), r.choice(["Put", "Update", "Delete", "ConditionCheck"])
            entry = {"TableName": name, "Key": key}
            if kind == "Put":
                entry = {"TableName": name, "Item": self.item(name, big=0) | key}
            elif kind == "Update":
                entry = self.update(name) | entry
            elif kind == "ConditionCheck":
                exists = r.choice(["attribute_exists", "attribute_not_exists"])
                entry["ConditionExpression"] = f"{exists}(pk)"
            entries[repr((name, key))] = {kind: entry}
        return {"TransactItems": list(entries.values())}

    def read(self, name: str, operation: str) -> dict[str, Any]:
        """A Query (of the table or an index) or a Scan, with or without each option."""
        r, values = self.random, {}
        index = r.choice(list(self.indexes[name]))  # None: the table
        request = {"TableName": name} | ({"IndexName": index} if index else {})
        if operation == "query":
            hash_key, range_key = self.indexes[name][index]
            names, values = {"#h": hash_key}, {":h": self.value(name, hash_key)}
            condition = "#h = :h"
            if range_key and r.random() < 0.7:
                kind = self.types[name][range_key]
                low, high = ({kind: KEYS[kind][i]} for i in sorted(r.sample(range(6), 2)))
                ranges = ["#r < :a", "#r >= :a", "#r BETWEEN :a AND :b", "begins_with(#r, :a)"]
                condition += " AND " + r.choice(ranges[: 3 if kind == "N" else 4])
                names["#r"], values[":a"] = range_key, low
                values |= {":b": high} if ":b" in condition else {}
            request |= {"KeyConditionExpression": condition, "ExpressionAttributeNames": names}
            request["ScanIndexForward"] = r.random() < 0.5
        elif self.types[name]["pk"] != "B" and r.random() < 0.3:  # binary keys: moto fails
            request |= {"TotalSegments": 3, "Segment": r.randrange(3)}
        request |= r.choice([{}, {"Limit": r.choice([1, 2, 5])}])
        if r.random() < 0.35:
            request["FilterExpression"], filter_values = r.choice(FILTERS)
            values = values | filter_values
        request |= r.choice(
            [{}, {}, {"ProjectionExpression": r.choice(PROJECTIONS)}, {"Select": "COUNT"}]
        )
        return request | ({"ExpressionAttributeValues": values} if values else {})

    def next(self) -> tuple[str, dict[str, Any]]:
        """A write, naming its table by name or by ARN, or a read."""
        r = self.random
        if self.then:
            return self.then.pop()
        name = r.choice(list(self.types))
        if r.random() < 0.05:  # for stretches of requests, writes name their table by ARN
            self.by_arn = not self.by_arn
        named = {"TableName": self.arns[name] if self.by_arn else name}
        old = {"ReturnValues": r.choice(["NONE", "ALL_OLD"])}
        new = {"ReturnValues": r.choice(["ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"])}
        projected = {"ProjectionExpression": r.choice(PROJECTIONS)} if r.random() < 0.3 else {}
        kinds = {
            "put_item": (18, lambda: named | old | {"Item": self.item(name)}),
            "update_item": (16, lambda: self.update(name) | named | new),
            "delete_item": (5, lambda: named | old | {"Key": self.key(name)}),
            "batch_write_item": (6, lambda: {"RequestItems": {named["TableName"]: self.writes(name)}}),
            "transact_write_items": (7, self.transaction),
            "query": (26, lambda: self.read(name, "query")),
            "scan": (8, lambda: self.read(name, "scan")),
            "get_item": (8, lambda: {"TableName": name, "Key": self.key(name)} | projected),
            "batch_get_item": (6, lambda: {"RequestItems": {name: {"Keys": self.keys(name, 8)} | projected}}),
        }  # fmt: skip
        operation = r.choices(list(kinds), weights=[weight for weight, _ in kinds.values()])[0]
        request = kinds[operation][1]()
        if "big" in request.get("UpdateExpression", ""):  # a size changed in place: page through
            self.then.append(("scan", {"TableName": name, "ProjectionExpression": "pk"}))
        return operation, request

    def writes(self, name: str) -> list[dict[str, Any]]:
        """A batch's puts and deletes of different items."""
        return [
            {"PutRequest": {"Item": self.item(name) | key}}
            if self.random.random() < 0.7
            else {"DeleteRequest": {"Key": key}}
            for key in self.keys(name, 6)
        ]


@pytest.fixture(scope="module")
def plain_moto() -> Iterator[Any]:
    """A client of moto as released, served from a thread of this process."""
    # The marks the devserver's patches leave on the moto functions they replace.
    marks = {"partitioned", "copy_free", "journaled", "direct_json"}
    replaced = [models.Table.query, models.Table.scan, models.DynamoDBBackend.transact_write_items]
    replaced += [responses.DynamoResult.execute_result]
    patched = [function.__qualname__ for function in replaced if marks & set(vars(function))]
    assert not patched, f"the reference must be plain moto, but here {patched} are patched"
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield local_client("dynamodb", f"http://{host}:{port}", NO_RETRIES)
    server.stop()


@pytest.mark.parametrize("seed", range(6))
def test_random_requests_get_the_answers_plain_moto_gives(local_backends, plain_moto, seed):
    # GIVEN plain moto, the local DynamoDB, and a seeded sequence of requests
    parity = _Parity(plain_moto, local_backends.dynamodb.client(NO_RETRIES), seed)
    requests = _Requests(seed)

    # WHEN both create the same two tables, with indexes of every kind of projection
    for name in requests.types:
        created = parity.check("create_table", requests.create_table(name))
        requests.arns[name] = created["TableDescription"]["TableArn"]
    # AND both serve the same writes and reads, every page of every Query and Scan
    for parity.step in range(STEPS):
        parity.check(*requests.next())

    # THEN every answer was the same (`check` fails at the first that differs), and so are the
    # tables and indexes they end with
    for name, indexes in requests.indexes.items():
        for index in indexes:
            parity.check("scan", {"TableName": name} | ({"IndexName": index} if index else {}))
        parity.check("delete_table", {"TableName": name})
    # AND the requests reached pages cut at 1 MB, and errors
    assert parity.cut_pages > 0, "no page was cut at 1 MB"
    assert parity.errors > 0, "no request failed"
