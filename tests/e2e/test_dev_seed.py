"""A fresh `scripts/dev` answers the README's sample query with its seeded data, for every caller."""

from __future__ import annotations

import base64
import json
import os
import subprocess
from collections import Counter

from localdev import HOME_FEED_QUERY
from localdev.seed import load_plan
from tests.support import devserver_fixtures

seeded_dev = devserver_fixtures.seeded_dev  # the shared, seeded dev stack (a fixture)
REPO = devserver_fixtures.REPO

ALL = {"limit": 100}
ME = """query($ids: [ID!]!) {
  me { email profile { displayName bio } ratings(recipeIds: $ids) { recipeId stars } }
}"""


def test_the_sample_query_sees_all_seeded_data_with_the_printed_api_key(seeded_dev) -> None:
    plan = load_plan()
    # WHEN the README's home-feed query runs with the API key from the banner
    items = seeded_dev.data(HOME_FEED_QUERY, ALL)["recipes"]["items"]
    # THEN every seeded recipe is there, newest first, with its author, comments and ratings
    assert [item["title"] for item in items] == [r["title"] for r in reversed(plan.recipes)]
    names = {user.username: user.display_name for user in plan.users}
    authors = [names[r["author"]] for r in reversed(plan.recipes)]
    assert [item["author"]["displayName"] for item in items] == authors
    assert sum(item["commentCount"] for item in items) == len(plan.comments)
    assert sum(item["rating"]["count"] for item in items) == len(plan.ratings)
    assert all(item["tags"] for item in items)
    # AND the amounts are what the issue asks for
    assert len(plan.users) == 5
    assert len(items) == 30
    assert 30 <= len(plan.comments) <= 60
    assert 45 <= len(plan.ratings) <= 90


def test_a_printed_user_token_is_that_user(seeded_dev) -> None:
    plan = load_plan()
    # GIVEN dev's token from the banner
    # WHEN dev reads the feed, then their own account and stars for every recipe in it
    items = seeded_dev.data(HOME_FEED_QUERY, ALL, as_user="dev")["recipes"]["items"]
    me = seeded_dev.data(ME, {"ids": [item["id"] for item in items]}, as_user="dev")["me"]
    # THEN the account is the seeded one, and the ratings are exactly dev's seeded ones
    assert me["email"] == "dev@example.com"
    assert me["profile"] == {"displayName": "Dev Patel", "bio": plan.user("dev").bio}
    rated = Counter(rating["stars"] for rating in me["ratings"])
    assert rated
    assert rated == Counter(r.stars for r in plan.ratings if r.author == "dev")


def test_the_banner_marks_one_sample_user_as_admin(seeded_dev) -> None:
    groups = {user["username"]: user["groups"] for user in seeded_dev.ready["users"]}
    assert [name for name, g in groups.items() if "admins" in g] == ["ana"]
    claims = _claims(seeded_dev.token("ana"))
    assert claims["cognito:groups"] == ["admins"]
    assert claims["cognito:username"] == "ana"


def test_scripts_dev_token_mints_a_token_the_server_accepts(seeded_dev) -> None:
    # WHEN `scripts/dev token zoe --groups admins` runs against the same .local root
    result = subprocess.run(
        ["scripts/dev", "token", "zoe", "--groups", "admins"],  # noqa: S607 - the repo's script
        cwd=REPO,
        env={**os.environ, "POTLUCK_ROOT": str(seeded_dev.root)},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    token = result.stdout.strip()
    # THEN the running server accepts it as the user zoe in the admins group
    assert _claims(token)["cognito:groups"] == ["admins"]
    me = seeded_dev.post(ME, {"ids": []}, token=token)["data"]["me"]
    assert me["profile"]["displayName"] == "zoe"


def _claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
