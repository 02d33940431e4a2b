"""Who has been sent a welcome: a claim on the profile item, so a retried batch sends nothing twice.

Claim, send, confirm. The claim is a conditional write, so of two deliveries of the same record
only one sends. A send that fails releases the claim and the record is retried. A function that
dies between sending and confirming leaves a claim that counts as sent until it is
`STALE_CLAIM_SECONDS` old: past that the message is assumed lost and may go once more.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

ATTRIBUTE = "welcomeEmail"
STALE_CLAIM_SECONDS = 900  # well past the function's timeout: the sender is surely gone


class WelcomeLedger(Protocol):
    def claim(self, user_id: str, token: str) -> bool: ...

    def confirm(self, user_id: str, token: str, message_id: str) -> None: ...

    def release(self, user_id: str, token: str) -> None: ...


class DynamoWelcomeLedger:
    """The claim lives in the profile item's `welcomeEmail` map (the stream filter ignores MODIFY)."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def claim(self, user_id: str, token: str) -> bool:
        now = int(time.time())
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"id": {"S": user_id}},
                UpdateExpression="SET #w = :claim",
                ConditionExpression="attribute_exists(id) AND (attribute_not_exists(#w)"
                " OR (#w.#s = :sending AND #w.claimedAt < :stale))",
                ExpressionAttributeNames={"#w": ATTRIBUTE, "#s": "status"},
                ExpressionAttributeValues={
                    ":claim": {
                        "M": {
                            "status": {"S": "sending"},
                            "token": {"S": token},
                            "claimedAt": {"N": str(now)},
                        }
                    },
                    ":sending": {"S": "sending"},
                    ":stale": {"N": str(now - STALE_CLAIM_SECONDS)},
                },
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def confirm(self, user_id: str, token: str, message_id: str) -> None:
        self._client.update_item(
            TableName=self._table,
            Key={"id": {"S": user_id}},
            UpdateExpression="SET #w.#s = :sent, #w.messageId = :mid",
            ConditionExpression="#w.#t = :token",
            ExpressionAttributeNames={"#w": ATTRIBUTE, "#s": "status", "#t": "token"},
            ExpressionAttributeValues={
                ":sent": {"S": "sent"},
                ":mid": {"S": message_id},
                ":token": {"S": token},
            },
        )

    def release(self, user_id: str, token: str) -> None:
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"id": {"S": user_id}},
                UpdateExpression="REMOVE #w",
                ConditionExpression="#w.#t = :token",
                ExpressionAttributeNames={"#w": ATTRIBUTE, "#t": "token"},
                ExpressionAttributeValues={":token": {"S": token}},
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            return  # someone else's claim by now: leave it
