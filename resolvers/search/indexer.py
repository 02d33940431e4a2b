"""Lambda on the recipes table's stream: keeps the search index in step with the recipes.

Inserts and updates upsert, deletes leave a tombstone; the recipe's version guards every write,
so repeated, retried or reordered records leave the index right. Each record succeeds or fails
alone (Powertools' BatchProcessor reports `batchItemFailures`), so one bad recipe never holds
back the others; after its bounded retries Lambda sends it to the on-failure queue.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecordEventName,
)

from resolvers.observability import logger
from resolvers.search.documents import SearchDocument, UnindexableRecipeError, is_recipe_item
from resolvers.search.repository import AuroraSearchIndex
from resolvers.settings import SearchSettings
from resolvers.store.data_api import data_api_for
from resolvers.streams import stream_handler

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
        DynamoDBRecord,
    )

    from resolvers.search.repository import SearchIndex


@cache
def _index() -> AuroraSearchIndex:
    settings = SearchSettings.from_env()
    return AuroraSearchIndex(data_api_for(settings.database))


def apply_change(index: SearchIndex, record: DynamoDBRecord) -> str:
    """Apply one stream record to the index; return what happened, for the log."""
    change = record.dynamodb
    if change is None or not is_recipe_item(change.keys or {}):
        return "skipped"
    if record.event_name == DynamoDBRecordEventName.REMOVE:
        old = change.old_image or {}
        if "id" not in old or "version" not in old:
            raise UnindexableRecipeError("a deleted recipe's old image lacks its id or version")
        document = SearchDocument.from_item(old)
        return "removed" if index.remove(document.recipe_id, document.version) else "stale"
    document = SearchDocument.from_item(change.new_image or {})
    return "indexed" if index.upsert(document) else "stale"


def _record_handler(record: DynamoDBRecord) -> None:
    outcome = apply_change(_index(), record)
    logger.debug("search index", extra={"outcome": outcome, "event_id": record.event_id})


handler = stream_handler(_record_handler)
