"""Nothing private to a caller reaches subscribers, whatever the mutation selects.

AppSync sends every subscriber the mutation's response as resolved for the mutation's caller. Here
a cook's mutations select every field the schema lets them select, while an anonymous (API key)
subscriber and a second signed-in user watch every subscription those mutations publish. Runs
against the devserver or, through `scripts/smoke`, against a deployed stack.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from graphql import (
    GraphQLObjectType,
    GraphQLSchema,
    build_schema,
    get_named_type,
    is_required_argument,
)

from devserver.prelude import with_prelude
from devserver.viewer_scope import is_viewer_specific
from tests.e2e.potluck_target import API_KEY, ROOT, Auth, Target, user
from tests.e2e.test_potluck_live import connected, mutate, next_event, ok, run
from tests.support.inputs import recipe_input

if TYPE_CHECKING:
    from tests.e2e.realtime_client import RealtimeClient

SCHEMA = build_schema(with_prelude((ROOT / "schema.graphql").read_text(encoding="utf-8")))
SELECTION_DEPTH = 3


def every_field(type_name: str, depth: int = SELECTION_DEPTH, path: tuple[str, ...] = ()) -> str:
    """A selection of every field a client can ask for without arguments, to `depth` levels."""
    graphql_type = SCHEMA.get_type(type_name)
    assert isinstance(graphql_type, GraphQLObjectType)
    parts = []
    for name, field in graphql_type.fields.items():
        if any(is_required_argument(arg) for arg in field.args.values()):
            continue  # a required argument: there is no "select it plainly"
        inner = get_named_type(field.type)
        if not isinstance(inner, GraphQLObjectType):
            parts.append(name)
        elif depth > 1 and inner.name not in path:
            parts.append(f"{name} {{ {every_field(inner.name, depth - 1, (*path, type_name))} }}")
    return " ".join(parts)


def viewer_specific_names(schema: GraphQLSchema) -> set[str]:
    """Field names that only a viewer may see: marked fields and every field of a marked type."""
    names: set[str] = set()
    for graphql_type in schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType):
            continue
        marked_type = is_viewer_specific(graphql_type.description)
        for name, field in graphql_type.fields.items():
            if marked_type or is_viewer_specific(field.description):
                names.add(name)
    # Names public types also use (an id, a recipe id) say nothing private on their own.
    public = {
        name
        for graphql_type in schema.type_map.values()
        if isinstance(graphql_type, GraphQLObjectType)
        and not is_viewer_specific(graphql_type.description)
        for name, field in graphql_type.fields.items()
        if not is_viewer_specific(field.description)
    }
    return names - public


def keys_in(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {key for item in value.values() for key in keys_in(item)}
    if isinstance(value, list):
        return {key for item in value for key in keys_in(item)}
    return set()


SUBSCRIPTIONS = {
    # subscription: (its argument, the mutation that publishes it, the published type)
    "onRecipeCreated": ("authorId", "Recipe"),
    "onRecipeUpdated": ("id", "Recipe"),
    "onCommentAdded": ("recipeId", "Comment"),
    "onRatingChanged": ("recipeId", "RecipeRating"),
}


def selecting_all(operation: str, type_name: str) -> str:
    """`operation`, whose root field is left open, selecting every field of `type_name`."""
    return f"{operation} {{ {every_field(type_name)} }} }}"


def subscription(name: str) -> str:
    argument, type_name = SUBSCRIPTIONS[name]
    return selecting_all(f"subscription($v: ID) {{ {name}({argument}: $v)", type_name)


async def watch(client: RealtimeClient, api: Target, auth: Auth, name: str, value: str) -> None:
    await client.subscribe(name, subscription(name), api.realtime_header(auth), {"v": value})


def test_subscribers_never_receive_the_mutation_callers_private_data(api: Target) -> None:
    cook, neighbour = user("private-cook"), user("private-neighbour")
    account = ok(api, "{ me { id email } }", {}, cook)["me"]
    recipe = recipe_input()

    async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        received: list[dict[str, Any]] = []
        responses: list[dict[str, Any]] = []
        # GIVEN an anonymous subscriber and a second signed-in user
        async with connected(api, API_KEY) as public, connected(api, neighbour) as other:
            watchers = ((public, API_KEY), (other, neighbour))
            for client, auth in watchers:
                await watch(client, api, auth, "onRecipeCreated", account["id"])
            # WHEN the cook creates, updates, comments on and rates a recipe, selecting all
            created = await mutate(
                api,
                selecting_all(
                    "mutation($i: CreateRecipeInput!) { createRecipe(input: $i)", "Recipe"
                ),
                {"i": recipe},
                cook,
            )
            recipe_id = created["createRecipe"]["id"]
            responses.append(created)
            received += [await next_event(client) for client, _ in watchers]
            for name in ("onRecipeUpdated", "onCommentAdded", "onRatingChanged"):
                for client, auth in watchers:
                    await watch(client, api, auth, name, recipe_id)
            for query, variables in (
                (
                    selecting_all(
                        "mutation($i: UpdateRecipeInput!) { updateRecipe(input: $i)", "Recipe"
                    ),
                    {"i": {"id": recipe_id, "expectedVersion": 1, "title": "Mine"}},
                ),
                (
                    selecting_all(
                        'mutation($r: ID!) { addComment(recipeId: $r, body: "Mine too")', "Comment"
                    ),
                    {"r": recipe_id},
                ),
                (
                    selecting_all(
                        "mutation($r: ID!) { rateRecipe(recipeId: $r, stars: 4)", "RecipeRating"
                    ),
                    {"r": recipe_id},
                ),
            ):
                responses.append(await mutate(api, query, variables, cook))
                received += [await next_event(client) for client, _ in watchers]
        return responses, received

    responses, received = run(scenario)
    # THEN both subscribers got all four events, each the cook's response for that mutation
    assert len(received) == 8
    published = [event["payload"]["data"] for event in received]
    assert [next(iter(data.values())) for data in published[::2]] == [
        next(iter(response.values())) for response in responses
    ]
    assert published[::2] == published[1::2]
    # AND no key that only a viewer may see, and not the cook's e-mail, is anywhere in them
    private = viewer_specific_names(SCHEMA)
    assert {"email", "ratings", "stars"} <= private
    assert keys_in(published).isdisjoint(private)
    assert account["email"] not in json.dumps(published)
    assert account["email"] not in json.dumps(responses)


def test_the_probe_selects_nested_objects_and_names_real_subscriptions() -> None:
    # GIVEN the selection the privacy test sends
    selection = every_field("Recipe")
    # THEN it reaches into nested objects, so a private field anywhere below would be selected
    assert "author { id displayName" in selection
    assert "comments { items { " in selection
    # AND the subscriptions it watches exist, so a rename fails here rather than silently
    assert SCHEMA.subscription_type is not None
    assert set(SUBSCRIPTIONS) <= set(SCHEMA.subscription_type.fields)
