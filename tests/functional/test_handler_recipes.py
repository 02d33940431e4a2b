"""The Lambda handler, in process, over real local backends: recipes and profiles."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from resolvers.errors import ConflictError, Forbidden, InternalError, NotFound, ValidationError
from tests.support import events
from tests.support.inputs import recipe_input
from tests.support.invoke import Invoke


def new_user(groups: tuple[str, ...] = ()) -> dict[str, Any]:
    sub = str(uuid.uuid4())
    return events.cognito(sub, f"cook-{sub[:6]}", groups=groups)


def create(invoke: Invoke, user: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    event = events.event(
        "Mutation", "createRecipe", {"input": recipe_input(**overrides)}, identity=user
    )
    result: dict[str, Any] = invoke(event)
    return result


def test_create_then_read_back(invoke: Invoke) -> None:
    # GIVEN a signed-in cook
    cook = new_user()
    # WHEN she creates a recipe
    created = create(invoke, cook)
    # THEN anyone (API key) reads it back, authored by her, at version 1
    read = invoke(events.event("Query", "recipe", {"id": created["id"]}))
    assert read == created
    assert read["authorId"] == cook["sub"]
    assert read["version"] == 1
    assert read["ingredients"] == [{"name": "curry paste", "quantity": 1.5, "unit": "tbsp"}]
    assert read["createdAt"].endswith("Z")


def test_missing_recipe_reads_as_null(invoke: Invoke) -> None:
    assert invoke(events.event("Query", "recipe", {"id": "does-not-exist"})) is None


def test_first_write_creates_the_authors_profile(invoke: Invoke) -> None:
    # GIVEN a user who never called `me`
    cook = new_user()
    # WHEN she creates a recipe
    create(invoke, cook)
    # THEN her profile exists, named from her token
    profile = invoke(events.event("Query", "profile", {"id": cook["sub"]}))
    assert profile["displayName"] == cook["username"]


def test_me_creates_once_and_holds_the_email_that_public_profiles_never_show(
    invoke: Invoke,
) -> None:
    # GIVEN a new user
    cook = new_user()
    # WHEN she asks for `me` twice
    first = invoke(events.event("Query", "me", identity=cook))
    again = invoke(events.event("Query", "me", identity=cook))
    # THEN her account was created once and carries her e-mail beside her public profile
    assert first == again
    assert first["id"] == cook["sub"]
    assert first["email"] == cook["claims"]["email"]
    assert first["profile"]["id"] == cook["sub"]
    assert "email" not in first["profile"]
    # AND her public profile has no e-mail field at all, for her or anyone else
    for viewer in (cook, new_user()):
        seen = invoke(events.event("Query", "profile", {"id": cook["sub"]}, identity=viewer))
        assert seen["displayName"] == first["profile"]["displayName"]
        assert "email" not in seen


def test_my_ratings_are_only_the_callers_own(invoke: Invoke) -> None:
    # GIVEN two recipes, one rated by Alice and both rated by Bob
    alice, bob = new_user(), new_user()
    soup, stew = create(invoke, alice, title="Soup"), create(invoke, alice, title="Stew")
    for who, recipe, stars in ((alice, soup, 5), (bob, soup, 1), (bob, stew, 3)):
        rated = invoke(
            events.event(
                "Mutation", "rateRecipe", {"recipeId": recipe["id"], "stars": stars}, identity=who
            )
        )
        # AND the rating's response, which subscribers receive too, names neither rater nor stars
        assert set(rated) == {"recipeId", "average", "count", "ratedAt"}
    # WHEN Alice asks for her ratings of both recipes, and of one nobody rated
    ids = [soup["id"], stew["id"], str(uuid.uuid4())]
    mine = invoke(
        events.event("Viewer", "ratings", {"recipeIds": ids}, identity=alice, source={"id": "x"})
    )
    # THEN she sees only her own stars, whatever the parent object claims to be
    assert [(r["recipeId"], r["stars"]) for r in mine] == [(soup["id"], 5)]
    assert mine[0]["ratedAt"].endswith("Z")


def test_update_my_profile(invoke: Invoke) -> None:
    cook = new_user()
    updated = invoke(
        events.event(
            "Mutation", "updateMyProfile", {"input": {"bio": "Loves chilli"}}, identity=cook
        )
    )
    assert updated["bio"] == "Loves chilli"
    assert updated["displayName"] == cook["username"]
    cleared = invoke(
        events.event("Mutation", "updateMyProfile", {"input": {"bio": None}}, identity=cook)
    )
    assert cleared["bio"] is None


def test_stale_expected_version_is_conflict_and_item_unchanged(invoke: Invoke) -> None:
    # GIVEN a recipe updated once, now at version 2
    cook = new_user()
    created = create(invoke, cook)
    update = {"id": created["id"], "expectedVersion": 1, "title": "Version two"}
    v2 = invoke(events.event("Mutation", "updateRecipe", {"input": update}, identity=cook))
    assert v2["version"] == 2
    # WHEN a client that still holds version 1 saves
    stale = {"id": created["id"], "expectedVersion": 1, "title": "Lost update"}
    # THEN it gets ConflictError
    with pytest.raises(ConflictError, match="version 2"):
        invoke(events.event("Mutation", "updateRecipe", {"input": stale}, identity=cook))
    # AND the stored recipe is exactly version 2
    assert invoke(events.event("Query", "recipe", {"id": created["id"]})) == v2


def test_tag_changes_move_the_recipe_between_tag_listings(invoke: Invoke) -> None:
    cook = new_user()
    tag = f"t{uuid.uuid4().hex[:8]}"
    created = create(invoke, cook, tags=[tag])
    listed = invoke(events.event("Query", "recipesByTag", {"tag": tag.upper()}))
    assert [r["id"] for r in listed["items"]] == [created["id"]]
    change = {"id": created["id"], "expectedVersion": 1, "tags": ["other"]}
    invoke(events.event("Mutation", "updateRecipe", {"input": change}, identity=cook))
    assert invoke(events.event("Query", "recipesByTag", {"tag": tag}))["items"] == []


def test_other_users_cannot_update_or_delete_but_admins_can_delete(invoke: Invoke) -> None:
    # GIVEN Alice's recipe
    alice, bob, admin = new_user(), new_user(), new_user(groups=("admins",))
    created = create(invoke, alice)
    change = {"id": created["id"], "expectedVersion": 1, "title": "Bob was here"}
    # WHEN Bob tries to change or delete it, THEN he is Forbidden
    with pytest.raises(Forbidden):
        invoke(events.event("Mutation", "updateRecipe", {"input": change}, identity=bob))
    with pytest.raises(Forbidden):
        invoke(events.event("Mutation", "deleteRecipe", {"id": created["id"]}, identity=bob))
    assert (
        invoke(events.event("Query", "recipe", {"id": created["id"]}))["title"] == created["title"]
    )
    # WHEN an admin deletes it, THEN it is gone
    deleted = invoke(
        events.event("Mutation", "deleteRecipe", {"id": created["id"]}, identity=admin)
    )
    assert deleted["id"] == created["id"]
    assert invoke(events.event("Query", "recipe", {"id": created["id"]})) is None
    with pytest.raises(NotFound):
        invoke(events.event("Mutation", "deleteRecipe", {"id": created["id"]}, identity=alice))


def test_listings_page_newest_first_with_signed_tokens(invoke: Invoke) -> None:
    # GIVEN an author with 5 recipes
    cook = new_user()
    ids = [create(invoke, cook, title=f"Dish {n}")["id"] for n in range(5)]
    # WHEN her listing is read 2 at a time
    seen: list[str] = []
    token = None
    for _ in range(3):
        args = {"authorId": cook["sub"], "limit": 2, "nextToken": token}
        page = invoke(events.event("Query", "recipesByAuthor", args))
        seen += [r["id"] for r in page["items"]]
        token = page["nextToken"]
    # THEN all 5 come back once, newest first, and the last page ends the chain
    assert seen == list(reversed(ids))
    assert token is None


def test_sql_injection_strings_are_stored_verbatim(invoke: Invoke) -> None:
    cook = new_user()
    nasty = "Robert'); DROP TABLE recipes; --"
    created = create(invoke, cook, title=nasty, description='" OR 1=1 --')
    read = invoke(events.event("Query", "recipe", {"id": created["id"]}))
    assert read["title"] == nasty
    assert read["description"] == '" OR 1=1 --'


def test_validation_error_writes_nothing(invoke: Invoke) -> None:
    cook = new_user()
    with pytest.raises(ValidationError, match="title"):
        create(invoke, cook, title="x" * 121)
    page = invoke(events.event("Query", "recipesByAuthor", {"authorId": cook["sub"]}))
    assert page["items"] == []


def test_unexpected_failures_become_internal_error_without_details(invoke: Invoke) -> None:
    # GIVEN an event for a field nobody routes (Powertools raises ValueError)
    event = events.event("Query", "notAField")
    # WHEN it is handled
    with pytest.raises(InternalError) as caught:
        invoke(event)
    # THEN the client sees only InternalError with a request id, not the cause
    assert type(caught.value).__name__ == "InternalError"
    assert "notAField" not in str(caught.value)
    assert "request id" in str(caught.value)
