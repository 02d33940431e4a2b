"""Index every recipe already in the table: `python -m resolvers.search.backfill`.

The stream only carries writes made after the consumer started, so recipes written before it
(or while it was away for longer than the stream keeps records) need this once. It is safe to
run at any time and as often as needed: each write is version-guarded like the stream's.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import boto3

from resolvers.search.documents import RECIPE_SK, SearchDocument, UnindexableRecipeError
from resolvers.search.repository import AuroraSearchIndex
from resolvers.settings import SearchSettings
from resolvers.store.data_api import data_api_for
from resolvers.store.dynamo import CLIENT_CONFIG, from_item

CHUNK = 100  # recipes per statement: well inside the Data API's request size

if TYPE_CHECKING:
    from collections.abc import Iterator

    from mypy_boto3_dynamodb import DynamoDBClient

    from resolvers.search.repository import SearchIndex


def recipe_items(client: DynamoDBClient, table: str) -> Iterator[dict[str, Any]]:
    kwargs: dict[str, Any] = {
        "TableName": table,
        "FilterExpression": "sk = :sk",
        "ExpressionAttributeValues": {":sk": {"S": RECIPE_SK}},
    }
    while True:
        page = client.scan(**kwargs)
        yield from (from_item(item) for item in page.get("Items", []))
        if not page.get("LastEvaluatedKey"):
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def backfill(client: DynamoDBClient, table: str, index: SearchIndex) -> tuple[int, int]:
    """Upsert every recipe, a hundred per statement; return (recipes seen, index rows written)."""
    seen = written = 0
    chunk: list[SearchDocument] = []
    for item in recipe_items(client, table):
        seen += 1
        try:
            chunk.append(SearchDocument.from_item(item))
        except UnindexableRecipeError as error:
            sys.stderr.write(f"skipped: {error}\n")
        if len(chunk) == CHUNK:
            written += index.upsert_many(chunk)
            chunk = []
    return seen, written + index.upsert_many(chunk)


def run(settings: SearchSettings, session: boto3.Session | None = None) -> tuple[int, int]:
    session = session or boto3.Session()
    dynamodb = session.client("dynamodb", config=CLIENT_CONFIG)
    rds_data = session.client("rds-data", config=CLIENT_CONFIG)
    index = AuroraSearchIndex(data_api_for(settings.database, rds_data))
    return backfill(dynamodb, settings.recipes_table, index)


def main() -> int:
    seen, written = run(SearchSettings.from_env())
    sys.stdout.write(f"search backfill: {seen} recipes, {written} index rows written\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
