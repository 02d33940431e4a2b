"""The composition root: `create_app(config)` wires auth, runtime, engine and routes together."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from devserver.auth import AuthConfig, Authenticator
from devserver.events.service import EventService
from devserver.execution.assembly import build_runtime
from devserver.execution.engine import Engine
from devserver.execution.heap import StartupHeap
from devserver.execution.reload import Reloader, RuntimeHolder
from devserver.execution.strawberry_schema import AppSyncSchema
from devserver.http import AppSyncCors
from devserver.http.view import AppSyncView, Playground
from devserver.lambda_runtime.invoke import Invoker
from devserver.subscriptions import REALTIME_PATHS, Subscriptions, SubscriptionSettings
from wiring import load_wiring

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Sequence

    from starlette.requests import Request

    from devserver.config import DevServerConfig
    from devserver.execution.runtime import Runtime


@dataclass(frozen=True)
class DevServer:
    """Handles on the running parts, at `app.state.devserver`, for transports and tools."""

    config: DevServerConfig
    authenticator: Authenticator
    engine: Engine
    holder: RuntimeHolder
    reloader: Reloader
    schema: AppSyncSchema
    view: AppSyncView
    subscriptions: Subscriptions
    events: EventService | None = None


def create_authenticator(config: DevServerConfig) -> Authenticator:
    auth_config = config.auth_config or AuthConfig.from_api_config(
        load_wiring(config.wiring_path).api,
        config.auth_state_dir,
        region=config.region,
        api_key=config.api_key,
    )
    return Authenticator(auth_config)


def create_app(
    config: DevServerConfig,
    *,
    playground: Playground | None = None,
    routes: Sequence[BaseRoute] = (),
    subscriptions: SubscriptionSettings | None = None,
) -> Starlette:
    """The devserver as an ASGI app: POST /graphql, JWKS, health, plus any extra `routes`.

    `playground` serves GET /graphql (the playground engineer's page). The real-time
    WebSockets (AppSync's protocol; graphql-transport-ws only if `subscriptions` allows it) are
    at /graphql and /graphql/realtime; `subscriptions` tunes them (keep-alive, limits).
    """
    authenticator = create_authenticator(config)

    def build(generation: int) -> Runtime:
        return build_runtime(config, authenticator, generation=generation)

    holder = RuntimeHolder(build(0))
    invoker = Invoker(
        max_workers=config.max_workers,
        concurrency=config.lambda_concurrency,
        error_style=config.error_type_style,
    )
    engine = Engine(config, holder, invoker)
    schema = AppSyncSchema(engine)
    view = AppSyncView(schema, engine, authenticator, playground=playground)
    heap = StartupHeap()
    reloader = Reloader(holder, build, debounce_ms=config.reload_debounce_ms, heap=heap)
    realtime = Subscriptions(engine, authenticator, schema, subscriptions)
    events = (
        EventService(
            config.events, holder, invoker, region=config.region, account_id=config.account_id
        )
        if config.events is not None
        else None
    )

    async def jwks(_request: Request) -> JSONResponse:
        return JSONResponse(authenticator.jwks())

    async def health(_request: Request) -> JSONResponse:
        backends = dict(config.backend_health()) if config.backend_health else {}
        healthy = all(b.get("state") == "ok" for b in backends.values())
        return JSONResponse(
            {
                "status": "ok" if healthy else "degraded",
                "generation": holder.current.generation,
                "lastReloadError": holder.last_error,
                "backends": backends,
            },
            status_code=200 if healthy else 503,
        )

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        stop = asyncio.Event()
        watcher = asyncio.ensure_future(reloader.watch(stop)) if config.hot_reload else None
        if events is not None:
            await events.prepare()  # S3 notifications are on before the first upload can arrive
        poller = asyncio.ensure_future(events.run(stop)) if events is not None else None
        heap.start()
        try:
            yield
        finally:
            heap.stop()
            stop.set()
            if watcher is not None:
                await watcher
            if poller is not None:
                await poller  # its last round delivers what was written before the stop
            await realtime.aclose()
            invoker.close()
            holder.current.close()

    app = Starlette(
        routes=[
            Route("/graphql", heap.serving(view), methods=["GET", "POST"]),
            Route("/.well-known/jwks.json", jwks, methods=["GET"]),
            Route("/health", health, methods=["GET"]),
            *realtime.routes(),
            *routes,
        ],
        lifespan=lifespan,
        middleware=[Middleware(AppSyncCors, paths=("/graphql", *REALTIME_PATHS))],
    )
    app.state.devserver = DevServer(
        config=config,
        authenticator=authenticator,
        engine=engine,
        holder=holder,
        reloader=reloader,
        schema=schema,
        view=view,
        subscriptions=realtime,
        events=events,
    )
    return app
