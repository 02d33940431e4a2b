"""Data for the benchmarks, written through the handler in process as AppSync would call it."""

from __future__ import annotations

import contextlib
import io
import uuid
from typing import TYPE_CHECKING, Any

from benchmarks.sample_data import recipe_input
from resolvers.app import handler
from tests.support import events

if TYPE_CHECKING:
    from collections.abc import Iterator


@contextlib.contextmanager
def quiet_stdout() -> Iterator[None]:
    """Swallow what the handler prints (Powertools logs to stdout; on Lambda, to CloudWatch)."""
    with contextlib.redirect_stdout(io.StringIO()):
        yield


def invoke(event: dict[str, Any] | list[dict[str, Any]]) -> Any:
    with quiet_stdout():
        return handler(event, events.FakeLambdaContext())


def new_user() -> dict[str, Any]:
    sub = str(uuid.uuid4())
    return events.cognito(sub, f"cook-{sub[:6]}")


def create_recipe(user: dict[str, Any], n: int = 0) -> dict[str, Any]:
    result: dict[str, Any] = invoke(
        events.event("Mutation", "createRecipe", {"input": recipe_input(n)}, identity=user)
    )
    return result


def add_comment(user: dict[str, Any], recipe_id: str, body: str = "Lovely.") -> dict[str, Any]:
    result: dict[str, Any] = invoke(
        events.event("Mutation", "addComment", {"recipeId": recipe_id, "body": body}, identity=user)
    )
    return result


def rate(user: dict[str, Any], recipe_id: str, stars: int) -> dict[str, Any]:
    result: dict[str, Any] = invoke(
        events.event(
            "Mutation", "rateRecipe", {"recipeId": recipe_id, "stars": stars}, identity=user
        )
    )
    return result
