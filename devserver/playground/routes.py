"""The playground's routes: the page, its local assets and the auth switcher's endpoints.

`create_playground(settings)` returns the page for `create_app(playground=...)` and the routes
for `create_app(routes=...)`: `/` (a redirect), the assets under `/playground/`, and three
endpoints that hand out credentials and so answer only loopback clients calling from the
playground's own origin: `/playground/identities`, `/playground/token` and `/playground/sign`.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from devserver.errors import HttpError, malformed
from devserver.http import ERROR_TYPE_HEADER, json_input
from devserver.playground import identities as ids
from devserver.playground.assets import (
    DEFAULT_VENDOR_DIR,
    media_type,
    missing_vendor_files,
    static_file,
    vendor_file,
)
from devserver.playground.page import render_missing, render_page

if TYPE_CHECKING:
    from pathlib import Path

    from starlette.requests import Request

    from devserver.auth import AuthConfig
    from devserver.project import SampleUser
    from devserver.view import Playground

Endpoint = Callable[["Request"], Awaitable[Response]]
GRAPHQL_PATH = "/graphql"
DEFAULT_TOKEN_TTL_SECONDS = 3600  # Cognito's default ID token validity
_USERNAME_MAX = 128  # Cognito's limit on user names


@dataclass(frozen=True)
class PlaygroundSettings:
    title: str = "GraphQL playground"
    example_query: str = ""
    sample_users: tuple[SampleUser, ...] = ()
    vendor_dir: Path = DEFAULT_VENDOR_DIR
    token_ttl_seconds: int = DEFAULT_TOKEN_TTL_SECONDS


@dataclass(frozen=True)
class PlaygroundParts:
    page: Playground
    routes: tuple[BaseRoute, ...]


def create_playground(settings: PlaygroundSettings) -> PlaygroundParts:
    endpoints = _Endpoints(settings)
    routes: tuple[BaseRoute, ...] = (
        Route("/", endpoints.home, methods=["GET"]),
        Route("/playground/vendor/{name}", endpoints.vendor, methods=["GET"]),
        Route("/playground/static/{name}", endpoints.static, methods=["GET"]),
        Route("/playground/identities", _local_only(endpoints.identities), methods=["GET"]),
        Route("/playground/token", _local_only(endpoints.token), methods=["POST"]),
        Route(ids.SIGN_PATH, _local_only(endpoints.sign), methods=["POST"]),
    )
    return PlaygroundParts(page=endpoints.page, routes=routes)


class _Endpoints:
    def __init__(self, settings: PlaygroundSettings) -> None:
        self.settings = settings

    async def page(self, request: Request) -> Response:
        missing = missing_vendor_files(self.settings.vendor_dir)
        if missing:
            return HTMLResponse(render_missing(str(self.settings.vendor_dir), missing), 503)
        websocket_url = request.url.replace(scheme=_ws_scheme(request), query="")
        html = render_page(
            self.settings.title,
            {
                "graphqlPath": GRAPHQL_PATH,
                "websocketUrl": str(websocket_url),
                "identitiesUrl": "/playground/identities",
                "tokenUrl": "/playground/token",
                "exampleQuery": self.settings.example_query,
            },
        )
        return HTMLResponse(html, headers={"cache-control": "no-store"})

    async def home(self, _request: Request) -> Response:
        return RedirectResponse(GRAPHQL_PATH, 307)

    async def vendor(self, request: Request) -> Response:
        return _file(vendor_file(self.settings.vendor_dir, request.path_params["name"]))

    async def static(self, request: Request) -> Response:
        return _file(static_file(request.path_params["name"]))

    async def identities(self, request: Request) -> Response:
        found = ids.identities(
            _auth_config(request), self.settings.sample_users, ttl=self.settings.token_ttl_seconds
        )
        return _no_store(
            {"default": ids.default_identity(found), "identities": [i.to_json() for i in found]}
        )

    async def token(self, request: Request) -> Response:
        payload = await _json_object(request)
        username = payload.get("username")
        groups = payload.get("groups") or []
        if not isinstance(username, str) or not 0 < len(username) <= _USERNAME_MAX:
            return _bad_request("username must be 1 to 128 characters")
        if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
            return _bad_request("groups must be a list of strings")
        label = f"{username} [{', '.join(groups)}]" if groups else username
        identity = ids.user_identity(
            _auth_config(request),
            username,
            groups,
            label=label,
            ttl=self.settings.token_ttl_seconds,
            now=time.time(),
        )
        return _no_store(identity.to_json())

    async def sign(self, request: Request) -> Response:
        payload = await _json_object(request)
        path, body = payload.get("path"), payload.get("body")
        if not isinstance(path, str) or not isinstance(body, str):
            return _bad_request("send {path, body} as strings")
        host = request.headers.get("host", "")
        try:
            headers = ids.signed_headers(_auth_config(request), host=host, path=path, body=body)
        except ValueError as error:
            return _bad_request(str(error))
        return _no_store({"headers": headers})


def _local_only(endpoint: Endpoint) -> Endpoint:
    async def guarded(request: Request) -> Response:
        client = request.client.host if request.client else None
        if not ids.is_local_request(client, request.url.hostname):
            return JSONResponse(
                {"error": "the playground hands out credentials to loopback clients only"}, 403
            )
        if not _same_origin(request):
            return JSONResponse(
                {"error": "the playground hands out credentials to its own page only"}, 403
            )
        try:
            return await endpoint(request)
        except HttpError as error:  # a body that is not a JSON object: as POST /graphql says
            return JSONResponse(
                error.body(),
                status_code=error.status,
                headers={ERROR_TYPE_HEADER: error.error_type},
            )

    return guarded


def _same_origin(request: Request) -> bool:
    """False when a browser says the call comes from a page on another origin.

    These routes send no CORS headers, so a foreign page could not read the answer anyway;
    refusing also keeps it from minting tokens blind. Another port is another origin.
    """
    origin = request.headers.get("origin")
    own = f"{request.url.scheme}://{request.url.netloc}"
    if origin is not None and origin != own:
        return False
    # Browsers send Sec-Fetch-Site on every request; "none" is the user opening the URL.
    return request.headers.get("sec-fetch-site", "same-origin") in {"same-origin", "none"}


def _auth_config(request: Request) -> AuthConfig:
    config: AuthConfig = request.app.state.devserver.authenticator.config
    return config


def _bad_request(message: str) -> Response:
    return JSONResponse({"error": message}, 400)


def _no_store(body: dict[str, Any]) -> Response:
    return JSONResponse(body, headers={"cache-control": "no-store"})


def _file(path: Path | None) -> Response:
    if path is None or not path.is_file():
        return JSONResponse({"error": "not found"}, 404)
    # no-cache: revalidate every time, so a reinstall or an edit shows up on the next reload.
    return FileResponse(path, media_type=media_type(path), headers={"cache-control": "no-cache"})


async def _json_object(request: Request) -> dict[str, Any]:
    try:
        payload = json_input.loads(await request.body())
    except ValueError:  # not JSON, or nested too deeply
        payload = None
    if not isinstance(payload, dict):
        raise malformed("Send a JSON object as the body.")
    return payload


def _ws_scheme(request: Request) -> str:
    return "wss" if request.url.scheme == "https" else "ws"
