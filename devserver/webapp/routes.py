"""`/web/`: a built frontend's files, and `/web/amplify-config.json` pointing it at this server.

The configuration is what `Amplify.configure()` takes. Against a deployed stack only its values
differ (the endpoint, the key, the pool), and there `userPoolEndpoint` is left out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from devserver.auth import API_KEY
from devserver.playground.identities import is_local_request
from devserver.userpool.api import USER_POOL_PATH

if TYPE_CHECKING:
    from pathlib import Path

    from starlette.requests import Request
    from starlette.routing import BaseRoute

    from devserver.auth import AuthConfig

WEB_PATH = "/web"
CONFIG_NAME = "amplify-config.json"


def amplify_config(auth: AuthConfig, https_base: str) -> dict[str, Any]:
    """Amplify v6's `ResourcesConfig` for this server's HTTPS listener at `https_base`."""
    key = auth.api_keys[0].id if API_KEY in auth.modes and auth.api_keys else None
    graphql: dict[str, Any] = {
        "endpoint": f"{https_base}/graphql",
        "region": auth.region,
        "defaultAuthMode": "apiKey" if key else "userPool",
    }
    if key:
        graphql["apiKey"] = key
    cognito = {
        "userPoolId": auth.cognito.user_pool_id,
        "userPoolClientId": auth.cognito.client_id,
        "userPoolEndpoint": f"{https_base}{USER_POOL_PATH}",
    }
    return {"API": {"GraphQL": graphql}, "Auth": {"Cognito": cognito}}


def web_routes(directory: Path, https_port: int) -> tuple[BaseRoute, ...]:
    """The files under `directory` at `/web/`; the configuration names the host the page used."""

    async def config(request: Request) -> Response:
        client = request.client.host if request.client else None
        host = request.url.hostname
        if not is_local_request(client, host) or host is None:
            return JSONResponse({"error": "the configuration is for loopback clients only"}, 403)
        auth: AuthConfig = request.app.state.devserver.authenticator.config
        shown = f"[{host}]" if ":" in host else host
        body = amplify_config(auth, f"https://{shown}:{https_port}")
        return JSONResponse(body, headers={"cache-control": "no-store"})

    async def bare(_request: Request) -> Response:
        return RedirectResponse(f"{WEB_PATH}/")

    return (
        Route(f"{WEB_PATH}/{CONFIG_NAME}", config, methods=["GET"]),
        Route(WEB_PATH, bare, methods=["GET"]),
        Mount(WEB_PATH, app=StaticFiles(directory=directory, html=True, check_dir=False)),
    )
