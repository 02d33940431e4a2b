"""Potluck's tables and migrations on the local backends, and the environment its handler reads."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import boto3

from resolvers.search.backfill import backfill
from resolvers.search.repository import AuroraSearchIndex
from resolvers.settings import DatabaseSettings, SearchSettings, Settings, WelcomeSettings
from resolvers.store.data_api import data_api_for
from resolvers.store.migrate import migrate
from resolvers.store.provision import create_photo_bucket, create_tables

if TYPE_CHECKING:
    from collections.abc import Mapping

TABLE_PREFIX = "potluck-local"
# Signs pagination tokens locally; in the cloud the key lives in Secrets Manager.
PAGINATION_SECRET = "potluck-local-pagination-secret-not-for-aws"  # noqa: S105 - local only
ADMIN_GROUP = "admins"
PHOTOS_BUCKET = "photos"  # the bucket's logical name, as the wiring's event sources name it
# The sender of the welcome e-mail; infra takes its own from the stage config.
WELCOME_SENDER = "Potluck <welcome@potluck.local>"
SENDER_IDENTITY = "potluck.local"


def provision(backend_env: Mapping[str, str]) -> dict[str, str]:
    """Create missing tables and apply pending migrations; both are no-ops when up to date."""
    session = boto3.Session(
        aws_access_key_id=backend_env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=backend_env["AWS_SECRET_ACCESS_KEY"],
        region_name=backend_env["AWS_REGION"],
    )
    dynamodb = session.client("dynamodb", endpoint_url=backend_env["AWS_ENDPOINT_URL_DYNAMODB"])
    tables = create_tables(dynamodb, TABLE_PREFIX)
    s3 = session.client("s3", endpoint_url=backend_env["AWS_ENDPOINT_URL_S3"])
    bucket = create_photo_bucket(s3, f"{TABLE_PREFIX}-{PHOTOS_BUCKET}")
    rds_data = session.client("rds-data", endpoint_url=backend_env["AWS_ENDPOINT_URL_RDS_DATA"])
    migrate(data_api_for(DatabaseSettings.from_env(backend_env), rds_data))
    # As infra creates the sender's SES identity, so does the local SES endpoint.
    ses = session.client("sesv2", endpoint_url=backend_env["AWS_ENDPOINT_URL_SESV2"])
    ses.create_email_identity(EmailIdentity=SENDER_IDENTITY)
    env = {
        **{field.upper(): name for field, name in tables.items()},
        "PHOTOS_BUCKET": bucket,
        "PAGINATION_SECRET": PAGINATION_SECRET,
        "ADMIN_GROUP": ADMIN_GROUP,
        "WELCOME_SENDER": WELCOME_SENDER,
        # Powertools prints one CloudWatch EMF blob per invocation: noise in a terminal.
        "POWERTOOLS_METRICS_DISABLED": os.environ.get("POWERTOOLS_METRICS_DISABLED", "true"),
    }
    for settings in (Settings, SearchSettings, WelcomeSettings):
        settings.from_env({**backend_env, **env})  # fail at start-up, not on the first request
    index_existing_recipes({**backend_env, **env})
    return env


def index_existing_recipes(env: Mapping[str, str]) -> None:
    """Backfill the search index: recipes from before the stream consumer, or a crash, get in."""
    session = boto3.Session(
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        region_name=env["AWS_REGION"],
    )
    dynamodb = session.client("dynamodb", endpoint_url=env["AWS_ENDPOINT_URL_DYNAMODB"])
    rds_data = session.client("rds-data", endpoint_url=env["AWS_ENDPOINT_URL_RDS_DATA"])
    settings = SearchSettings.from_env(env)
    index = AuroraSearchIndex(data_api_for(settings.database, rds_data))
    backfill(dynamodb, settings.recipes_table, index)
