"""Versioned, idempotent SQL migrations, applied through the Data API by the devserver and deploy."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from resolvers.observability import logger

if TYPE_CHECKING:
    from resolvers.store.data_api import DataApi

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Any constant works; it only has to be the same for every migrator of this database.
_LOCK_KEY = 7_302_011

_CREATE_LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version text PRIMARY KEY,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)"""
# pg_advisory_xact_lock returns `void`, a result type the Data API may refuse
# (UnsupportedResultException, see devserver/backends/data_api/unsupported.py): select a plain
# value and call the function from FROM, where its result is never returned.
_LOCK = "SELECT 1 AS locked FROM pg_advisory_xact_lock(:key)"
_APPLIED = "SELECT version, checksum FROM schema_migrations"
_RECORD = "INSERT INTO schema_migrations (version, checksum) VALUES (:version, :checksum)"


class MigrationError(RuntimeError):
    """A migration that was already applied has been edited since."""


@dataclass(frozen=True)
class Migration:
    version: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()

    def statements(self) -> list[str]:
        # The Data API runs one statement per call. Migrations keep to plain DDL, so a semicolon
        # at the end of a line always ends a statement.
        without_comments = re.sub(r"--[^\n]*", "", self.sql)
        return [part.strip() for part in re.split(r";\s*\n", without_comments) if part.strip()]


def load_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    return [
        Migration(version=path.stem, sql=path.read_text(encoding="utf-8"))
        for path in sorted(directory.glob("*.sql"))
    ]


def migrations_checksum(directory: Path = MIGRATIONS_DIR) -> str:
    """One hash of every migration, so a deploy re-runs the migrator whenever one changes."""
    digest = hashlib.sha256()
    for migration in load_migrations(directory):
        digest.update(f"{migration.version}:{migration.checksum}\n".encode())
    return digest.hexdigest()


def migrate(db: DataApi, migrations: list[Migration] | None = None) -> list[str]:
    """Apply pending migrations in order, each in its own transaction; return the new versions.

    An advisory lock serialises concurrent migrators (two deploys, or the devserver and a test),
    so each version is applied exactly once.
    """
    pending = load_migrations() if migrations is None else migrations
    db.execute(_CREATE_LEDGER)
    applied_now: list[str] = []
    for migration in pending:
        with db.transaction() as tx:
            tx.query(_LOCK, key=_LOCK_KEY)
            applied = {row["version"]: row["checksum"] for row in tx.query(_APPLIED)}
            if migration.version in applied:
                if applied[migration.version] != migration.checksum:
                    raise MigrationError(f"migration {migration.version} changed after it ran")
                continue
            for statement in migration.statements():
                tx.execute(statement)
            tx.execute(_RECORD, version=migration.version, checksum=migration.checksum)
            applied_now.append(migration.version)
    if applied_now:  # a start-up or deploy with nothing to apply has nothing to say
        logger.info("migrations applied", extra={"versions": applied_now})
    return applied_now


def custom_resource_handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    """CloudFormation custom resource (CDK Provider on_event): migrate on create and update."""
    # Imported here so the resolver Lambda, which never migrates, does not load them.
    from resolvers.settings import DatabaseSettings  # noqa: PLC0415
    from resolvers.store.data_api import MIGRATION_RETRY, data_api_for  # noqa: PLC0415

    del context
    physical_id = "potluck-sql-migrations"
    if event.get("RequestType") in {"Create", "Update"}:
        # A deploy may find the cluster paused: wait out a long resume, not the request budget.
        versions = migrate(data_api_for(DatabaseSettings.from_env(), retry=MIGRATION_RETRY))
        return {"PhysicalResourceId": physical_id, "Data": {"Applied": ",".join(versions)}}
    return {"PhysicalResourceId": physical_id}
