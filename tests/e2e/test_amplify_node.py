"""Amplify v6 itself against the devserver: Node, `generateClient`, wss and the local user pool.

examples/web/check/amplify-node.mjs runs the web example's own API module in Node, configured
with the devserver's `amplifyConfig` (its HTTPS listener), trusting the local CA through
NODE_EXTRA_CA_CERTS as the README says. It prints what each step saw; these tests read it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import devserver_fixtures

seeded_dev = devserver_fixtures.seeded_dev  # the shared, seeded dev stack (a fixture)

WEB = Path(__file__).resolve().parents[2] / "examples" / "web"
NODE_TIMEOUT_SECONDS = 120


@pytest.fixture(scope="module")
def recipe_id(seeded_dev) -> Iterator[str]:
    with devserver_fixtures.throwaway_recipe(seeded_dev, "Amplify Rice", as_user="yuki") as made:
        yield made


@pytest.fixture(scope="module")
def amplify_run(seeded_dev, recipe_id, tmp_path_factory) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None or not (WEB / "node_modules" / "aws-amplify").is_dir():
        pytest.fail("node or examples/web/node_modules is missing: scripts/test installs them")
    config = tmp_path_factory.mktemp("amplify") / "amplify-config.json"
    config.write_text(json.dumps(seeded_dev.ready["amplifyConfig"]))
    environment = {**os.environ, "NODE_EXTRA_CA_CERTS": str(seeded_dev.ca_file)}
    finished = subprocess.run(  # noqa: S603 - our own script, under our own node
        [node, "check/amplify-node.mjs", str(config), "chloe", recipe_id],
        cwd=WEB,
        env=environment,
        capture_output=True,
        text=True,
        timeout=NODE_TIMEOUT_SECONDS,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr + finished.stdout
    report: dict[str, Any] = json.loads(finished.stdout.strip().splitlines()[-1])
    return report


def test_a_query_runs_with_the_api_key_over_https(amplify_run, seeded_dev) -> None:
    # GIVEN Amplify configured for the devserver's HTTPS listener, API key as default mode
    # WHEN it asks for the home feed (done by the script)
    # THEN it gets the same five newest recipes the plain endpoint serves
    newest = seeded_dev.data("{ recipes(limit: 5) { items { title } } }")["recipes"]["items"]
    assert amplify_run["feedTitles"] == [recipe["title"] for recipe in newest]


def test_a_signed_in_users_mutation_reaches_the_subscriber_over_wss(amplify_run, recipe_id) -> None:
    # GIVEN Amplify subscribed to a recipe's comments (wss://…/graphql/realtime, API key)
    # WHEN Chloé signs in through the local user pool and comments on that recipe
    # THEN the mutation ran as her, and the subscriber received exactly that comment
    assert amplify_run["signedInAs"] == "chloe"
    added = amplify_run["added"]
    assert added["author"]["displayName"] == "Chloé Martin"
    assert added["recipeId"] == recipe_id
    assert amplify_run["event"] == added


def test_with_both_credentials_amplify_gets_what_the_api_key_may_do(
    amplify_run, seeded_dev
) -> None:
    # GIVEN the signed-in user's access token
    # WHEN Amplify sends it as a custom Authorization header on top of the API key
    # THEN the API key decides, as on AppSync: `me` (user pools only) is refused
    assert amplify_run["bothHeaders"]["errorType"] == "Unauthorized"
    assert "me" in amplify_run["bothHeaders"]["error"]
    # AND the same token on its own (authMode userPool) reads `me`
    chloe = seeded_dev.data("{ me { id } }", as_user="chloe")["me"]["id"]
    assert amplify_run["withTokenOnly"] == chloe


def test_a_key_appsync_does_not_know_is_named_as_appsync_names_it(amplify_run) -> None:
    # GIVEN Amplify calling with an API key the server does not have
    # WHEN the 401 comes back (the script's wrongKey step)
    # THEN Amplify names it from x-amzn-ErrorType, not "Unknown error"
    assert amplify_run["wrongKey"] == {"error": "Unauthorized", "name": "UnauthorizedException"}
