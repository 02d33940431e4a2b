"""The HTTP endpoint: Strawberry's ASGI view with AppSync's request handling and status codes.

Before Strawberry runs the operation, the view does what AppSync's front door does: 400
`MalformedHttpRequestException` for an empty or unparsable body, then authentication (401 from
`Unauthenticated`). Everything after that is HTTP 200, errors included. Which of the 400 and
401 checks AppSync makes first is UNCONFIRMED; here the body is checked first.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLRequestData

from devserver.appsync import json_input, json_output
from devserver.appsync.errors import (
    EMPTY_BODY_MESSAGE,
    MALFORMED_REQUEST,
    UNPARSABLE_MESSAGE,
    HttpError,
    malformed,
)
from devserver.auth import AWS_LAMBDA, Unauthenticated
from devserver.execution.request import RequestContext, lower_headers
from devserver.http import ERROR_TYPE_HEADER

if TYPE_CHECKING:
    from cross_web import AsyncHTTPRequestAdapter
    from starlette.types import Receive, Scope, Send
    from starlette.websockets import WebSocket

    from devserver.auth import AuthContext, Authenticator
    from devserver.execution.engine import Engine
    from devserver.execution.strawberry_schema import AppSyncSchema

Playground = Callable[[Request], Awaitable[Response]]
REQUEST_ID_HEADER = "x-amzn-RequestId"


class AppSyncView(GraphQL[RequestContext, None]):
    """POST /graphql as AppSync answers it; GET is left to an optional playground page."""

    def __init__(
        self,
        schema: AppSyncSchema,
        engine: Engine,
        authenticator: Authenticator,
        *,
        playground: Playground | None = None,
    ) -> None:
        super().__init__(schema, graphql_ide=None, allow_queries_via_get=False)
        self.engine = engine
        self.authenticator = authenticator
        self.playground = playground

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        request_id = str(uuid.uuid4())
        response = await self._respond(request, request_id)
        response.headers[REQUEST_ID_HEADER] = request_id
        await response(scope, receive, send)

    async def _respond(self, request: Request, request_id: str) -> Response:
        if request.method == "GET" and self.playground is not None:
            return await self.playground(request)
        if request.method != "POST":
            return _refusal(
                HttpError(405, MALFORMED_REQUEST, f"{request.method} is not supported.")
            )
        try:
            context = await self._preflight(request, request_id)
            return await self.run(request, context=context)
        except HttpError as error:
            return _refusal(error)
        except Unauthenticated as error:
            return _refusal(HttpError(error.status, error.error_type, error.message))
        except HTTPException as error:  # Strawberry's own 4xx refusals
            return _refusal(HttpError(error.status_code, MALFORMED_REQUEST, error.reason))

    async def _preflight(self, request: Request, request_id: str) -> RequestContext:
        body = await request.body()
        if not body.strip():
            raise malformed(EMPTY_BODY_MESSAGE)
        payload = _graphql_payload(body)
        peer = request.client.host if request.client else "127.0.0.1"
        auth = await self._authenticate(request, peer, body, payload, request_id)
        return self.engine.new_context(
            auth=auth, headers=lower_headers(request.headers), request_id=request_id
        )

    async def _authenticate(
        self,
        request: Request,
        peer: str,
        body: bytes,
        payload: dict[str, Any],
        request_id: str,
    ) -> AuthContext:
        def authenticate() -> AuthContext:
            return self.authenticator.authenticate(
                request.headers,
                source_ip=peer,
                request_context={
                    "requestId": request_id,
                    "queryString": payload.get("query", ""),
                    "operationName": payload.get("operationName"),
                    "variables": payload.get("variables") or {},
                },
                path=request.url.path,
                body=body,
            )

        # A Lambda authorizer may block for up to 10 s; the other modes are quick checks.
        if AWS_LAMBDA in self.authenticator.config.modes:
            return await asyncio.to_thread(authenticate)
        return authenticate()

    def encode_json(self, data: object) -> bytes:
        return json_output.dumps(data)

    async def parse_http_body(self, request: AsyncHTTPRequestAdapter) -> GraphQLRequestData:
        # Already checked by the preflight; AppSync ignores content negotiation (no streaming).
        payload = _graphql_payload(await request.get_body())
        return GraphQLRequestData(
            query=payload.get("query"),
            variables=payload.get("variables"),
            operation_name=payload.get("operationName"),
            extensions=payload.get("extensions"),
            protocol="http",
        )

    async def get_context(
        self,
        request: Request | WebSocket,  # noqa: ARG002 - Strawberry's signature
        response: Response | WebSocket,  # noqa: ARG002
    ) -> RequestContext:
        # Strawberry's interface asks for it, but this view never calls it: HTTP requests get
        # their context from the preflight (after auth), and the WebSocket transports build
        # theirs from the handshake with `engine.new_context`.
        raise TypeError("the devserver builds request contexts itself; nothing calls this")


def _refusal(error: HttpError) -> Response:
    # AppSync names the error in a header too; Amplify reads it from there, not from the body.
    return JSONResponse(
        error.body(), status_code=error.status, headers={ERROR_TYPE_HEADER: error.error_type}
    )


def _graphql_payload(body: bytes) -> dict[str, Any]:
    try:
        payload = json_input.loads(body)
    except ValueError:  # not JSON, or nested too deeply
        raise malformed(UNPARSABLE_MESSAGE) from None
    if not isinstance(payload, dict):
        raise malformed(UNPARSABLE_MESSAGE)
    query = payload.get("query")
    variables = payload.get("variables")
    if not isinstance(query, str) or not isinstance(variables, dict | None):
        raise malformed(UNPARSABLE_MESSAGE)
    return payload
