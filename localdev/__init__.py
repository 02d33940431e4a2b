"""Potluck's local wiring for the generic devserver: provisioning, sample data and samples."""

from __future__ import annotations

from pathlib import Path

from devserver.project import LocalProject
from localdev import seed as sample_data
from localdev.provision import provision

REPO = Path(__file__).resolve().parents[1]
HOME_FEED_QUERY = Path(__file__).with_name("home_feed.graphql").read_text(encoding="utf-8")

PROJECT = LocalProject(
    name="Potluck",
    schema_path=REPO / "schema.graphql",
    wiring_path=REPO / "resolvers" / "wiring.toml",
    python_path=(REPO,),
    provision=provision,
    seed=sample_data.seed,
    sample_users=sample_data.sample_users(),
    example_query=HOME_FEED_QUERY,
    env_prefix="POTLUCK",
    cli_name="scripts/dev",
)
