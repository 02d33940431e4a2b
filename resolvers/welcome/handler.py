"""Lambda on the profiles table's stream (INSERT only, filtered at the event source)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

import boto3
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecordEventName,
)

from resolvers.observability import logger
from resolvers.profiles.welcome_ledger import DynamoWelcomeLedger
from resolvers.settings import WelcomeSettings
from resolvers.store.dynamo import CLIENT_CONFIG
from resolvers.streams import stream_handler
from resolvers.welcome.service import send_welcome

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
        DynamoDBRecord,
    )
    from mypy_boto3_sesv2 import SESV2Client


@cache
def _ports() -> tuple[DynamoWelcomeLedger, SESV2Client, str]:
    settings = WelcomeSettings.from_env()
    session = boto3.Session()
    ledger = DynamoWelcomeLedger(
        session.client("dynamodb", config=CLIENT_CONFIG), settings.profiles_table
    )
    return ledger, session.client("sesv2", config=CLIENT_CONFIG), settings.welcome_sender


def _record_handler(record: DynamoDBRecord) -> None:
    # The event source lets only INSERTs through; this guards a mapping deployed without it.
    if record.event_name != DynamoDBRecordEventName.INSERT or record.dynamodb is None:
        return
    ledger, ses, sender = _ports()
    outcome = send_welcome(ledger, ses, sender, record.dynamodb.new_image)
    logger.info("welcome e-mail", extra={"outcome": outcome, "event_id": record.event_id})


handler = stream_handler(_record_handler)
