"""What one request to the local DynamoDB costs, per operation, with the devserver's snapshots on.

Run `python -m benchmarks.local_dynamodb [--quick] [--out PATH]`. For a table of 100 and one of
3,000 items it starts `LocalDynamoDB` (moto in its child process, as the devserver does), runs
the periodic snapshot loop the devserver runs, and times each boto3 call from a client
configured as the handlers' is: a mix of reads and writes with one caller, then with four at a
time, then queries alone (a feed being browsed). It prints p50, p99 and max per operation and
the CPU moto's process spent per request (which other load on the machine hardly changes).
Results and analysis: LOCAL_DYNAMODB.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devserver.backends.dynamodb import LocalDynamoDB
from devserver.snapshots import Snapshotter
from resolvers.store.dynamo import CLIENT_CONFIG

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_dynamodb import DynamoDBClient

TABLE = "bench"
PAYLOAD = "x" * 400  # an item of ~0.5 KB, a recipe's size


def create_table(client: DynamoDBClient, items: int) -> None:
    client.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "owner", "AttributeType": "S"},
            {"AttributeName": "created", "AttributeType": "N"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "byOwner",
                "KeySchema": [
                    {"AttributeName": "owner", "KeyType": "HASH"},
                    {"AttributeName": "created", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    for start in range(0, items, 25):
        client.batch_write_item(
            RequestItems={
                TABLE: [{"PutRequest": {"Item": _item(i)}} for i in range(start, start + 25)]
            }
        )


def _item(i: int) -> dict[str, Any]:
    return {
        "pk": {"S": f"item-{i}"},
        "owner": {"S": f"owner-{i % 50}"},
        "created": {"N": str(i)},
        "version": {"N": "1"},
        "body": {"S": PAYLOAD},
    }


def operations(client: DynamoDBClient, items: int) -> dict[str, Callable[[int], object]]:
    """One call per operation the handlers make; `n` varies the keys."""

    def key(n: int) -> dict[str, Any]:
        return {"pk": {"S": f"item-{n % items}"}}

    return {
        "GetItem": lambda n: client.get_item(TableName=TABLE, Key=key(n)),
        "Query (GSI, 20)": lambda n: client.query(
            TableName=TABLE,
            IndexName="byOwner",
            KeyConditionExpression="#o = :o",
            ExpressionAttributeNames={"#o": "owner"},
            ExpressionAttributeValues={":o": {"S": f"owner-{n % 50}"}},
            Limit=20,
            ScanIndexForward=False,
        ),
        "BatchGetItem (20)": lambda n: client.batch_get_item(
            RequestItems={TABLE: {"Keys": [key(n * 20 + k) for k in range(20)]}}
        ),
        "PutItem": lambda n: client.put_item(TableName=TABLE, Item=_item(items + n)),
        "UpdateItem (conditional)": lambda n: client.update_item(
            TableName=TABLE,
            Key=key(n),
            UpdateExpression="SET version = version + :one",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":one": {"N": "1"}},
        ),
        "TransactWriteItems (2)": lambda n: client.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": TABLE,
                        "Key": key(n + 1),
                        "UpdateExpression": "SET version = version + :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}},
                    }
                },
                {"Put": {"TableName": TABLE, "Item": _item(2 * items + n)}},
            ]
        ),
    }


def _run(clients: list[DynamoDBClient], items: int, rounds: int) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = defaultdict(list)
    lock = threading.Lock()

    def caller(index: int) -> None:
        ops = operations(clients[index], items)
        for r in range(rounds):
            n = r * len(clients) + index
            for name, op in ops.items():
                started = time.perf_counter()
                op(n)
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    samples[name].append(elapsed)

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        for future in [pool.submit(caller, i) for i in range(len(clients))]:
            future.result()
    return samples


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def summarize(samples: dict[str, list[float]]) -> dict[str, dict[str, float]]:
    every = [v for values in samples.values() for v in values]
    return {
        name: {
            "n": len(values),
            "p50": statistics.median(values),
            "p99": _quantile(values, 0.99),
            "max": max(values),
        }
        for name, values in {**samples, "all requests": every}.items()
    }


def render(results: dict[str, dict[str, dict[str, float]]]) -> str:
    lines = [
        "| Items in table | Callers | Operation | n | p50 (ms) | p99 (ms) | max (ms) |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, summary in results.items():
        items, callers = label.split("/")
        for name, s in summary.items():
            if name == CPU:
                continue
            lines.append(
                f"| {items} | {callers} | {name} | {s['n']:.0f} | {s['p50']:.2f} |"
                f" {s['p99']:.1f} | {s['max']:.1f} |"
            )
    lines += ["", "| Items in table | Callers | moto's CPU per request (ms) |", "|---|---|---|"]
    for label, summary in results.items():
        items, callers = label.split("/")
        if CPU in summary:
            lines.append(f"| {items} | {callers} | {summary[CPU]['p50']:.2f} |")
    return "\n".join(lines)


CPU = "moto CPU per request"


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU time of process `pid` (Linux), robust to other load on the machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _child_pid(dynamodb: LocalDynamoDB) -> int:
    pid = getattr(dynamodb, "pid", None) or dynamodb._process.pid  # type: ignore[union-attr]  # noqa: SLF001 - older versions
    return int(pid)


def measure(items: int, rounds: int, callers: int) -> dict[str, dict[str, dict[str, float]]]:
    results: dict[str, dict[str, dict[str, float]]] = {}
    with LocalDynamoDB() as dynamodb, tempfile.TemporaryDirectory() as tmp:
        create_table(dynamodb.client(), items)
        snapshot = Path(tmp) / "dynamodb.json"
        # As the devserver runs it (see LocalStack): a tick every 2 s, requests mark it dirty.
        snapshots = Snapshotter(
            lambda: dynamodb.snapshot(snapshot), dynamodb.fingerprint, idle_check=2.0
        )
        snapshots.prime()
        snapshots.start()
        marking = threading.Event()

        def mark() -> None:
            while not marking.wait(0.05):
                snapshots.mark_dirty()

        threading.Thread(target=mark, daemon=True).start()
        try:
            for count in (1, callers):
                clients = [dynamodb.client(CLIENT_CONFIG) for _ in range(count)]
                cpu = _cpu_seconds(_child_pid(dynamodb))
                samples = _run(clients, items, rounds // count)
                spent = _cpu_seconds(_child_pid(dynamodb)) - cpu
                summary = summarize(samples)
                requests = summary["all requests"]["n"]
                summary[CPU] = {"n": requests, "p50": spent * 1000 / requests, "p99": 0, "max": 0}
                results[f"{items}/{count}"] = summary
            # A feed being browsed: queries with no write in between.
            query = operations(dynamodb.client(CLIENT_CONFIG), items)["Query (GSI, 20)"]
            samples = {"Query (GSI, 20)": []}
            for n in range(rounds):
                started = time.perf_counter()
                query(n)
                samples["Query (GSI, 20)"].append((time.perf_counter() - started) * 1000)
            results[f"{items}/1, queries only"] = summarize(samples)
        finally:
            marking.set()
            snapshots.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds, smaller tables")
    parser.add_argument("--out", type=Path, help="write the summaries here as JSON")
    options = parser.parse_args()
    sizes = (100, 500) if options.quick else (100, 3000)
    rounds = 20 if options.quick else 100
    results: dict[str, dict[str, dict[str, float]]] = {}
    for items in sizes:
        results.update(measure(items, rounds, callers=4))
    print("Snapshots every 2 s as in the devserver; a client configured as the handlers' are.\n")
    print(render(results))
    if options.out:
        options.out.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
