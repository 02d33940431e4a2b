"""`--web-app DIR`: a built frontend at /web/, with an Amplify configuration for this server."""

from __future__ import annotations

import pytest

from devserver.webapp.routes import web_routes
from tests.e2e.conftest import TINY_API_KEY

HTTPS_PORT = 4443  # what the page is told; this in-process server only speaks plain HTTP


@pytest.fixture(scope="module")
def web_server(devserver, tiny_config_factory, tmp_path_factory):
    dist = tmp_path_factory.mktemp("dist")
    (dist / "index.html").write_text("<!doctype html><title>app</title>")
    (dist / "app.js").write_text("console.log('app');")
    with devserver(tiny_config_factory(), routes=web_routes(dist, HTTPS_PORT)) as server:
        yield server


def test_the_built_files_are_served_under_web(web_server) -> None:
    # GIVEN a build directory with a page and a script
    # WHEN a browser opens /web (no slash), then the script
    bare = web_server.client.get(f"{web_server.base_url}/web", follow_redirects=True)
    script = web_server.client.get(f"{web_server.base_url}/web/app.js")
    # THEN it lands on the page, and the script is served as JavaScript
    assert bare.status_code == 200
    assert str(bare.url) == f"{web_server.base_url}/web/"
    assert "<title>app</title>" in bare.text
    assert script.headers["content-type"].startswith("text/javascript")
    # AND nothing outside the build directory is reachable
    escape = web_server.client.get(f"{web_server.base_url}/web/%2e%2e/%2e%2e/etc/passwd")
    assert escape.status_code == 404


def test_the_amplify_configuration_points_at_the_https_listener(web_server) -> None:
    # GIVEN the page asks for its configuration, by the host name it was opened with
    url = f"{web_server.base_url.replace('127.0.0.1', 'localhost')}/web/amplify-config.json"
    # WHEN it is served
    config = web_server.client.get(url).json()
    # THEN Amplify reaches GraphQL, wss and sign-in over HTTPS on that same host name
    assert config["API"]["GraphQL"] == {
        "endpoint": f"https://localhost:{HTTPS_PORT}/graphql",
        "region": "us-east-1",
        "defaultAuthMode": "apiKey",
        "apiKey": TINY_API_KEY,
    }
    cognito = config["Auth"]["Cognito"]
    assert cognito["userPoolEndpoint"] == f"https://localhost:{HTTPS_PORT}/cognito"
    assert cognito["userPoolId"] == "us-east-1_devserver"


def test_a_non_loopback_host_name_gets_no_configuration(web_server) -> None:
    # GIVEN a request that names the server by another host (DNS rebinding, a LAN name)
    # WHEN it asks for the configuration
    response = web_server.client.get(
        f"{web_server.base_url}/web/amplify-config.json", headers={"host": "potluck.example"}
    )
    # THEN it is refused
    assert response.status_code == 403
