"""Image records in DynamoDB: one item per image, keyed by its `key`, every change conditional."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Protocol

from resolvers.images.models import ImagePurpose, ImageRecord, ImageStatus
from resolvers.observability import tracer
from resolvers.store.dynamo import batch_get, from_item, to_item, to_value

if TYPE_CHECKING:
    from collections.abc import Sequence

    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

# Whoever attaches must own the image, for the right purpose, and it must not have failed or
# belong to something else; the same rule the service checks first, re-checked in the write.
ATTACH_CONDITION = (
    "ownerId = :owner AND purpose = :purpose AND #s <> :failed"
    " AND (attribute_not_exists(attachedTo) OR attachedTo = :target)"
)


class ImageRepository(Protocol):
    def create(self, record: ImageRecord, expires_at: int) -> None: ...

    def get_image(self, key: str) -> ImageRecord | None: ...

    def get_many(self, keys: Sequence[str]) -> dict[str, ImageRecord]: ...

    def attach_write(self, record: ImageRecord, target: str) -> TransactWriteItemTypeDef: ...

    def delete_write(self, key: str) -> TransactWriteItemTypeDef: ...

    def attach(self, record: ImageRecord, target: str) -> bool: ...

    def delete(self, key: str) -> None: ...

    def finish(
        self,
        key: str,
        status: ImageStatus,
        *,
        width: int | None = None,
        height: int | None = None,
        reason: str | None = None,
    ) -> ImageRecord | None: ...


class DynamoImageRepository:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    @tracer.capture_method
    def create(self, record: ImageRecord, expires_at: int) -> None:
        self._client.put_item(
            TableName=self._table,
            Item=to_item({**_attributes(record), "expiresAt": expires_at}),
            ConditionExpression="attribute_not_exists(#k)",
            ExpressionAttributeNames={"#k": "key"},
        )

    @tracer.capture_method
    def get_image(self, key: str) -> ImageRecord | None:
        response = self._client.get_item(
            TableName=self._table, Key=to_item({"key": key}), ConsistentRead=True
        )
        item = response.get("Item")
        return _record(from_item(item)) if item else None

    @tracer.capture_method
    def get_many(self, keys: Sequence[str]) -> dict[str, ImageRecord]:
        if not keys:
            return {}
        items = batch_get(self._client, self._table, [{"key": key} for key in keys])
        return {item["key"]: _record(item) for item in items}

    def attach_write(self, record: ImageRecord, target: str) -> TransactWriteItemTypeDef:
        """The conditional attach, for a transaction with the write that references the image.

        Attached images no longer expire: the TTL attribute goes.
        """
        return {
            "Update": {
                "TableName": self._table,
                "Key": to_item({"key": record.key}),
                "UpdateExpression": "SET attachedTo = :target REMOVE expiresAt",
                "ConditionExpression": ATTACH_CONDITION,
                "ExpressionAttributeNames": {"#s": "status"},
                "ExpressionAttributeValues": {
                    ":target": to_value(target),
                    ":owner": to_value(record.owner_id),
                    ":purpose": to_value(record.purpose.value),
                    ":failed": to_value(ImageStatus.FAILED.value),
                },
            }
        }

    def delete_write(self, key: str) -> TransactWriteItemTypeDef:
        return {"Delete": {"TableName": self._table, "Key": to_item({"key": key})}}

    @tracer.capture_method
    def attach(self, record: ImageRecord, target: str) -> bool:
        """Attach on its own (profiles); False when the condition no longer holds."""
        update = dict(self.attach_write(record, target)["Update"])
        try:
            self._client.update_item(**update)  # type: ignore[arg-type]
        except self._client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    @tracer.capture_method
    def delete(self, key: str) -> None:
        self._client.delete_item(TableName=self._table, Key=to_item({"key": key}))

    @tracer.capture_method
    def finish(
        self,
        key: str,
        status: ImageStatus,
        *,
        width: int | None = None,
        height: int | None = None,
        reason: str | None = None,
    ) -> ImageRecord | None:
        """Record the thumbnail function's outcome once; None if the image is gone or settled.

        Only an image still waiting or processing changes, so a redelivered S3 event (S3 sends
        at least once) cannot turn a READY image FAILED or the reverse.
        """
        values: dict[str, Any] = {":status": status.value}
        sets = ["#s = :status"]
        for name, value in (("width", width), ("height", height), ("reason", reason)):
            if value is not None:
                sets.append(f"{name} = :{name}")
                values[f":{name}"] = value
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key=to_item({"key": key}),
                UpdateExpression="SET " + ", ".join(sets),
                ConditionExpression="attribute_exists(#k) AND #s IN (:open0, :open1)",
                ExpressionAttributeNames={"#s": "status", "#k": "key"},
                ExpressionAttributeValues={
                    **{name: to_value(value) for name, value in values.items()},
                    ":open0": to_value(ImageStatus.AWAITING_UPLOAD.value),
                    ":open1": to_value(ImageStatus.PROCESSING.value),
                },
                ReturnValues="ALL_NEW",
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            return None
        return _record(from_item(response["Attributes"]))


def expiry_epoch(after_seconds: int, now: float | None = None) -> int:
    """A DynamoDB TTL value: epoch seconds."""
    return int((time.time() if now is None else now) + after_seconds)


def _attributes(record: ImageRecord) -> dict[str, Any]:
    return {
        "key": record.key,
        "ownerId": record.owner_id,
        "purpose": record.purpose.value,
        "contentType": record.content_type,
        "status": record.status.value,
        "createdAt": record.created_at,
        "width": record.width,
        "height": record.height,
        "reason": record.reason,
        "attachedTo": record.attached_to,
    }


def _record(item: dict[str, Any]) -> ImageRecord:
    return ImageRecord(
        key=item["key"],
        owner_id=item["ownerId"],
        purpose=ImagePurpose(item["purpose"]),
        content_type=item["contentType"],
        status=ImageStatus(item["status"]),
        created_at=item["createdAt"],
        width=item.get("width"),
        height=item.get("height"),
        reason=item.get("reason"),
        attached_to=item.get("attachedTo"),
    )
