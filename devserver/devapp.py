"""The app `python -m devserver` serves: the core app, the playground, and write tracking."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from devserver.app import create_app
from devserver.config import DevServerConfig
from devserver.playground import PlaygroundSettings, create_playground
from devserver.subscriptions import SubscriptionSettings
from devserver.userpool.api import user_pool_routes

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from pathlib import Path

    from starlette.applications import Starlette
    from starlette.routing import BaseRoute
    from starlette.types import ASGIApp, Receive, Scope, Send

    from devserver.auth import AuthConfig
    from devserver.events.service import EventsConfig
    from devserver.project import LocalProject


class AfterPosts:
    """ASGI middleware calling `callback` after every finished POST (anything that may write)."""

    def __init__(self, app: ASGIApp, callback: Callable[[], None]) -> None:
        self.app = app
        self.callback = callback

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        finally:
            # After, not before: a snapshot tick between the two would miss the write.
            if scope["type"] == "http" and scope["method"] == "POST":
                self.callback()


@dataclass(frozen=True)
class DevApp:
    core: Starlette  # `core.state.devserver` holds the authenticator, engine and reloader
    asgi: ASGIApp  # what to serve

    @property
    def auth(self) -> AuthConfig:
        config: AuthConfig = self.core.state.devserver.authenticator.config
        return config


def create_dev_app(
    project: LocalProject,
    *,
    handler_env: Mapping[str, str],
    auth_state_dir: Path,
    hot_reload: bool = True,
    in_process: bool = False,
    after_post: Callable[[], None] = lambda: None,
    events: EventsConfig | None = None,
    allow_graphql_transport_ws: bool = False,
    routes: Sequence[BaseRoute] = (),
    backend_health: Callable[[], Mapping[str, Mapping[str, object]]] | None = None,
) -> DevApp:
    config = DevServerConfig(
        schema_path=project.schema_path,
        wiring_path=project.wiring_path,
        python_path=project.python_path,
        hot_reload=hot_reload,
        watch_paths=project.watch_paths,
        auth_state_dir=auth_state_dir,
        handler_env=dict(handler_env),
        events=events,
        in_process=in_process,
        backend_health=backend_health,
    )
    playground = create_playground(
        PlaygroundSettings(
            title=f"{project.name} playground",
            example_query=project.example_query,
            sample_users=project.sample_users,
        )
    )
    core = create_app(
        config,
        playground=playground.page,
        routes=(*playground.routes, *user_pool_routes(project.sample_users), *routes),
        subscriptions=SubscriptionSettings(allow_graphql_transport_ws=allow_graphql_transport_ws),
    )
    return DevApp(core=core, asgi=AfterPosts(core, after_post))
