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
from playwright.sync_api import Page, expect

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


def _open(browser, url: str) -> Page:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
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
        if reader.locator("#rating").get_attribute("data-count") == str(summary["count"]):
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
