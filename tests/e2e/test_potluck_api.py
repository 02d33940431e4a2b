"""Every Potluck operation over HTTP through gql, against the devserver or AppSync."""

from __future__ import annotations

from typing import Any

from tests.e2e.potluck_target import API_KEY, Auth, Target, user
from tests.support.inputs import recipe_input

RECIPE_FIELDS = """
  id authorId title description tags servings prepMinutes cookMinutes imageUrl version
  createdAt updatedAt ingredients { name quantity unit } steps
  author { id displayName } rating { average count } commentCount
"""
CREATE = (
    f"mutation($input: CreateRecipeInput!) {{ createRecipe(input: $input) {{ {RECIPE_FIELDS} }} }}"
)
UPDATE = (
    "mutation($input: UpdateRecipeInput!) { updateRecipe(input: $input) { id title version tags } }"
)
DELETE = "mutation($id: ID!) { deleteRecipe(id: $id) { id authorId deletedAt } }"
RECIPE = f"query($id: ID!) {{ recipe(id: $id) {{ {RECIPE_FIELDS} comments(limit: 10) {{ items {{ id body author {{ id }} }} nextToken }} }} }}"
ADD_COMMENT = "mutation($r: ID!, $b: String!) { addComment(recipeId: $r, body: $b) { id recipeId authorId body author { id } } }"
RATE = "mutation($r: ID!, $s: Int!) { rateRecipe(recipeId: $r, stars: $s) { recipeId average count ratedAt } }"

MY_RATINGS = "query($ids: [ID!]!) { me { ratings(recipeIds: $ids) { recipeId stars ratedAt } } }"


def call(
    api: Target, query: str, variables: dict[str, Any] | None = None, auth: Auth = API_KEY
) -> dict[str, Any]:
    # Through gql, as a Python client sends it; a status other than 200 raises.
    return api.execute(query, variables, auth)


def ok(
    api: Target, query: str, variables: dict[str, Any] | None = None, auth: Auth = API_KEY
) -> dict[str, Any]:
    body = call(api, query, variables, auth)
    assert "errors" not in body, body["errors"]
    data: dict[str, Any] = body["data"]
    return data


def test_recipe_lifecycle_with_comments_and_ratings(api: Target) -> None:
    # GIVEN a cook who publishes a recipe
    cook, fan = user("cook"), user("fan")
    created = ok(api, CREATE, {"input": recipe_input()}, cook)["createRecipe"]
    assert created["author"]["id"] == api.user_id("cook")
    assert created["tags"] == ["thai", "curry"]
    assert created["rating"] == {"average": None, "count": 0}
    assert created["commentCount"] == 0
    # WHEN a fan comments and rates it, and the cook edits it
    comment = ok(api, ADD_COMMENT, {"r": created["id"], "b": "Made it twice!"}, fan)["addComment"]
    assert comment["author"]["id"] == api.user_id("fan")
    rating = ok(api, RATE, {"r": created["id"], "s": 5}, fan)["rateRecipe"]
    assert rating == {**rating, "recipeId": created["id"], "average": 5.0, "count": 1}
    change = {"id": created["id"], "expectedVersion": 1, "title": "Green curry, hotter"}
    assert ok(api, UPDATE, {"input": change}, cook)["updateRecipe"]["version"] == 2
    # THEN a public reader sees all of it in one query
    read = ok(api, RECIPE, {"id": created["id"]})["recipe"]
    assert read["title"] == "Green curry, hotter"
    assert read["commentCount"] == 1
    assert read["rating"] == {"average": 5.0, "count": 1}
    assert [c["body"] for c in read["comments"]["items"]] == ["Made it twice!"]
    # AND the fan sees their own stars on their own account
    mine = ok(api, MY_RATINGS, {"ids": [created["id"]]}, fan)["me"]["ratings"]
    assert [(r["recipeId"], r["stars"]) for r in mine] == [(created["id"], 5)]
    # WHEN the cook deletes it, THEN it and everything on it are gone
    assert ok(api, DELETE, {"id": created["id"]}, cook)["deleteRecipe"]["id"] == created["id"]
    assert ok(api, RECIPE, {"id": created["id"]})["recipe"] is None
    gone = call(api, ADD_COMMENT, {"r": created["id"], "b": "late"}, fan)
    assert gone["errors"][0]["errorType"] == "NotFound"


def test_listings_and_pagination(api: Target) -> None:
    baker = user("baker")
    ids = [
        ok(api, CREATE, {"input": recipe_input(title=f"Loaf {n}", tags=["bread"])}, baker)[
            "createRecipe"
        ]["id"]
        for n in range(3)
    ]
    by_author = "query($a: ID!, $t: String) { recipesByAuthor(authorId: $a, limit: 2, nextToken: $t) { items { id } nextToken } }"
    first = ok(api, by_author, {"a": api.user_id("baker")})["recipesByAuthor"]
    second = ok(api, by_author, {"a": api.user_id("baker"), "t": first["nextToken"]})[
        "recipesByAuthor"
    ]
    assert [r["id"] for r in first["items"] + second["items"]] == list(reversed(ids))
    feed = ok(api, "{ recipes(limit: 3) { items { id createdAt } nextToken } }")["recipes"]
    stamps = [r["createdAt"] for r in feed["items"]]
    assert stamps == sorted(stamps, reverse=True)
    tagged = ok(api, '{ recipesByTag(tag: "BREAD", limit: 100) { items { id } } }')["recipesByTag"]
    assert set(ids) <= {r["id"] for r in tagged["items"]}
    foreign = call(api, by_author, {"a": "someone-else", "t": first["nextToken"]})
    assert foreign["errors"][0]["errorType"] == "BadRequest"
    assert foreign["data"] is None


def test_top_rated(api: Target) -> None:
    chef = user("chef")
    good = ok(api, CREATE, {"input": recipe_input(title="Good")}, chef)["createRecipe"]["id"]
    great = ok(api, CREATE, {"input": recipe_input(title="Great")}, chef)["createRecipe"]["id"]
    for rater, recipe, stars in [
        ("ann", good, 3),
        ("bo", good, 4),
        ("ann", great, 5),
        ("bo", great, 5),
    ]:
        ok(api, RATE, {"r": recipe, "s": stars}, user(rater))
    # Other tests share the database, so walk every page to find these two.
    query = "query($t: String) { topRatedRecipes(limit: 100, minRatings: 2, nextToken: $t) { items { id } nextToken } }"
    ranked: list[str] = []
    token = None
    for _ in range(50):
        page = ok(api, query, {"t": token})["topRatedRecipes"]
        ranked += [r["id"] for r in page["items"] if r["id"] in {good, great}]
        token = page["nextToken"]
        if token is None:
            break
    assert ranked == [great, good]


def test_profiles(api: Target) -> None:
    me = ok(api, "{ me { id email profile { id displayName } } }", auth=user("pat"))["me"]
    assert me["id"] == me["profile"]["id"] == api.user_id("pat")
    assert me["email"]
    updated = ok(
        api,
        'mutation { updateMyProfile(input: {bio: "Bakes", displayName: "Pat"}) { displayName bio } }',
        auth=user("pat"),
    )["updateMyProfile"]
    assert updated == {"displayName": "Pat", "bio": "Bakes"}
    public = ok(api, "query($id: ID!) { profile(id: $id) { displayName bio } }", {"id": me["id"]})
    assert public["profile"] == {"displayName": "Pat", "bio": "Bakes"}


def test_comment_edit_and_delete_rules(api: Target) -> None:
    owner, writer, other, admin = (
        user("owner"),
        user("writer"),
        user("other"),
        user("boss", "admins"),
    )
    recipe = ok(api, CREATE, {"input": recipe_input()}, owner)["createRecipe"]["id"]
    comment = ok(api, ADD_COMMENT, {"r": recipe, "b": "first"}, writer)["addComment"]["id"]
    edit = "mutation($id: ID!, $b: String!) { editComment(id: $id, body: $b) { id body } }"
    delete = "mutation($id: ID!) { deleteComment(id: $id) { id recipeId deletedAt } }"
    assert (
        call(api, edit, {"id": comment, "b": "hijack"}, other)["errors"][0]["errorType"]
        == "Forbidden"
    )
    assert ok(api, edit, {"id": comment, "b": "edited"}, writer)["editComment"]["body"] == "edited"
    assert call(api, delete, {"id": comment}, other)["errors"][0]["errorType"] == "Forbidden"
    assert ok(api, delete, {"id": comment}, admin)["deleteComment"]["recipeId"] == recipe


def test_bad_input_is_a_validation_error_and_nothing_is_written(api: Target) -> None:
    body = call(api, CREATE, {"input": recipe_input(title="x" * 500)}, user("sloppy"))
    assert body["data"] is None
    (error,) = body["errors"]
    assert error["errorType"] == "ValidationError"
    assert error["path"] == ["createRecipe"]
    assert "title" in error["message"]
    mine = ok(
        api,
        "query($a: ID!) { recipesByAuthor(authorId: $a) { items { id } } }",
        {"a": api.user_id("sloppy")},
    )
    assert mine["recipesByAuthor"]["items"] == []


def test_stale_version_is_a_conflict(api: Target) -> None:
    cook = user("racer")
    recipe = ok(api, CREATE, {"input": recipe_input()}, cook)["createRecipe"]["id"]
    ok(api, UPDATE, {"input": {"id": recipe, "expectedVersion": 1, "title": "v2"}}, cook)
    body = call(api, UPDATE, {"input": {"id": recipe, "expectedVersion": 1, "title": "lost"}}, cook)
    assert body["errors"][0]["errorType"] == "ConflictError"
    assert ok(api, "query($id: ID!) { recipe(id: $id) { title version } }", {"id": recipe})[
        "recipe"
    ] == {"title": "v2", "version": 2}
