"""Stream consumers through the devserver: recipe search and the welcome e-mail.

The devserver polls the local tables' streams and delivers their records to the wiring's
functions as Lambda does; these tests only write through the API (or the table) and watch what
users notice: search results, the failure destination, and the outbox.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable, Iterator
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest

from devserver.backends.clients import local_client
from devserver.events.dynamodb_streams import StreamShard, lambda_record
from devserver.events.service import EventsConfig, EventService
from devserver.mail import LocalSes
from localdev.provision import SENDER_IDENTITY, WELCOME_SENDER
from resolvers.identity import AuthMode, Caller
from resolvers.recipes.models import parse_draft
from resolvers.recipes.service import create_recipe
from tests.e2e.potluck_target import API_KEY, IAM, NONE, LocalTarget, local_target, user
from tests.support.inputs import recipe_input
from tests.support.stack import AppStack

WAIT_SECONDS = 60.0  # generous: the machine is shared; a pass usually takes well under a second
SEARCH = "query($q: String!) { searchRecipes(query: $q, limit: 100) { items { id title } } }"
CREATE = "mutation($input: CreateRecipeInput!) { createRecipe(input: $input) { id version } }"
UPDATE = "mutation($input: UpdateRecipeInput!) { updateRecipe(input: $input) { id version } }"
DELETE = "mutation($id: ID!) { deleteRecipe(id: $id) { id } }"


class Events:
    """The running devserver with its event sources, outbox and failure destination."""

    def __init__(self, target: LocalTarget, stack: AppStack, ses: LocalSes) -> None:
        self.api = target
        self.stack = stack
        self.ses = ses
        self.service: EventService = target.server.app.state.devserver.events

    def ok(self, query: str, variables: dict[str, Any], auth: Any = API_KEY) -> dict[str, Any]:
        body = self.api.execute(query, variables, auth)
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    def search(self, query: str) -> list[str]:
        items = self.ok(SEARCH, {"q": query})["searchRecipes"]["items"]
        return [item["id"] for item in items]

    def redeliver(self, table: str, records: list[dict[str, Any]]) -> None:
        """Hand stream records to the table's event source again, as a retried batch would."""
        (source,) = [s for s in self.stack_sources() if s.resource == table]
        arn, shard = stream_of(self.stack, table)
        delivery = self.service.delivery(source, StreamShard(arn, shard))
        shaped = [lambda_record(record, arn) for record in records]
        assert self.service.loop is not None
        asyncio.run_coroutine_threadsafe(delivery.deliver(shaped), self.service.loop).result(
            WAIT_SECONDS
        )

    def stack_sources(self) -> tuple[Any, ...]:
        return tuple(self.api.server.app.state.devserver.holder.current.wiring.event_sources)

    def failed_batches(self) -> list[dict[str, Any]]:
        directory = self.service.failures.directory
        return [json.loads(path.read_text()) for path in sorted(directory.glob("*.json"))]


def wait_until(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {WAIT_SECONDS} s: {what}")
        time.sleep(0.1)


def table_name(stack: AppStack, table: str) -> str:
    return str(getattr(stack.settings, f"{table}_table"))


def stream_of(stack: AppStack, table: str) -> tuple[str, str]:
    streams = local_client("dynamodbstreams", stack.backends.env["AWS_ENDPOINT_URL_DYNAMODB"])
    arn = streams.list_streams(TableName=table_name(stack, table))["Streams"][-1]["StreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    return str(arn), str(shard)


def stream_records(stack: AppStack, table: str, key: dict[str, Any]) -> list[dict[str, Any]]:
    """Every record the table's stream holds for one item, oldest first."""
    streams = local_client("dynamodbstreams", stack.backends.env["AWS_ENDPOINT_URL_DYNAMODB"])
    arn, shard = stream_of(stack, table)
    iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    found: list[dict[str, Any]] = []
    while True:
        page = streams.get_records(ShardIterator=iterator, Limit=1000)
        if not page["Records"]:
            return found
        found += [r for r in page["Records"] if r["dynamodb"]["Keys"] == key]
        iterator = page["NextShardIterator"]


def rare() -> str:
    """A made-up word no other recipe contains."""
    return "qx" + uuid.uuid4().hex[:8].translate(str.maketrans("0123456789", "ghijklmnop"))


@pytest.fixture(scope="module")
def events(app_stack: AppStack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Events]:
    root = tmp_path_factory.mktemp("events")
    ses = LocalSes(root / "outbox")
    ses.start()
    ses.create_identity({"EmailIdentity": SENDER_IDENTITY})
    prefix = table_name(app_stack, "recipes").removesuffix("recipes")
    config = EventsConfig(
        state_dir=root / "events",
        dynamodb_endpoint_url=app_stack.backends.env["AWS_ENDPOINT_URL_DYNAMODB"],
        resource_prefix=prefix,
        poll_interval_seconds=0.1,
        idle_poll_interval_seconds=0.2,
    )
    env = {**ses.env, "WELCOME_SENDER": WELCOME_SENDER}
    try:
        with local_target(app_stack, root / "auth", events=config, extra_env=env) as target:
            yield Events(target, app_stack, ses)
    finally:
        ses.stop()


def test_a_rare_ingredient_word_is_found_then_a_title_change_and_a_delete_follow(
    events: Events,
) -> None:
    # GIVEN a recipe with a rare word in an ingredient and another in its title
    ingredient, old_title, new_title = rare(), rare(), rare()
    cook = user("searcher")
    recipe = recipe_input(
        title=f"{old_title} pie", ingredients=[{"name": f"{ingredient} leaves", "quantity": 1}]
    )
    created = events.ok(CREATE, {"input": recipe}, cook)["createRecipe"]
    # WHEN the index catches up THEN searchRecipes finds it by the ingredient word
    wait_until(lambda: events.search(ingredient) == [created["id"]], "the new recipe is found")
    # WHEN its title changes THEN the new title matches and the old one no longer does
    change = {"id": created["id"], "expectedVersion": 1, "title": f"{new_title} pie"}
    events.ok(UPDATE, {"input": change}, cook)
    wait_until(lambda: events.search(new_title) == [created["id"]], "the new title is found")
    assert events.search(old_title) == []
    # WHEN it is deleted THEN it is gone from the results
    events.ok(DELETE, {"id": created["id"]}, cook)
    wait_until(lambda: events.search(ingredient) == [], "the deleted recipe is gone")


def test_records_delivered_twice_or_out_of_order_leave_the_index_right(events: Events) -> None:
    # GIVEN a recipe created and then retitled, indexed at version 2
    first, second = rare(), rare()
    cook = user("reorderer")
    created = events.ok(CREATE, {"input": recipe_input(title=f"{first} stew")}, cook)[
        "createRecipe"
    ]
    change = {"id": created["id"], "expectedVersion": 1, "title": f"{second} stew"}
    events.ok(UPDATE, {"input": change}, cook)
    wait_until(lambda: events.search(second) == [created["id"]], "version 2 is indexed")
    # WHEN its stream records arrive again, newest first and each twice
    key = {"pk": {"S": f"RECIPE#{created['id']}"}, "sk": {"S": "RECIPE"}}
    insert, modify = stream_records(events.stack, "recipes", key)
    events.redeliver("recipes", [modify, insert, insert, modify])
    # THEN the index still holds version 2 only
    assert events.search(second) == [created["id"]]
    assert events.search(first) == []


def test_a_poisoned_record_ends_at_the_failure_destination_and_the_rest_is_indexed(
    events: Events,
) -> None:
    # GIVEN a recipe item without a version (written around the API) between two good recipes
    words = [rare(), rare(), rare()]
    poison_id = f"poison-{uuid.uuid4()}"
    recipes = events.stack.container.recipes
    caller = Caller(mode=AuthMode.COGNITO, user_id=str(uuid.uuid4()))
    good_one = create_recipe(recipes, caller, parse_draft(recipe_input(title=f"{words[0]} a")))
    events.stack.container.dynamodb.put_item(
        TableName=table_name(events.stack, "recipes"),
        Item={
            "pk": {"S": f"RECIPE#{poison_id}"},
            "sk": {"S": "RECIPE"},
            "id": {"S": poison_id},
            "title": {"S": f"{words[1]} broken"},
        },
    )
    good_two = create_recipe(recipes, caller, parse_draft(recipe_input(title=f"{words[2]} b")))
    # WHEN the stream is delivered
    # THEN both good recipes are indexed
    wait_until(lambda: events.search(words[0]) == [good_one.id], "the first good recipe")
    wait_until(lambda: events.search(words[2]) == [good_two.id], "the second good recipe")

    # AND the poisoned record lands at the failure destination, alone, after bounded retries
    def poisoned_failures() -> list[dict[str, Any]]:
        return [
            batch
            for batch in events.failed_batches()
            if any(
                r["dynamodb"]["Keys"]["pk"]["S"] == f"RECIPE#{poison_id}"
                for r in batch["localRecords"]
            )
        ]

    wait_until(lambda: bool(poisoned_failures()), "the poisoned record is at the destination")
    (failure,) = poisoned_failures()
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert failure["DDBStreamBatchInfo"]["batchSize"] == 1
    assert events.search(words[1]) == []


def test_a_new_user_gets_exactly_one_welcome_email_even_when_the_batch_is_retried(
    events: Events,
) -> None:
    # GIVEN a brand-new user with an e-mail address
    address = f"new-{uuid.uuid4().hex[:8]}@example.com"
    sub = str(uuid.uuid4())
    authenticator = events.api.server.app.state.devserver.authenticator
    token = authenticator.mint_token(sub, f"newbie-{sub[:8]}", address)
    headers = {"authorization": token}
    # WHEN their first authenticated call creates the profile, and they then edit it
    first = events.api.post_with_headers("{ me { id } }", headers)
    assert first.status_code == 200, first.text
    assert first.json()["data"]["me"]["id"] == sub

    def mails() -> list[Path]:
        return [p for p in events.ses.sent() if address in p.read_text(errors="replace")]

    wait_until(lambda: len(mails()) == 1, "the welcome e-mail is in the outbox")
    edit = 'mutation { updateMyProfile(input: {bio: "I cook"}) { id } }'
    assert events.api.post_with_headers(edit, headers).status_code == 200
    # AND the stream batch with the INSERT is delivered again, as a retry would
    (insert,) = [
        r
        for r in stream_records(events.stack, "profiles", {"id": {"S": sub}})
        if r["eventName"] == "INSERT" and "email" in r["dynamodb"].get("NewImage", {})
    ]
    events.redeliver("profiles", [insert, insert])
    # THEN the outbox holds exactly one message for them, a readable welcome from the sender
    time.sleep(1.0)  # give a wrongly sent second message time to appear
    (mail,) = mails()
    message = message_from_bytes(mail.read_bytes())
    assert message["To"] == address
    assert message["From"] == WELCOME_SENDER
    assert message["Subject"] == "Welcome to Potluck"
    assert {part.get_content_type() for part in message.walk()} >= {"text/plain", "text/html"}


def test_search_is_open_to_the_same_auth_modes_as_recipes(events: Events) -> None:
    recipes = ("{ recipes(limit: 1) { items { id } } }", None)
    search = (SEARCH, {"q": "tomato"})
    # GIVEN each way of calling the API
    for auth in (API_KEY, IAM, user("reader")):
        # WHEN it searches and lists THEN both answer, as they are open to the same modes
        for query, variables in (search, recipes):
            assert "errors" not in events.api.execute(query, variables, auth), auth
    # AND without credentials both are refused alike
    for query, variables in (search, recipes):
        assert events.api.post(query, variables, NONE).status_code == 401
