"""Photos end to end: pre-signed POST to the local S3, the thumbnail function, live READY."""

from __future__ import annotations

import asyncio
import io
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import httpx
import pytest
from botocore.config import Config
from botocore.credentials import Credentials
from PIL import Image, ImageDraw

from devserver.auth import DEFAULT_IAM_PRINCIPAL
from devserver.events.settings import EventsConfig
from devserver.mail import LocalSes
from localdev.provision import SENDER_IDENTITY, WELCOME_SENDER
from resolvers.thumbnails import handler as thumbnails_handler
from resolvers.thumbnails.publish import Publisher
from tests.e2e.potluck_target import API_KEY, LocalTarget, local_target, user
from tests.e2e.test_potluck_live import connected
from tests.support.events import FakeLambdaContext
from tests.support.inputs import recipe_input
from tests.support.stack import AppStack

WAIT_SECONDS = 60.0  # generous: the machine is shared; processing takes well under a second
IMAGE = "key status url thumbnailUrl width height"
UPLOAD = """mutation($p: ImagePurpose!, $t: String!) {
  createImageUpload(purpose: $p, contentType: $t) { imageKey uploadUrl fields expiresAt maxBytes }
}"""
CREATE = f"""mutation($input: CreateRecipeInput!) {{
  createRecipe(input: $input) {{ id version photo {{ {IMAGE} }} }}
}}"""
UPDATE = f"""mutation($input: UpdateRecipeInput!) {{
  updateRecipe(input: $input) {{ id version photo {{ {IMAGE} }} }}
}}"""
RECIPE = f"query($id: ID!) {{ recipe(id: $id) {{ id photo {{ {IMAGE} }} }} }}"
ON_UPDATED = f"subscription($id: ID) {{ onRecipeUpdated(id: $id) {{ id photo {{ {IMAGE} }} }} }}"
PUBLISH = "mutation($id: ID!) { publishRecipePhoto(recipeId: $id) { id } }"


def png(width: int = 800, height: int = 600) -> bytes:
    """A drawn picture: a plate on a table, nothing anyone owns."""
    image = Image.new("RGB", (width, height), (196, 140, 90))
    draw = ImageDraw.Draw(image)
    draw.ellipse((width * 0.2, height * 0.15, width * 0.8, height * 0.85), fill=(250, 250, 245))
    draw.ellipse((width * 0.35, height * 0.35, width * 0.65, height * 0.65), fill=(200, 60, 40))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


class Photos:
    def __init__(self, api: LocalTarget) -> None:
        self.api = api

    def call(self, query: str, variables: dict[str, Any], auth: Any) -> dict[str, Any]:
        body: dict[str, Any] = self.api.post(query, variables, auth).json()
        return body

    def ok(self, query: str, variables: dict[str, Any], auth: Any) -> dict[str, Any]:
        body = self.call(query, variables, auth)
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    def offer(self, cook: str, content_type: str = "image/png") -> dict[str, Any]:
        variables = {"p": "RECIPE_PHOTO", "t": content_type}
        return self.ok(UPLOAD, variables, user(cook))["createImageUpload"]

    def upload(self, offer: dict[str, Any], data: bytes, **overrides: str) -> httpx.Response:
        """POST the file as a browser form does: the policy's fields first, the file last."""
        # AWSJSON arrives as a JSON string, as AppSync sends it.
        fields = {**json.loads(offer["fields"]), **overrides}
        return httpx.post(
            offer["uploadUrl"], data=fields, files={"file": ("photo", data)}, timeout=30
        )

    def photo(self, recipe_id: str) -> dict[str, Any] | None:
        photo: dict[str, Any] | None = self.ok(RECIPE, {"id": recipe_id}, API_KEY)["recipe"][
            "photo"
        ]
        return photo


def wait_for(check: Callable[[], Any], what: str) -> Any:
    deadline = time.monotonic() + WAIT_SECONDS
    while not (value := check()):
        if time.monotonic() > deadline:
            pytest.fail(f"not within {WAIT_SECONDS} s: {what}")
        time.sleep(0.1)
    return value


@pytest.fixture(scope="module")
def photos(app_stack: AppStack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Photos]:
    root = tmp_path_factory.mktemp("photos")
    endpoint = app_stack.backends.env["AWS_ENDPOINT_URL_S3"]
    config = EventsConfig(
        state_dir=root / "events",
        dynamodb_endpoint_url=app_stack.backends.env["AWS_ENDPOINT_URL_DYNAMODB"],
        s3_endpoint_url=endpoint,
        resource_prefix=app_stack.settings.photos_bucket.removesuffix("photos"),
        poll_interval_seconds=0.1,
        idle_poll_interval_seconds=0.2,
    )
    # Every event source runs, so the welcome e-mail's local SES is there too.
    ses = LocalSes(root / "outbox")
    ses.start()
    ses.create_identity({"EmailIdentity": SENDER_IDENTITY})
    env = {**ses.env, "WELCOME_SENDER": WELCOME_SENDER}
    try:
        with local_target(app_stack, root / "auth", events=config, extra_env=env) as target:
            yield Photos(target)
    finally:
        ses.stop()


def test_an_uploaded_png_turns_ready_live_with_a_smaller_working_thumbnail(photos: Photos) -> None:
    # GIVEN a recipe without a photo, and a public subscriber to its updates
    recipe = photos.ok(CREATE, {"input": recipe_input()}, user("ben"))["createRecipe"]
    original = png()

    async def scenario() -> list[dict[str, Any]]:
        async with connected(photos.api, API_KEY) as client:
            header = photos.api.realtime_header(API_KEY)
            await client.subscribe("u", ON_UPDATED, header, {"id": recipe["id"]})
            # WHEN its author uploads a PNG through the pre-signed POST and attaches it
            offer = await asyncio.to_thread(photos.offer, "ben")
            posted = await asyncio.to_thread(photos.upload, offer, original)
            assert posted.status_code == 204, posted.text
            change = {"id": recipe["id"], "expectedVersion": 1, "photoKey": offer["imageKey"]}
            updated = await asyncio.to_thread(photos.ok, UPDATE, {"input": change}, user("ben"))
            assert updated["updateRecipe"]["photo"]["key"] == offer["imageKey"]
            seen = []
            while not seen or seen[-1]["status"] != "READY":
                message = await client.receive(WAIT_SECONDS)
                assert message["type"] == "data", message
                seen.append(message["payload"]["data"]["onRecipeUpdated"]["photo"])
            return seen

    seen = asyncio.run(scenario())
    # THEN the subscriber sees the photo turn READY (after PROCESSING, if it caught that)
    assert [photo["status"] for photo in seen] in (["READY"], ["PROCESSING", "READY"])
    ready = seen[-1]
    assert (ready["width"], ready["height"]) == (800, 600)
    # AND both links work, and the thumbnail is a JPEG smaller than the original
    thumbnail = httpx.get(ready["thumbnailUrl"], timeout=30)
    assert thumbnail.status_code == 200
    with Image.open(io.BytesIO(thumbnail.content)) as small:
        assert small.format == "JPEG"
        assert max(small.size) == 320
    assert len(thumbnail.content) < len(original)
    assert httpx.get(ready["url"], timeout=30).status_code == 200
    # AND everyone reading the recipe sees the same READY photo
    assert photos.photo(recipe["id"])["status"] == "READY"  # type: ignore[index]


def test_another_user_cannot_attach_someone_elses_upload(photos: Photos) -> None:
    # GIVEN ben's uploaded photo
    offer = photos.offer("ben")
    assert photos.upload(offer, png()).status_code == 204
    # WHEN chloe puts its key on her own recipe
    stolen = recipe_input(photoKey=offer["imageKey"])
    body = photos.call(CREATE, {"input": stolen}, user("chloe"))
    # THEN it is a ValidationError, and no recipe was written
    (error,) = body["errors"]
    assert error["errorType"] == "ValidationError"
    assert "not an image you uploaded" in error["message"]
    assert body["data"] is None


def test_one_upload_is_the_photo_of_one_recipe_only(photos: Photos) -> None:
    # GIVEN ben's photo on one of his recipes
    offer = photos.offer("ben")
    assert photos.upload(offer, png()).status_code == 204
    photos.ok(CREATE, {"input": recipe_input(photoKey=offer["imageKey"])}, user("ben"))
    # WHEN he puts the same key on a second recipe
    body = photos.call(CREATE, {"input": recipe_input(photoKey=offer["imageKey"])}, user("ben"))
    # THEN it is refused: deleting either recipe would otherwise delete the other's photo
    (error,) = body["errors"]
    assert error["errorType"] == "ValidationError"
    assert "already used elsewhere" in error["message"]


def test_a_key_that_was_never_uploaded_cannot_be_attached(photos: Photos) -> None:
    # GIVEN an upload that was offered but never POSTed
    offer = photos.offer("ben")
    # WHEN ben attaches it THEN it is a ValidationError naming the missing upload
    body = photos.call(CREATE, {"input": recipe_input(photoKey=offer["imageKey"])}, user("ben"))
    (error,) = body["errors"]
    assert error["errorType"] == "ValidationError"
    assert "never uploaded" in error["message"]


def test_a_file_that_is_not_an_image_ends_failed_and_cannot_be_attached_again(
    photos: Photos,
) -> None:
    # GIVEN text posted under an image content type, attached at once to a recipe
    offer = photos.offer("ben")
    assert photos.upload(offer, b"definitely not a picture").status_code == 204
    created = photos.ok(CREATE, {"input": recipe_input(photoKey=offer["imageKey"])}, user("ben"))
    recipe_id = created["createRecipe"]["id"]
    # WHEN the thumbnail function has looked at it
    failed = wait_for(
        lambda: (photo := photos.photo(recipe_id)) and photo["status"] == "FAILED" and photo,
        "the photo is FAILED",
    )
    # THEN it never gets links, and attaching it elsewhere is refused with the reason
    assert failed["url"] is None
    assert failed["thumbnailUrl"] is None
    body = photos.call(CREATE, {"input": recipe_input(photoKey=offer["imageKey"])}, user("ben"))
    (error,) = body["errors"]
    assert error["errorType"] == "ValidationError"
    assert "not a usable image" in error["message"]


def test_the_policy_refuses_an_oversized_file_another_type_and_a_tampered_form(
    photos: Photos,
) -> None:
    # GIVEN an upload offer
    offer = photos.offer("ben")
    assert offer["maxBytes"] == 10 * 1024 * 1024
    # WHEN the file is one byte over the limit THEN S3 refuses it
    too_big = photos.upload(offer, b"\0" * (offer["maxBytes"] + 1))
    assert too_big.status_code == 400
    assert "EntityTooLarge" in too_big.text
    # WHEN the form claims another content type THEN the policy refuses it
    other_type = photos.upload(offer, png(), **{"Content-Type": "text/html"})
    assert other_type.status_code == 403
    assert "Policy Condition failed" in other_type.text
    # WHEN the form aims at another key THEN the policy refuses it too
    other_key = photos.upload(offer, png(), key=json.loads(offer["fields"])["key"] + "-mine")
    assert other_key.status_code == 403
    # AND a content type the API does not accept is refused before any policy is signed
    body = photos.call(UPLOAD, {"p": "RECIPE_PHOTO", "t": "image/svg+xml"}, user("ben"))
    assert body["errors"][0]["errorType"] == "ValidationError"


def test_an_expired_policy_is_refused(app_stack: AppStack, photos: Photos) -> None:
    # GIVEN a POST policy signed as the API signs them, but already expired
    s3 = boto3.client("s3", config=Config(signature_version="s3v4"))
    post = s3.generate_presigned_post(
        app_stack.settings.photos_bucket,
        "uploads/ben/expired",
        Fields={"Content-Type": "image/png"},
        Conditions=[["eq", "$Content-Type", "image/png"], ["content-length-range", 1, 100]],
        ExpiresIn=-60,
    )
    # WHEN a browser posts with it
    response = httpx.post(post["url"], data=post["fields"], files={"file": ("p", b"x")}, timeout=30)
    # THEN S3 refuses it
    assert response.status_code == 403
    assert "Policy expired" in response.text


def test_only_the_backend_may_publish_a_processed_photo(photos: Photos) -> None:
    # GIVEN a recipe
    recipe = photos.ok(CREATE, {"input": recipe_input()}, user("ben"))["createRecipe"]
    # WHEN its author calls the thumbnail function's mutation THEN AppSync's auth refuses it
    body = photos.call(PUBLISH, {"id": recipe["id"]}, user("ben"))
    assert body["errors"][0]["errorType"] == "Unauthorized"


AVATAR_UPLOAD = """mutation {
  createImageUpload(purpose: AVATAR, contentType: "image/png") { imageKey uploadUrl fields }
}"""
SET_AVATAR = f"""mutation($key: ID) {{
  updateMyProfile(input: {{avatarKey: $key}}) {{ id avatar {{ {IMAGE} }} }}
}}"""
PROFILE = f"query($id: ID!) {{ profile(id: $id) {{ avatar {{ {IMAGE} }} }} }}"
DELETE = "mutation($id: ID!) { deleteRecipe(id: $id) { id } }"


def test_an_avatar_turns_ready_and_a_recipe_photo_key_is_not_an_avatar(photos: Photos) -> None:
    # GIVEN yuki's uploaded avatar
    offer = photos.ok(AVATAR_UPLOAD, {}, user("yuki"))["createImageUpload"]
    assert photos.upload(offer, png(300, 300)).status_code == 204
    # WHEN she puts it on a recipe THEN it is refused: it was uploaded as an avatar
    body = photos.call(CREATE, {"input": recipe_input(photoKey=offer["imageKey"])}, user("yuki"))
    assert "uploaded as AVATAR" in body["errors"][0]["message"]
    # WHEN she sets it as her avatar THEN her public profile shows it READY
    profile_id = photos.ok(SET_AVATAR, {"key": offer["imageKey"]}, user("yuki"))["updateMyProfile"][
        "id"
    ]
    ready = wait_for(
        lambda: (
            (a := photos.ok(PROFILE, {"id": profile_id}, API_KEY)["profile"]["avatar"])
            and a["status"] == "READY"
            and a
        ),
        "the avatar is READY",
    )
    assert (ready["width"], ready["height"]) == (300, 300)
    # AND removing it removes the avatar
    cleared = photos.ok(SET_AVATAR, {"key": None}, user("yuki"))["updateMyProfile"]
    assert cleared["avatar"] is None


def test_deleting_a_recipe_deletes_its_photo(app_stack: AppStack, photos: Photos) -> None:
    # GIVEN a recipe whose photo is READY
    offer = photos.offer("dev")
    assert photos.upload(offer, png()).status_code == 204
    created = photos.ok(CREATE, {"input": recipe_input(photoKey=offer["imageKey"])}, user("dev"))
    recipe_id = created["createRecipe"]["id"]
    wait_for(lambda: photos.photo(recipe_id)["status"] == "READY", "the photo is READY")  # type: ignore[index]
    s3 = boto3.client("s3")
    bucket = app_stack.settings.photos_bucket
    prefix = f"images/{offer['imageKey']}/"
    assert s3.list_objects_v2(Bucket=bucket, Prefix=prefix)["KeyCount"] == 2
    # WHEN the recipe is deleted
    photos.ok(DELETE, {"id": recipe_id}, user("dev"))
    # THEN its renditions and its record are gone, so the key cannot be attached again
    assert s3.list_objects_v2(Bucket=bucket, Prefix=prefix)["KeyCount"] == 0
    body = photos.call(CREATE, {"input": recipe_input(photoKey=offer["imageKey"])}, user("dev"))
    assert body["errors"][0]["errorType"] == "ValidationError"


def test_an_s3_event_delivered_twice_changes_nothing_the_second_time(photos: Photos) -> None:
    # GIVEN an upload the thumbnail function has already made READY
    offer = photos.offer("ben")
    assert photos.upload(offer, png()).status_code == 204
    created = photos.ok(CREATE, {"input": recipe_input(photoKey=offer["imageKey"])}, user("ben"))
    recipe_id = created["createRecipe"]["id"]
    ready = wait_for(
        lambda: (p := photos.photo(recipe_id)) and p["status"] == "READY" and p, "READY"
    )
    # WHEN S3 delivers the same ObjectCreated again (it delivers at least once)
    key = json.loads(offer["fields"])["key"]
    record = {"s3": {"bucket": {"name": "photos"}, "object": {"key": key, "size": 100}}}
    result = thumbnails_handler.handler({"Records": [record]}, FakeLambdaContext())
    # THEN nothing is processed and the photo is unchanged
    assert result == {"processed": [None]}
    assert photos.photo(recipe_id)["width"] == ready["width"]  # type: ignore[index]


def test_the_thumbnail_functions_signed_call_reaches_subscribers(photos: Photos) -> None:
    # GIVEN a recipe with a READY photo and a public subscriber to its updates
    offer = photos.offer("chloe")
    assert photos.upload(offer, png()).status_code == 204
    created = photos.ok(CREATE, {"input": recipe_input(photoKey=offer["imageKey"])}, user("chloe"))
    recipe_id = created["createRecipe"]["id"]
    wait_for(lambda: photos.photo(recipe_id)["status"] == "READY", "the photo is READY")  # type: ignore[index]
    credentials = DEFAULT_IAM_PRINCIPAL.credentials
    publisher = Publisher(
        photos.api.graphql_url,
        Credentials(credentials.access_key_id, credentials.secret_access_key),
        "us-east-1",
    )

    async def scenario() -> tuple[bool, dict[str, Any]]:
        async with connected(photos.api, API_KEY) as client:
            header = photos.api.realtime_header(API_KEY)
            await client.subscribe("u", ON_UPDATED, header, {"id": recipe_id})
            # WHEN the thumbnail function's publisher calls the IAM-only mutation, SigV4-signed
            published = await asyncio.to_thread(publisher.publish, f"recipe#{recipe_id}")
            message = await client.receive(WAIT_SECONDS)
            return published, message

    published, message = asyncio.run(scenario())
    # THEN the API accepted it and the subscriber received the recipe with its READY photo
    assert published
    assert message["type"] == "data", message
    event = message["payload"]["data"]["onRecipeUpdated"]
    assert (event["id"], event["photo"]["status"]) == (recipe_id, "READY")
