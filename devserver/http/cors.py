"""CORS as AppSync serves it on the GraphQL and real-time paths, and nowhere else.

AppSync answers preflights and allows any origin without credentials (semantics, Addendum):
`access-control-allow-origin: *`, and the `x-amzn-*` headers exposed so that a browser client
can read the request id and the error type (Amplify names its errors from `x-amzn-ErrorType`).
Which request headers and methods AppSync's preflight lists is UNCONFIRMED: clients send
`x-api-key`, `authorization`, SigV4's `x-amz-*` and their own headers (which reach resolvers in
`request.headers`), so every requested header is allowed.

Only the paths AppSync has get CORS. The playground's credential endpoints get none, so a
page on another origin can never read a token (they also refuse foreign origins themselves).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.middleware.cors import CORSMiddleware

if TYPE_CHECKING:
    from collections.abc import Collection

    from starlette.types import ASGIApp, Receive, Scope, Send

ERROR_TYPE_HEADER = "x-amzn-ErrorType"
# What AppSync's responses list in `access-control-expose-headers`.
APPSYNC_EXPOSED_HEADERS = (
    "x-amzn-RequestId",
    ERROR_TYPE_HEADER,
    "x-amz-user-agent",
    "x-amzn-ErrorMessage",
    "Date",
    "x-amz-schema-version",
)
PREFLIGHT_MAX_AGE_SECONDS = 86_400


class AppSyncCors:
    """ASGI middleware: Starlette's CORS for the AppSync `paths`, the bare app for the rest."""

    def __init__(self, app: ASGIApp, paths: Collection[str]) -> None:
        self.app = app
        self.paths = frozenset(paths)
        self.cors = CORSMiddleware(
            app,
            allow_origins=["*"],
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["*"],  # echoes what the preflight asks for
            allow_credentials=False,
            expose_headers=list(APPSYNC_EXPOSED_HEADERS),
            max_age=PREFLIGHT_MAX_AGE_SECONDS,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # WebSockets are not subject to CORS; browsers send `Origin`, which AppSync ignores.
        if scope["type"] == "http" and scope["path"] in self.paths:
            await self.cors(scope, receive, send)
            return
        await self.app(scope, receive, send)
