"""Potluck's sample data, written through the running API so every rule of the handler applies.

The plan (users, recipes, who comments and rates what) is deterministic, so tests can count on
it. Photos and avatars are drawn here (localdev.pictures) and go through the real upload flow:
`createImageUpload`, a POST of the file to the pre-signed URL, then `photoKey`/`avatarKey`.
`python -m localdev.seed --url http://127.0.0.1:4000/graphql` seeds a running devserver.
"""

from __future__ import annotations

import argparse
import json
import random
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devserver.auth import mint_token_for_user
from devserver.local.project import SampleUser
from localdev import pictures

if TYPE_CHECKING:
    from collections.abc import Sequence

    from devserver.local.project import Endpoint

DATA_FILE = Path(__file__).with_name("seed_data.json")
PLAN_SEED = 7  # a fixed seed: the same comments and ratings on every machine
COMMENTS_PER_RECIPE = (0, 1, 1, 1, 2, 2, 3)  # drawn per recipe: about one and a half
RATING_CHANCE = 0.5  # how likely each other user rates a recipe
STARS = (2, 3, 4, 4, 5, 5, 5)

_PROFILE = """mutation SeedProfile($input: UpdateProfileInput!) {
  updateMyProfile(input: $input) { id }
}"""
_CREATE = """mutation SeedRecipe($input: CreateRecipeInput!) {
  createRecipe(input: $input) { id }
}"""
_UPLOAD = """mutation SeedUpload($purpose: ImagePurpose!) {
  createImageUpload(purpose: $purpose, contentType: "image/jpeg") { imageKey uploadUrl fields }
}"""


class SeedError(RuntimeError):
    """The API refused part of the seed."""


@dataclass(frozen=True)
class SeedUser:
    username: str
    display_name: str
    groups: tuple[str, ...]
    bio: str

    @property
    def sample(self) -> SampleUser:
        return SampleUser(self.username, self.groups, self.display_name)


@dataclass(frozen=True)
class SeedComment:
    recipe: int  # index into SeedPlan.recipes
    author: str
    body: str


@dataclass(frozen=True)
class SeedRating:
    recipe: int
    author: str
    stars: int


@dataclass(frozen=True)
class SeedPlan:
    users: tuple[SeedUser, ...]
    recipes: tuple[dict[str, Any], ...]  # CreateRecipeInput plus "author"
    comments: tuple[SeedComment, ...]
    ratings: tuple[SeedRating, ...]

    def user(self, username: str) -> SeedUser:
        return next(user for user in self.users if user.username == username)


def load_plan(path: Path = DATA_FILE, seed: int = PLAN_SEED) -> SeedPlan:
    data = json.loads(path.read_text(encoding="utf-8"))
    users = tuple(
        SeedUser(u["username"], u["displayName"], tuple(u["groups"]), u["bio"])
        for u in data["users"]
    )
    recipes = tuple(_recipe(recipe) for recipe in data["recipes"])
    rng = random.Random(seed)  # noqa: S311 - sample data, not security
    comments: list[SeedComment] = []
    ratings: list[SeedRating] = []
    for index, recipe in enumerate(recipes):
        others = [user.username for user in users if user.username != recipe["author"]]
        count = min(rng.choice(COMMENTS_PER_RECIPE), len(others))
        comments += [
            SeedComment(index, author, rng.choice(data["comments"]))
            for author in rng.sample(others, count)
        ]
        ratings += [
            SeedRating(index, author, rng.choice(STARS))
            for author in others
            if rng.random() < RATING_CHANCE
        ]
    return SeedPlan(users, recipes, tuple(comments), tuple(ratings))


def sample_users(plan: SeedPlan | None = None) -> tuple[SampleUser, ...]:
    return tuple(user.sample for user in (plan or load_plan()).users)


def recipe_input(recipe: dict[str, Any]) -> dict[str, Any]:
    """The CreateRecipeInput for a planned recipe."""
    return {key: value for key, value in recipe.items() if key != "author"}


def seed(endpoint: Endpoint, plan: SeedPlan | None = None) -> list[str]:
    """Write the plan through the API; return the new recipe ids in plan order."""
    plan = plan or load_plan()
    client = GraphQLClient(endpoint.graphql_url)
    tokens = {user.username: endpoint.token_for(user.sample) for user in plan.users}
    for user in plan.users:
        token = tokens[user.username]
        avatar_key = client.upload(pictures.avatar(user.username), "AVATAR", token=token)
        profile = {"displayName": user.display_name, "bio": user.bio, "avatarKey": avatar_key}
        client.execute(_PROFILE, {"input": profile}, token=token)
    recipe_ids = []
    for recipe in plan.recipes:
        token = tokens[recipe["author"]]
        photo_key = client.upload(pictures.dish(recipe["title"]), "RECIPE_PHOTO", token=token)
        created = client.execute(
            _CREATE, {"input": {**recipe_input(recipe), "photoKey": photo_key}}, token=token
        )
        recipe_ids.append(created["createRecipe"]["id"])
    # One request per user for all their comments and ratings: aliased mutations run in order.
    for user in plan.users:
        comments = [c for c in plan.comments if c.author == user.username]
        ratings = [r for r in plan.ratings if r.author == user.username]
        if comments or ratings:
            document, variables = activity_mutation(comments, ratings, recipe_ids)
            client.execute(document, variables, token=tokens[user.username])
    return recipe_ids


def activity_mutation(
    comments: Sequence[SeedComment], ratings: Sequence[SeedRating], recipe_ids: Sequence[str]
) -> tuple[str, dict[str, Any]]:
    """One mutation document adding `comments` and `ratings`, with its variables."""
    params: list[str] = []
    fields: list[str] = []
    variables: dict[str, Any] = {}
    for i, comment in enumerate(comments):
        params += [f"$c{i}Recipe: ID!", f"$c{i}Body: String!"]
        fields.append(f"c{i}: addComment(recipeId: $c{i}Recipe, body: $c{i}Body) {{ id }}")
        variables |= {f"c{i}Recipe": recipe_ids[comment.recipe], f"c{i}Body": comment.body}
    for i, rating in enumerate(ratings):
        params += [f"$r{i}Recipe: ID!", f"$r{i}Stars: Int!"]
        fields.append(f"r{i}: rateRecipe(recipeId: $r{i}Recipe, stars: $r{i}Stars) {{ count }}")
        variables |= {f"r{i}Recipe": recipe_ids[rating.recipe], f"r{i}Stars": rating.stars}
    body = "\n  ".join(fields)
    return f"mutation SeedActivity({', '.join(params)}) {{\n  {body}\n}}", variables


class GraphQLClient:
    """Just enough of a GraphQL client for seeding: POST, Cognito token, fail on any error."""

    def __init__(self, url: str, *, timeout: float = 30.0) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"not an HTTP URL: {url}")
        self.url = url
        self.timeout = timeout

    def execute(self, query: str, variables: dict[str, Any], *, token: str) -> dict[str, Any]:
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
            self.url,
            data=json.dumps({"query": query, "variables": variables}).encode(),
            headers={"content-type": "application/json", "authorization": token},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                body: dict[str, Any] = json.loads(response.read())
        except urllib.error.HTTPError as error:
            raise SeedError(
                f"HTTP {error.code}: {error.read().decode(errors='replace')}"
            ) from error
        if body.get("errors"):
            messages = "; ".join(str(e.get("message")) for e in body["errors"])
            raise SeedError(f"the API refused the seed: {messages}")
        data: dict[str, Any] = body["data"]
        return data

    def upload(self, picture: bytes, purpose: str, *, token: str) -> str:
        """Upload a JPEG as a browser would (pre-signed POST); return its imageKey."""
        offer = self.execute(_UPLOAD, {"purpose": purpose}, token=token)["createImageUpload"]
        body, content_type = _multipart(json.loads(offer["fields"]), picture)
        request = urllib.request.Request(  # noqa: S310 - the API's own pre-signed URL
            offer["uploadUrl"], data=body, headers={"content-type": content_type}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout):  # noqa: S310
                pass
        except urllib.error.HTTPError as error:
            raise SeedError(
                f"the upload was refused: HTTP {error.code} {error.read().decode(errors='replace')}"
            ) from error
        return str(offer["imageKey"])


def _multipart(fields: dict[str, str], picture: bytes) -> tuple[bytes, str]:
    """A multipart/form-data body: the policy's fields, then the file (S3 wants it last)."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="photo.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n".encode()
        + picture
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _recipe(raw: dict[str, Any]) -> dict[str, Any]:
    ingredients = [
        {"name": name, "quantity": quantity, "unit": unit}
        for name, quantity, unit in raw["ingredients"]
    ]
    return {**raw, "ingredients": ingredients}


@dataclass(frozen=True)
class TokenEndpoint:
    """A running local devserver, with tokens minted from its state dir (for the CLI below)."""

    graphql_url: str
    state_dir: Path
    api_key: str | None = None

    def token_for(self, user: SampleUser) -> str:
        return mint_token_for_user(user.username, groups=user.groups, state_dir=self.state_dir)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/seed", description="Add Potluck's sample data to a running devserver."
    )
    parser.add_argument("--url", default="http://127.0.0.1:4000/graphql")
    parser.add_argument("--state-dir", type=Path, default=Path(".local/auth"))
    args = parser.parse_args(argv)
    ids = seed(TokenEndpoint(args.url, args.state_dir))
    print(f"seeded {len(ids)} recipes through {args.url}")  # noqa: T201 - a CLI's output
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
