"""The playground's routes over HTTP: local assets, identities per auth mode, signing, refusals."""

from __future__ import annotations

import json
import re

import pytest

from devserver.auth.testing import auth_config
from devserver.playground import PlaygroundSettings, create_playground
from devserver.playground.assets import VENDOR_FILES
from devserver.project import SampleUser

EXAMPLE = 'query Example { version } # a "</script>" in a comment must not end the page\'s script'
USERS = (SampleUser("ana", ("admins",), "Ana García"), SampleUser("ben"))


@pytest.fixture
def vendor_dir(tmp_path):
    """Stand-ins for the npm files, so these tests need no `npm ci`."""
    for relative in VENDOR_FILES.values():
        path = tmp_path / "node_modules" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"/* {relative} */")
    return tmp_path / "node_modules"


@pytest.fixture
def serve(devserver, tiny_config_factory, vendor_dir):
    """`serve(**config_overrides)`: the tiny API with the playground, on a real loopback port."""

    def start(vendor=vendor_dir, **overrides):
        parts = create_playground(
            PlaygroundSettings(
                title="Tiny", example_query=EXAMPLE, sample_users=USERS, vendor_dir=vendor
            )
        )
        return devserver(
            tiny_config_factory(**overrides), playground=parts.page, routes=parts.routes
        )

    return start


def identities(server) -> dict:
    response = server.client.get(f"{server.base_url}/playground/identities")
    assert response.status_code == 200, response.text
    return response.json()


def test_the_page_embeds_its_settings_and_loads_only_local_files(serve) -> None:
    with serve() as server:
        # WHEN the browser asks for the playground
        response = server.client.get(server.graphql_url)
        # THEN it is an HTML page whose scripts and styles all come from this server
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        links = re.findall(r'(?:src|href)="([^"]+)"', response.text)
        sources = [link for link in links if not link.startswith("data:")]
        assert sources
        assert all(source.startswith("/playground/") for source in sources)
        for source in sources:
            assert server.client.get(server.base_url + source).status_code == 200, source
        # AND the settings survive a "</script>" inside the example query
        embedded = re.search(
            r'<script type="application/json" id="playground-settings">(.*?)</script>',
            response.text,
            re.DOTALL,
        )
        assert embedded is not None
        settings = json.loads(embedded.group(1))
        assert settings["exampleQuery"] == EXAMPLE
        assert settings["websocketUrl"] == server.ws_url


def test_the_root_redirects_and_only_listed_files_are_served(serve) -> None:
    with serve() as server:
        home = server.client.get(server.base_url + "/", follow_redirects=False)
        assert home.status_code == 307
        assert home.headers["location"] == "/graphql"
        assert server.client.get(f"{server.base_url}/playground/vendor/react.js").is_success
        for name in ("package.json", "..%2Fpackage.json", "index.html"):
            response = server.client.get(f"{server.base_url}/playground/vendor/{name}")
            assert response.status_code == 404, name


def test_without_npm_assets_the_page_says_how_to_install_them(serve, tmp_path) -> None:
    with serve(vendor=tmp_path / "nowhere") as server:
        response = server.client.get(server.graphql_url)
        assert response.status_code == 503
        assert "npm ci" in response.text
        # AND the API itself still works
        assert server.gql("{ version }")["data"]["version"]


def test_identities_follow_the_apis_auth_modes(serve) -> None:
    # GIVEN the tiny API: API key by default, IAM as well, no Cognito
    with serve() as server:
        listed = identities(server)
    # THEN there is no sample user to offer, only the key, IAM and "none"
    assert listed["default"] == "api-key"
    assert [i["id"] for i in listed["identities"]] == ["api-key", "iam", "none"]
    assert listed["identities"][0]["headers"] == {"x-api-key": server.api_key}


def test_sample_user_tokens_work_on_the_server(serve) -> None:
    # GIVEN an API with Cognito as its default mode
    with serve(auth_config=auth_config(), api_key=None) as server:
        listed = {i["id"]: i for i in identities(server)["identities"]}
        assert list(listed) == ["api-key", "user:ana", "user:ben", "iam", "none"]
        assert listed["user:ana"]["label"] == "Ana García [admins]"
        # WHEN a user's token is sent
        response = server.post("{ version }", headers=listed["user:ben"]["headers"])
        # THEN the server accepts it
        assert response.status_code == 200, response.text
        # AND the token endpoint mints for anyone
        minted = server.client.post(
            f"{server.base_url}/playground/token", json={"username": "zoe", "groups": ["admins"]}
        ).json()
        assert minted["id"] == "user:zoe"
        assert server.post("{ version }", headers=minted["headers"]).status_code == 200


def test_the_signer_signs_for_iam_and_only_that_body(serve) -> None:
    body = json.dumps({"query": "{ secret }"})
    with serve() as server:
        # WHEN the page asks the server to sign a body, then posts it with those headers
        signed = server.client.post(
            f"{server.base_url}/playground/sign", json={"path": "/graphql", "body": body}
        ).json()["headers"]
        answer = server.client.post(
            server.graphql_url,
            content=body,
            headers={**signed, "content-type": "application/json"},
        )
        # THEN the IAM-only field answers
        assert answer.status_code == 200, answer.text
        assert answer.json()["data"] == {"secret": "for IAM eyes only"}
        # AND the signature does not cover any other body
        tampered = server.client.post(
            server.graphql_url,
            content=json.dumps({"query": "{ version }"}),
            headers={**signed, "content-type": "application/json"},
        )
        assert tampered.status_code == 401
        # AND only the API's own paths are signed
        refused = server.client.post(
            f"{server.base_url}/playground/sign", json={"path": "/elsewhere", "body": body}
        )
        assert refused.status_code == 400


def test_credentials_are_only_handed_to_loopback_names(serve) -> None:
    # GIVEN a request that reached the server under a foreign host name (DNS rebinding)
    with serve() as server:
        response = server.client.get(
            f"{server.base_url}/playground/identities", headers={"host": "evil.example"}
        )
    # THEN no credentials are handed out
    assert response.status_code == 403
    assert "da2-" not in response.text


def test_credentials_are_not_handed_to_pages_on_other_origins(serve) -> None:
    with serve() as server:
        own = server.client.get(
            f"{server.base_url}/playground/identities",
            headers={"origin": server.base_url, "sec-fetch-site": "same-origin"},
        )
        # WHEN a page on another port asks for identities, a token, or a preflight for one
        foreign = {"origin": "http://127.0.0.1:5173", "sec-fetch-site": "same-site"}
        listed = server.client.get(f"{server.base_url}/playground/identities", headers=foreign)
        minted = server.client.post(
            f"{server.base_url}/playground/token", json={"username": "zoe"}, headers=foreign
        )
        preflight = server.client.options(
            f"{server.base_url}/playground/token",
            headers={**foreign, "access-control-request-method": "POST"},
        )
    # THEN only the playground's own page gets credentials, and nothing allows other origins
    assert own.status_code == 200
    assert listed.status_code == 403
    assert minted.status_code == 403
    assert "da2-" not in listed.text
    assert "eyJ" not in minted.text
    for response in (listed, minted, preflight):
        assert "access-control-allow-origin" not in response.headers
