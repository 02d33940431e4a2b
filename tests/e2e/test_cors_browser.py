"""A page on another origin calls the devserver from headless Chromium, as a frontend app does.

The page is served from its own port (a Vite or Next dev server in real life). It queries and
mutates with `fetch` and subscribes over AppSync's real-time protocol with a plain WebSocket;
the browser enforces CORS, so each step passes only if the devserver answers as AppSync does.
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page

from tests.support import devserver_fixtures
from tests.support.browser import chromium, serve_page

seeded_dev = devserver_fixtures.seeded_dev  # the shared, seeded dev stack (a fixture)

pytestmark = pytest.mark.browser

TIMEOUT_MS = 20_000

APP = """<!doctype html><title>another origin</title><script>
window.post = async (url, headers, query, variables) => {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return {
    status: response.status,
    errorType: response.headers.get("x-amzn-ErrorType"),
    requestId: response.headers.get("x-amzn-RequestId"),
    body: await response.json(),
  };
};
window.events = [];
window.subscribe = (url, auth, query, variables) => new Promise((resolve, reject) => {
  const header = btoa(JSON.stringify(auth));
  const socket = new WebSocket(`${url}?header=${header}&payload=e30=`, ["graphql-ws"]);
  socket.onopen = () => socket.send(JSON.stringify({ type: "connection_init" }));
  socket.onmessage = (message) => {
    const received = JSON.parse(message.data);
    if (received.type === "connection_ack") {
      const data = JSON.stringify({ query, variables });
      const payload = { data, extensions: { authorization: auth } };
      socket.send(JSON.stringify({ id: "1", type: "start", payload }));
    } else if (received.type === "start_ack") resolve("subscribed");
    else if (received.type === "data") window.events.push(received.payload.data);
    else if (received.type !== "ka") reject(new Error(message.data));
  };
  socket.onerror = () => reject(new Error("the WebSocket failed"));
});
window.attempt = async (url, init) => {
  try {
    const response = await fetch(url, init);
    return `read ${response.status}: ${await response.text()}`;
  } catch (error) {
    return "blocked";
  }
};
</script>"""

FEED = "{ recipes(limit: 2) { items { id title } } }"
CREATE = """mutation { createRecipe(input: {
  title: "Cross-origin Soup", ingredients: [{name: "stock"}], steps: ["Heat."],
  servings: 1, prepMinutes: 1, cookMinutes: 5
}) { id } }"""
DELETE = "mutation ($id: ID!) { deleteRecipe(id: $id) { id } }"
ADD = "mutation ($r: ID!, $b: String!) { addComment(recipeId: $r, body: $b) { id recipeId body } }"
ON_ADDED = "subscription ($r: ID) { onCommentAdded(recipeId: $r) { id recipeId body } }"


@pytest.fixture(scope="module")
def app_page(seeded_dev):
    with serve_page(APP) as url, chromium() as browser:
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(url)
        assert not url.startswith(seeded_dev.base_url)
        yield page
        context.close()


def post(page: Page, url: str, headers: dict[str, str], query: str, variables=None) -> dict:
    return page.evaluate(
        "([url, headers, query, variables]) => window.post(url, headers, query, variables)",
        [url, headers, query, variables or {}],
    )


@pytest.fixture
def recipe(seeded_dev):
    """Ben's own recipe, deleted with its comments afterwards: the seeded data stays as it was."""
    created = seeded_dev.data(CREATE, as_user="ben")["createRecipe"]
    yield created
    seeded_dev.data(DELETE, {"id": created["id"]}, as_user="ben")


def test_a_page_on_another_origin_queries_mutates_and_subscribes(
    app_page, seeded_dev, recipe
) -> None:
    api_key = {"x-api-key": seeded_dev.api_key}
    # WHEN the page reads the feed with the API key (a preflighted cross-origin POST)
    feed = post(app_page, seeded_dev.graphql_url, api_key, FEED)
    # THEN it reads the answer and AppSync's request id header
    assert feed["status"] == 200, feed
    assert recipe["id"] in [item["id"] for item in feed["body"]["data"]["recipes"]["items"]]
    assert feed["requestId"]
    # WHEN it subscribes to the recipe's comments over a WebSocket with the API key
    host = seeded_dev.base_url.removeprefix("http://")
    subscribed = app_page.evaluate(
        "([url, auth, query, variables]) => window.subscribe(url, auth, query, variables)",
        [
            seeded_dev.graphql_url.replace("http", "ws", 1),
            {"host": host, **api_key},
            ON_ADDED,
            {"r": recipe["id"]},
        ],
    )
    assert subscribed == "subscribed"
    # AND Ben comments on it from the page
    ben = {"authorization": seeded_dev.token("ben")}
    body = f"Cross-origin hello {time.time_ns()}"
    added = post(app_page, seeded_dev.graphql_url, ben, ADD, {"r": recipe["id"], "b": body})
    assert added["status"] == 200, added
    assert added["body"]["data"]["addComment"]["body"] == body
    # THEN the page's subscription receives the comment
    app_page.wait_for_function(
        "body => window.events.some(e => e.onCommentAdded.body === body)", arg=body
    )


def test_a_page_on_another_origin_reads_the_error_type_of_a_401(app_page, seeded_dev) -> None:
    # WHEN the page forgets its credentials
    refused = post(app_page, seeded_dev.graphql_url, {}, FEED)
    # THEN it sees the 401 and its error type, as Amplify reads it from AppSync
    assert refused["status"] == 401
    assert refused["errorType"] == "UnauthorizedException"
    assert refused["body"]["errors"][0]["errorType"] == "UnauthorizedException"


def test_a_page_on_another_origin_cannot_get_playground_credentials(app_page, seeded_dev) -> None:
    base = seeded_dev.base_url
    # WHEN the page tries the playground's credential endpoints
    listed = app_page.evaluate("url => window.attempt(url, {})", f"{base}/playground/identities")
    minted = app_page.evaluate(
        "url => window.attempt(url, {method: 'POST', headers: {'content-type': "
        "'application/json'}, body: JSON.stringify({username: 'mallory'})})",
        f"{base}/playground/token",
    )
    # THEN the browser lets it read nothing
    assert listed == "blocked"
    assert minted == "blocked"
