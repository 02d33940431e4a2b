"""DynamoDB table definitions, shared by infra/, the devserver and the tests.

Access patterns, and the key or index that serves each:

| pattern                               | table    | key / index                                        |
|---------------------------------------|----------|----------------------------------------------------|
| profile by id (me, profile, authors)  | profiles | pk `id` (GetItem / BatchGetItem)                   |
| recipe by id (recipe, batch hydrate)  | recipes  | pk `RECIPE#<id>`, sk `RECIPE`                      |
| all recipes, newest first             | recipes  | GSI `byCreated`: `feed` = "ALL", `createdKey`      |
| an author's recipes, newest first     | recipes  | GSI `byAuthor`: `authorId`, `createdKey`           |
| recipes with a tag, newest first      | recipes  | GSI `byTag`: `tag`, `createdKey` (keys only), then |
|                                       |          | BatchGetItem on the recipe items                   |
| image by key (attach, Recipe.photo)   | images   | pk `key` (GetItem / BatchGetItem); TTL `expiresAt` |

A recipe's tags are extra items under the recipe's partition (sk `TAG#<tag>`), written in the
same transaction as the recipe, so the tag index never points at a recipe that was not written.
`createdKey` is `<createdAt>#<id>`: ISO-8601 sorts by time, and the id breaks ties.
`byCreated` puts every recipe under one partition key. That is fine at this product's write rate
(AppSync, not the index, is the bottleneck); shard it by month if recipe writes ever approach
1,000 per second.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Projection = Literal["ALL", "KEYS_ONLY"]
# Every table streams both images, as infra deploys them: the event sources in the wiring read
# them (a delete's old image carries the version the search index needs).
STREAM_SPECIFICATION = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}


@dataclass(frozen=True)
class Index:
    name: str
    partition_key: str
    sort_key: str | None = None
    projection: Projection = "ALL"


@dataclass(frozen=True)
class Table:
    """A table's logical name, keys and indexes; every key attribute is a string."""

    logical_name: str
    partition_key: str
    sort_key: str | None = None
    indexes: tuple[Index, ...] = field(default_factory=tuple)
    # DynamoDB's TTL attribute (epoch seconds), if items expire.
    ttl_attribute: str | None = None

    def key_attributes(self) -> list[str]:
        names = [self.partition_key, *([self.sort_key] if self.sort_key else [])]
        for index in self.indexes:
            names += [index.partition_key, *([index.sort_key] if index.sort_key else [])]
        return list(dict.fromkeys(names))

    def create_table_kwargs(self, table_name: str) -> dict[str, Any]:
        """Arguments for boto3 `create_table`, used by the local backends and the tests."""
        kwargs: dict[str, Any] = {
            "TableName": table_name,
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [
                {"AttributeName": name, "AttributeType": "S"} for name in self.key_attributes()
            ],
            "KeySchema": _key_schema(self.partition_key, self.sort_key),
        }
        kwargs["StreamSpecification"] = STREAM_SPECIFICATION
        if self.indexes:
            kwargs["GlobalSecondaryIndexes"] = [
                {
                    "IndexName": index.name,
                    "KeySchema": _key_schema(index.partition_key, index.sort_key),
                    "Projection": {"ProjectionType": index.projection},
                }
                for index in self.indexes
            ]
        return kwargs


def _key_schema(partition_key: str, sort_key: str | None) -> list[dict[str, str]]:
    schema = [{"AttributeName": partition_key, "KeyType": "HASH"}]
    if sort_key:
        schema.append({"AttributeName": sort_key, "KeyType": "RANGE"})
    return schema


PROFILES = Table(logical_name="profiles", partition_key="id")

RECIPES = Table(
    logical_name="recipes",
    partition_key="pk",
    sort_key="sk",
    indexes=(
        Index("byCreated", partition_key="feed", sort_key="createdKey"),
        Index("byAuthor", partition_key="authorId", sort_key="createdKey"),
        Index("byTag", partition_key="tag", sort_key="createdKey", projection="KEYS_ONLY"),
    ),
)

# One item per uploaded image. `expiresAt` (epoch seconds) is DynamoDB's TTL attribute: set
# while nothing uses the image, removed when a recipe or profile attaches it.
IMAGES = Table(logical_name="images", partition_key="key", ttl_attribute="expiresAt")

ALL_TABLES = (PROFILES, RECIPES, IMAGES)
# Which Settings field names each table's physical name.
TABLE_SETTINGS = {
    PROFILES.logical_name: "profiles_table",
    RECIPES.logical_name: "recipes_table",
    IMAGES.logical_name: "images_table",
}
