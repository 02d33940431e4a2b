"""examples/web in headless Chromium: built here, served from another origin, live across users.

The app is built with its own build script into a temporary directory and served from another
loopback port, with the devserver's Amplify configuration (its HTTPS listener) beside it, as a
developer's Vite server would. Chromium trusts the devserver's certificate by its public key,
as a browser that trusts the local CA would accept it.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from PIL import Image, ImageDraw
from playwright.sync_api import Page, Route, expect

from tests.support import devserver_fixtures
from tests.support.browser import chromium

seeded_dev = devserver_fixtures.seeded_dev  # the shared, seeded dev stack (a fixture)

pytestmark = pytest.mark.browser

WEB = Path(__file__).resolve().parents[2] / "examples" / "web"
TIMEOUT_MS = 30_000
expect.set_options(timeout=TIMEOUT_MS)
FEED = "{ recipes(limit: 1) { items { id title author { displayName } commentCount } } }"
RATING = "query ($id: ID!) { recipe(id: $id) { rating { average count } } }"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture(scope="module")
def web_origin(seeded_dev, tmp_path_factory):
    """The app built into a temporary directory and served from its own loopback port."""
    node = shutil.which("node")
    if node is None or not (WEB / "node_modules" / "esbuild").is_dir():
        pytest.fail("node or examples/web/node_modules is missing: scripts/test installs them")
    dist = tmp_path_factory.mktemp("web") / "dist"
    subprocess.run(  # noqa: S603 - our own build script
        [node, "build.mjs", "--outdir", str(dist)], cwd=WEB, check=True, timeout=120
    )
    (dist / "amplify-config.json").write_text(json.dumps(seeded_dev.ready["amplifyConfig"]))
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(dist)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser(seeded_dev):
    certificate = x509.load_pem_x509_certificate(
        (seeded_dev.ca_file.parent / "server.pem").read_bytes()
    )
    spki = certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    pin = base64.b64encode(hashlib.sha256(spki).digest()).decode()
    with chromium([f"--ignore-certificate-errors-spki-list={pin}"]) as launched:
        yield launched


def _page(browser) -> Page:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return page


def _open(browser, url: str) -> Page:
    page = _page(browser)
    page.goto(url)
    return page


def _sign_in(page: Page, username: str) -> None:
    page.fill("#username", username)
    page.fill("#password", "any password")
    page.click("#sign-in button")
    expect(page.locator("#who")).to_have_text(username)


@pytest.fixture
def recipe(seeded_dev) -> Iterator[str]:
    with devserver_fixtures.throwaway_recipe(seeded_dev, "Browser Rice", as_user="yuki") as made:
        yield made


def test_one_user_comments_and_rates_and_another_sees_it_live(
    browser, web_origin, seeded_dev, recipe, tmp_path
) -> None:
    newest = seeded_dev.data(FEED)["recipes"]["items"][0]
    assert newest["id"] == recipe
    # GIVEN a reader on the home feed (API key, not signed in)
    reader = _open(browser, web_origin)
    card = reader.locator(".card").first
    expect(card).to_contain_text(newest["title"])
    # THEN each card shows the author, the rating and the comment count
    expect(card.locator(".author")).to_have_text(f"by {newest['author']['displayName']}")
    expect(card.locator(".comment-count")).to_have_text("0 comments")
    expect(card.locator(".rating")).to_have_text("★ not rated yet")
    reader.screenshot(path=tmp_path / "feed.png", full_page=True)
    # WHEN the reader opens that recipe, and AppSync acknowledged its subscriptions
    card.locator("a").click()
    expect(reader.locator("body")).to_have_attribute("data-live", "yes")
    before = reader.locator("#comments li").count()
    # AND a writer in another browser signs in through the local user pool and comments
    writer = _open(browser, f"{web_origin}#/recipe/{newest['id']}")
    _sign_in(writer, "dev")
    # (signing in re-renders the page; the form shows once it has)
    expect(writer.locator("#comment-form")).to_be_visible()
    body = "Tried it tonight: the kids asked for seconds."
    writer.fill("#comment-form textarea", body)
    writer.click("#comment-form button")
    expect(writer.locator("#comments")).to_contain_text(body)
    # THEN the reader sees the comment appear, by Dev, without reloading
    fresh = reader.locator("#comments li").last
    expect(fresh).to_contain_text(body)
    expect(fresh.locator(".who")).to_have_text("Dev Patel")
    expect(reader.locator("#comments li")).to_have_count(before + 1)
    expect(reader.locator("#comment-count")).to_have_text("1 comment")
    # WHEN the writer rates the recipe
    writer.click("[data-stars='4']")
    # THEN the reader's rating follows the recipe's new summary
    summary = None
    for _ in range(60):
        summary = seeded_dev.data(RATING, {"id": newest["id"]})["recipe"]["rating"]
        # (the recipe is new: a count of 0 means the rating has not landed yet)
        if summary["count"] and reader.locator("#rating").get_attribute("data-count") == str(
            summary["count"]
        ):
            break
        reader.wait_for_timeout(500)
    assert summary is not None
    expect(reader.locator("#rating")).to_have_attribute("data-count", str(summary["count"]))
    shown = float(reader.locator("#rating").get_attribute("data-average") or "nan")
    assert shown == pytest.approx(summary["average"])
    reader.screenshot(path=tmp_path / "recipe-reader.png", full_page=True)
    writer.screenshot(path=tmp_path / "recipe-writer.png", full_page=True)
    assert reader.errors == []
    assert writer.errors == []


def test_signing_in_while_the_page_still_loads_keeps_the_signed_in_view(
    browser, web_origin, recipe
) -> None:
    # GIVEN a recipe page whose first GraphQL request (the signed-out view) is held back
    page = _page(browser)
    held: list[Route] = []

    def hold_first(route: Route) -> None:
        if not held and route.request.method == "POST":
            held.append(route)
        else:
            route.continue_()

    page.route("**/graphql", hold_first)
    page.goto(f"{web_origin}#/recipe/{recipe}")
    # WHEN the user signs in before it answers, and starts typing a comment
    _sign_in(page, "dev")
    form = page.locator("#comment-form")
    expect(form).to_be_visible()
    body = "Typed while the first view was still on its way."
    page.fill("#comment-form textarea", body)
    page.evaluate("document.querySelector('#comment-form textarea').dataset.typedInto = 'yes'")
    assert held, "the first view's request was never made"
    with page.expect_response(lambda response: response.request is held[0].request):
        held[0].continue_()
    # THEN the late signed-out answer does not redraw the page: what was typed is still there
    page.wait_for_timeout(1_000)
    expect(page.locator("textarea[data-typed-into='yes']")).to_have_value(body)
    page.click("#comment-form button")
    expect(page.locator("#comments")).to_contain_text(body)
    assert page.errors == []


def _png() -> bytes:
    """A small drawn dish: a plate with something red on it."""
    image = Image.new("RGB", (480, 360), (196, 140, 90))
    draw = ImageDraw.Draw(image)
    draw.ellipse((90, 50, 390, 310), fill=(250, 250, 245))
    draw.ellipse((170, 110, 310, 250), fill=(200, 60, 40))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_the_author_uploads_a_photo_and_a_reader_sees_it_turn_ready_live(
    browser, web_origin, recipe, tmp_path
) -> None:
    # GIVEN a reader on a recipe without a photo, subscribed to its updates
    reader = _open(browser, f"{web_origin}#/recipe/{recipe}")
    expect(reader.locator("body")).to_have_attribute("data-live", "yes")
    expect(reader.locator("#photo")).to_be_hidden()
    expect(reader.locator("#photo-file")).to_have_count(0)  # not the author: no upload
    # AND its author, signed in on the same recipe
    author = _open(browser, f"{web_origin}#/recipe/{recipe}")
    _sign_in(author, "yuki")
    expect(author.locator("body")).to_have_attribute("data-live", "yes")
    # WHEN the author chooses a PNG (pre-signed POST to S3, then updateRecipe's photoKey)
    author.set_input_files(
        "#photo-file", files=[{"name": "dish.png", "mimeType": "image/png", "buffer": _png()}]
    )
    # THEN the reader's page shows the thumbnail once the thumbnail function made it READY
    image = reader.locator("#photo-img")
    expect(image).to_be_visible()
    assert "/thumb.jpg" in (image.get_attribute("src") or "")
    reader.wait_for_function("() => document.querySelector('#photo-img')?.naturalWidth > 0")
    expect(author.locator("#photo-img")).to_be_visible()
    reader.screenshot(path=tmp_path / "photo-reader.png", full_page=True)
    author.screenshot(path=tmp_path / "photo-author.png", full_page=True)
    # AND the feed's card for that recipe shows the thumbnail too
    reader.goto(web_origin)
    thumb = reader.locator(f".card[data-recipe-id='{recipe}'] img.thumb")
    expect(thumb).to_be_visible()
    reader.screenshot(path=tmp_path / "photo-feed.png")
    assert reader.errors == []
    assert author.errors == []
