"""In-memory fakes of the repository Protocols, for service unit tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from resolvers.errors import ConflictError, NotFound
from resolvers.profiles.models import Profile
from resolvers.recipes.models import Recipe
from resolvers.recipes.repository import RecipePage


class InMemoryRecipes:
    def __init__(self) -> None:
        self.items: dict[str, Recipe] = {}

    def get(self, recipe_id: str) -> Recipe | None:
        return self.items.get(recipe_id)

    def get_many(self, recipe_ids: Sequence[str]) -> dict[str, Recipe]:
        return {rid: self.items[rid] for rid in recipe_ids if rid in self.items}

    def create(self, recipe: Recipe, also: Sequence[Any] = ()) -> None:  # noqa: ARG002 - no images in the fake
        assert recipe.id not in self.items
        self.items[recipe.id] = recipe

    def replace(self, updated: Recipe, previous: Recipe, also: Sequence[Any] = ()) -> None:  # noqa: ARG002 - no images in the fake
        stored = self.items.get(updated.id)
        if stored is None:
            raise NotFound("gone")
        if stored.version != previous.version:
            raise ConflictError("stale")
        self.items[updated.id] = updated

    def delete(self, recipe: Recipe, also: Sequence[Any] = ()) -> None:  # noqa: ARG002 - no images in the fake
        self.items.pop(recipe.id, None)

    def newest(self, limit: int, start: dict[str, Any] | None) -> RecipePage:
        return self._page(sorted(self.items.values(), key=_newest_first), limit, start)

    def by_author(self, author_id: str, limit: int, start: dict[str, Any] | None) -> RecipePage:
        mine = [r for r in self.items.values() if r.author_id == author_id]
        return self._page(sorted(mine, key=_newest_first), limit, start)

    def by_tag(self, tag: str, limit: int, start: dict[str, Any] | None) -> RecipePage:
        tagged = [r for r in self.items.values() if tag in r.tags]
        return self._page(sorted(tagged, key=_newest_first), limit, start)

    @staticmethod
    def _page(ordered: list[Recipe], limit: int, start: dict[str, Any] | None) -> RecipePage:
        offset = int(start["offset"]) if start else 0
        chunk = ordered[offset : offset + limit]
        more = offset + limit < len(ordered)
        return RecipePage(chunk, {"offset": offset + limit} if more else None)


def _newest_first(recipe: Recipe) -> tuple[str, str]:
    # Negating a string is not possible; invert by sorting on a descending key.
    return (chr(0x10FFFF) + "".join(chr(0x10FFFF - ord(c)) for c in recipe.created_at), recipe.id)


class InMemoryProfiles:
    def __init__(self) -> None:
        self.items: dict[str, Profile] = {}
        self.batch_calls = 0

    def get(self, user_id: str) -> Profile | None:
        return self.items.get(user_id)

    def get_many(self, user_ids: Sequence[str]) -> dict[str, Profile]:
        self.batch_calls += 1
        return {uid: self.items[uid] for uid in user_ids if uid in self.items}

    def create_if_missing(self, profile: Profile) -> None:
        self.items.setdefault(profile.id, profile)

    def upsert(self, new: Profile, changes: dict[str, str | None]) -> Profile:
        base = self.items.get(new.id, new)
        updated = replace(base, updated_at=new.updated_at, **changes)  # type: ignore[arg-type]
        self.items[new.id] = updated
        return updated


class RecordingActivity:
    def __init__(self) -> None:
        self.purged: list[str] = []

    def purge(self, recipe_id: str) -> None:
        self.purged.append(recipe_id)
