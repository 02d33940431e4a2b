"""The composition root: builds clients and repositories once per cold start, lazily.

Nothing here runs at import time, so importing the handler stays cheap and tests or the
devserver can install their own container with `set_container`.
"""

from __future__ import annotations

import threading
from functools import cached_property
from typing import TYPE_CHECKING

import boto3

from resolvers.pagination import PageTokens
from resolvers.settings import Settings, get_settings
from resolvers.store.data_api import DATA_API_CLIENT_CONFIG, DataApi, data_api_for
from resolvers.store.dynamo import CLIENT_CONFIG, S3_CONFIG

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_rds_data import RDSDataServiceClient
    from mypy_boto3_s3 import S3Client

    from resolvers.comments.repository import AuroraCommentRepository
    from resolvers.images.repository import DynamoImageRepository
    from resolvers.images.service import Attachments
    from resolvers.images.storage import PhotoBucket
    from resolvers.profiles.repository import DynamoProfileRepository
    from resolvers.ratings.repository import AuroraRatingRepository
    from resolvers.recipes.repository import DynamoRecipeRepository
    from resolvers.search.repository import AuroraSearchIndex
    from resolvers.store.recipe_activity import AuroraRecipeActivity


class Container:
    """Everything the resolvers use, each built on first use and then reused while warm."""

    def __init__(self, settings: Settings, session: boto3.Session | None = None) -> None:
        self.settings = settings
        # A private session: boto3's default one is not safe to build clients from in threads.
        self._session = session or boto3.Session()
        self._lock = threading.Lock()

    @cached_property
    def dynamodb(self) -> DynamoDBClient:
        with self._lock:
            return self._session.client("dynamodb", config=CLIENT_CONFIG)

    @cached_property
    def rds_data(self) -> RDSDataServiceClient:
        with self._lock:
            return self._session.client("rds-data", config=DATA_API_CLIENT_CONFIG)

    @cached_property
    def data_api(self) -> DataApi:
        return data_api_for(self.settings.database, self.rds_data)

    @cached_property
    def page_tokens(self) -> PageTokens:
        secret = self.settings.pagination_secret
        if not secret:
            with self._lock:
                client = self._session.client("secretsmanager", config=CLIENT_CONFIG)
            secret = client.get_secret_value(SecretId=self.settings.pagination_secret_arn)[
                "SecretString"
            ]
        return PageTokens(secret.encode())

    @cached_property
    def profiles(self) -> DynamoProfileRepository:
        from resolvers.profiles.repository import DynamoProfileRepository  # noqa: PLC0415

        return DynamoProfileRepository(self.dynamodb, self.settings.profiles_table)

    @cached_property
    def recipes(self) -> DynamoRecipeRepository:
        from resolvers.recipes.repository import DynamoRecipeRepository  # noqa: PLC0415

        return DynamoRecipeRepository(self.dynamodb, self.settings.recipes_table)

    @cached_property
    def comments(self) -> AuroraCommentRepository:
        from resolvers.comments.repository import AuroraCommentRepository  # noqa: PLC0415

        return AuroraCommentRepository(self.data_api)

    @cached_property
    def ratings(self) -> AuroraRatingRepository:
        from resolvers.ratings.repository import AuroraRatingRepository  # noqa: PLC0415

        return AuroraRatingRepository(self.data_api)

    @cached_property
    def s3(self) -> S3Client:
        with self._lock:
            return self._session.client("s3", config=S3_CONFIG)

    @cached_property
    def images(self) -> DynamoImageRepository:
        from resolvers.images.repository import DynamoImageRepository  # noqa: PLC0415

        return DynamoImageRepository(self.dynamodb, self.settings.images_table)

    @cached_property
    def photo_bucket(self) -> PhotoBucket:
        from resolvers.images.storage import PhotoBucket  # noqa: PLC0415

        return PhotoBucket(self.s3, self.settings.photos_bucket)

    @cached_property
    def attachments(self) -> Attachments:
        from resolvers.images.service import Attachments  # noqa: PLC0415

        return Attachments(self.images, self.photo_bucket)

    @cached_property
    def search_index(self) -> AuroraSearchIndex:
        from resolvers.search.repository import AuroraSearchIndex  # noqa: PLC0415

        return AuroraSearchIndex(self.data_api)

    @cached_property
    def recipe_activity(self) -> AuroraRecipeActivity:
        from resolvers.store.recipe_activity import AuroraRecipeActivity  # noqa: PLC0415

        return AuroraRecipeActivity(self.data_api)


_container: Container | None = None
_container_lock = threading.Lock()


def get_container() -> Container:
    global _container  # noqa: PLW0603 - the one cold-start cache, by design
    if _container is None:
        with _container_lock:
            if _container is None:
                _container = Container(get_settings())
    return _container


def set_container(container: Container | None) -> None:
    """Install a container (tests, devserver); None rebuilds from the environment next time."""
    global _container  # noqa: PLW0603
    _container = container
