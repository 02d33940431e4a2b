"""The playground in headless Chromium: local assets only, the example query, the auth switcher."""

from __future__ import annotations

import base64
import json
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from devserver.playground.assets import DEFAULT_VENDOR_DIR, missing_vendor_files
from localdev.seed import load_plan
from tests.support import devserver_fixtures
from tests.support.browser import chromium

seeded_dev = devserver_fixtures.seeded_dev  # the shared, seeded dev stack (a fixture)

pytestmark = pytest.mark.browser

TIMEOUT_MS = 20_000
expect.set_options(timeout=TIMEOUT_MS)  # CI machines are slower than laptops


@pytest.fixture(scope="module")
def browser():
    missing = missing_vendor_files(DEFAULT_VENDOR_DIR)
    if missing:
        pytest.fail(f"GraphiQL is not installed ({missing[0]}): ensure_playground_assets does it")
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser, seeded_dev):
    context = browser.new_context()
    opened = context.new_page()
    opened.set_default_timeout(TIMEOUT_MS)
    opened.requested = []
    opened.errors = []
    opened.on("request", lambda request: opened.requested.append(request.url))
    opened.on("pageerror", lambda error: opened.errors.append(str(error)))
    opened.sockets = []
    opened.sent_frames = []

    def record_frames(socket) -> None:  # playwright wants Python functions, not builtins
        def sent(frame: str) -> None:
            opened.sent_frames.append(frame)

        opened.sockets.append(socket)
        socket.on("framesent", sent)

    opened.on("websocket", record_frames)
    yield opened
    context.close()


def run(page: Page) -> None:
    page.locator(".graphiql-execute-button").click()


def set_query(page: Page, operation: str, document: str) -> None:
    """Replace the editor's text with `document`, which defines `operation`, as typing would."""
    # GraphiQL 4's editors are CodeMirror 5 instances. GraphiQL picks up the new operation name
    # after a debounce; the tab title shows when it has, and running earlier would send the
    # old operationName with the new text.
    page.eval_on_selector(
        ".graphiql-query-editor .CodeMirror", "(el, text) => el.CodeMirror.setValue(text)", document
    )
    expect(page.locator(".graphiql-tab-active")).to_contain_text(operation)


def call_as(page: Page, identity: str) -> None:
    page.locator("#auth-select").select_option(identity)


def test_the_example_query_runs_with_the_api_key_from_local_assets(page, seeded_dev) -> None:
    newest = load_plan().recipes[-1]["title"]
    # GIVEN the playground, opened from the server root
    page.goto(seeded_dev.base_url + "/")
    expect(page.locator("#auth-select")).to_be_enabled()
    expect(page.locator("#auth-select")).to_have_value("api-key")
    expect(page.locator(".graphiql-query-editor")).to_contain_text("query HomeFeed")
    # WHEN the default tab's query runs
    run(page)
    # THEN the seeded feed shows, and nothing came from anywhere but the devserver
    expect(page.locator(".graphiql-response")).to_contain_text(newest)
    expect(page.locator(".graphiql-response")).to_contain_text('"commentCount"')
    assert page.url == seeded_dev.graphql_url
    assert all(url.startswith(seeded_dev.base_url) for url in page.requested), page.requested
    assert page.errors == []


def test_the_switcher_calls_as_a_sample_user_and_over_iam(page, seeded_dev) -> None:
    newest = load_plan().recipes[-1]["title"]
    page.goto(seeded_dev.graphql_url)
    expect(page.locator("#auth-select")).to_be_enabled()
    # WHEN Dev Patel's identity asks who is calling
    call_as(page, "user:dev")
    expect(page.locator("#auth-status")).to_contain_text("token valid until")
    set_query(page, "Me", "query Me { me { email profile { displayName } } }")
    run(page)
    # THEN the token minted for the page is Dev's
    expect(page.locator(".graphiql-response")).to_contain_text("Dev Patel")
    # WHEN IAM is chosen (the server signs each request with the local credentials)
    call_as(page, "iam")
    set_query(page, "Latest", "query Latest { recipes(limit: 1) { items { title } } }")
    run(page)
    # THEN the request was signed by the server and accepted
    expect(page.locator(".graphiql-response")).to_contain_text(newest)
    assert f"{seeded_dev.base_url}/playground/sign" in page.requested
    assert page.errors == []


CREATE = """mutation { createRecipe(input: {
  title: "Live Soup", ingredients: [{name: "stock"}], steps: ["Heat."],
  servings: 1, prepMinutes: 1, cookMinutes: 5
}) { id } }"""
DELETE = "mutation ($id: ID!) { deleteRecipe(id: $id) { id authorId deletedAt } }"


@pytest.mark.parametrize(
    ("identity", "credential"), [("user:yuki", "eyJ"), ("iam", "AWS4-HMAC-SHA256 ")]
)
def test_a_subscription_runs_in_the_ide_over_appsyncs_protocol(
    page, seeded_dev, identity, credential
) -> None:
    # GIVEN a playground subscribed to deletions, as Yuki or over IAM (signed by the server)
    page.goto(seeded_dev.graphql_url)
    expect(page.locator("#auth-select")).to_be_enabled()
    call_as(page, identity)
    set_query(page, "OnDeleted", "subscription OnDeleted { onRecipeDeleted { id authorId } }")
    run(page)
    # WHEN Yuki creates and deletes a recipe (the stack's seeded data stays as it was)
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    seen = False
    while not seen and time.monotonic() < deadline:
        # Until the socket is subscribed an event has nobody to go to; so try again.
        created = seeded_dev.data(CREATE, as_user="yuki")["createRecipe"]["id"]
        seeded_dev.data(DELETE, {"id": created}, as_user="yuki")
        page.wait_for_timeout(300)
        seen = created in page.locator(".graphiql-response").inner_text()
    # THEN the event shows in the response pane
    assert seen, page.locator(".graphiql-response").inner_text()
    assert page.errors == []
    # AND it came over AppSync's real-time protocol, the credential in the handshake and start
    assert len(page.sockets) == 1
    handshake = handshake_headers(page.sockets[0].url)
    assert handshake["authorization"].startswith(credential)
    assert handshake["host"] == seeded_dev.base_url.removeprefix("http://")
    starts = [json.loads(frame) for frame in page.sent_frames if '"start"' in frame]
    assert starts
    start_auth = starts[0]["payload"]["extensions"]["authorization"]
    assert start_auth["authorization"].startswith(credential)
    assert "onRecipeDeleted" in json.loads(starts[0]["payload"]["data"])["query"]


def handshake_headers(url: str) -> dict[str, str]:
    """The credentials an AppSync client puts in the `header` query parameter."""
    encoded = parse_qs(urlsplit(url).query)["header"][0]
    decoded: dict[str, str] = json.loads(base64.b64decode(encoded))
    return decoded
