"""Potluck's local wiring for the generic devserver: provisioning, sample data and samples."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from devserver.project import LocalProject
from localdev import seed as sample_data
from localdev.provision import TABLE_PREFIX, index_existing_recipes, provision

if TYPE_CHECKING:
    from devserver.project import Endpoint

REPO = Path(__file__).resolve().parents[1]
HOME_FEED_QUERY = Path(__file__).with_name("home_feed.graphql").read_text(encoding="utf-8")


def seed_searchable(endpoint: Endpoint) -> list[str]:
    """Seed through the API, then backfill the index so the sample data is searchable at once."""
    recipe_ids = sample_data.seed(endpoint)
    # The devserver exported the handlers' environment: the local tables and Data API.
    index_existing_recipes(os.environ)
    return recipe_ids


PROJECT = LocalProject(
    name="Potluck",
    schema_path=REPO / "schema.graphql",
    wiring_path=REPO / "resolvers" / "wiring.toml",
    python_path=(REPO,),
    provision=provision,
    seed=seed_searchable,
    sample_users=sample_data.sample_users(),
    example_query=HOME_FEED_QUERY,
    env_prefix="POTLUCK",
    cli_name="scripts/dev",
    resource_prefix=f"{TABLE_PREFIX}-",
)
