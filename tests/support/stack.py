"""The application wired to real local backends: tables, migrations and a container."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass

import boto3

from devserver.backends.stack import LocalBackends
from resolvers.bootstrap import Container, set_container
from resolvers.settings import Settings, get_settings
from resolvers.store.migrate import migrate
from resolvers.store.provision import create_photo_bucket, create_tables

PAGINATION_SECRET = "tests-only-pagination-secret-0123456789"


@dataclass(frozen=True)
class AppStack:
    backends: LocalBackends
    settings: Settings
    container: Container


def start_app_stack(backends: LocalBackends) -> AppStack:
    """Point boto3 at the backends, create fresh tables, migrate, and install a container."""
    # boto3 reads AWS_ENDPOINT_URL_<SERVICE> itself: the app code is the unchanged cloud code.
    os.environ.update(backends.env)
    session = boto3.Session()
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    tables = create_tables(session.client("dynamodb"), prefix)
    bucket = create_photo_bucket(session.client("s3"), f"{prefix}-photos")
    env = backends.env
    settings = Settings(
        db_cluster_arn=env["DB_CLUSTER_ARN"],
        db_secret_arn=env["DB_SECRET_ARN"],
        db_name=env["DB_NAME"],
        pagination_secret=PAGINATION_SECRET,
        photos_bucket=bucket,
        **tables,
    )
    container = Container(settings, session)
    migrate(container.data_api)
    get_settings.cache_clear()
    set_container(container)
    return AppStack(backends=backends, settings=settings, container=container)
