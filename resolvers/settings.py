"""Runtime settings, read once from the environment: the only module that reads os.environ."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from functools import cache
from typing import TYPE_CHECKING, Any, Self

if TYPE_CHECKING:
    from collections.abc import Mapping


class SettingsError(RuntimeError):
    """A required environment variable is missing or malformed."""


def _from_env(cls: type[Any], env: Mapping[str, str] | None) -> dict[str, str]:
    source = os.environ if env is None else env
    values: dict[str, str] = {}
    missing: list[str] = []
    for field in fields(cls):
        key = field.name.upper()
        if key in source:
            values[field.name] = source[key]
        elif isinstance(field.default, str):
            values[field.name] = field.default
        else:
            missing.append(key)
    if missing:
        raise SettingsError(f"missing environment variables: {', '.join(missing)}")
    return values


class FromEnv:
    """`from_env` for a settings dataclass whose fields are all plain strings."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Self:
        return cls(**_from_env(cls, env))


@dataclass(frozen=True)
class DatabaseSettings(FromEnv):
    """Where Aurora is: all the SQL migrator needs."""

    db_cluster_arn: str
    db_secret_arn: str
    db_name: str


@dataclass(frozen=True)
class ProfileTriggerSettings(FromEnv):
    """What the Cognito post-confirmation trigger needs: only the profiles table."""

    profiles_table: str


@dataclass(frozen=True)
class ApiKeyRenewalSettings(FromEnv):
    """Which API key the daily renewal pushes out, and how far."""

    graphql_api_id: str
    api_key_id: str
    api_key_validity_days: str


@dataclass(frozen=True)
class SearchSettings:
    """What the search indexer and its backfill need: the recipes table and Aurora."""

    recipes_table: str
    db_cluster_arn: str
    db_secret_arn: str
    db_name: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Self:
        return cls(**_from_env(cls, env))

    @property
    def database(self) -> DatabaseSettings:
        return DatabaseSettings(self.db_cluster_arn, self.db_secret_arn, self.db_name)


@dataclass(frozen=True)
class WelcomeSettings:
    """What the welcome e-mail function needs: who sends, and where sending is recorded."""

    profiles_table: str
    welcome_sender: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Self:
        return cls(**_from_env(cls, env))


@dataclass(frozen=True)
class ThumbnailSettings:
    """What the thumbnail function needs: the image records, the bucket, and the API to tell."""

    images_table: str
    photos_bucket: str
    # The AppSync GraphQL endpoint, called with SigV4 (IAM) to publish a finished image.
    appsync_graphql_url: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Self:
        return cls(**_from_env(cls, env))


@dataclass(frozen=True)
class Settings:
    """Every environment variable the resolver Lambda reads; infra sets exactly these keys.

    AWS endpoints are not settings: boto3 reads the standard AWS_ENDPOINT_URL_<SERVICE> variables
    itself, which is how the same code reaches local backends.
    """

    profiles_table: str
    recipes_table: str
    images_table: str
    photos_bucket: str
    db_cluster_arn: str
    db_secret_arn: str
    db_name: str
    # Locally the signing key is given directly; in the cloud it lives in Secrets Manager.
    pagination_secret: str = ""
    pagination_secret_arn: str = ""
    admin_group: str = "admins"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Self:
        settings = cls(**_from_env(cls, env))
        if not settings.pagination_secret and not settings.pagination_secret_arn:
            raise SettingsError("set PAGINATION_SECRET or PAGINATION_SECRET_ARN")
        return settings

    @classmethod
    def env_keys(cls) -> frozenset[str]:
        """The environment variable names, for infra's Lambda environment and its test."""
        return frozenset(field.name.upper() for field in fields(cls))

    @property
    def database(self) -> DatabaseSettings:
        return DatabaseSettings(self.db_cluster_arn, self.db_secret_arn, self.db_name)


@cache
def get_settings() -> Settings:
    return Settings.from_env()
