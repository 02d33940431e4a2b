"""What `python -m devserver` prints once it is ready, and the same facts as JSON for tools."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from devserver.auth import IamCredentials
    from devserver.project import SampleUser


@dataclass(frozen=True)
class UserToken:
    user: SampleUser
    token: str


@dataclass(frozen=True)
class Announcement:
    project: str
    base_url: str
    api_key: str | None
    users: tuple[UserToken, ...]
    iam: IamCredentials | None
    region: str
    root: Path
    watched: tuple[Path, ...]
    snapshot_interval: float
    token_hours: int
    cli_name: str
    root_argument: str = ""  # " --root DIR" when the tools need it to find this server
    https_url: str | None = None  # the HTTPS/WSS listener
    ca_file: Path | None = None  # the local CA its certificate comes from
    amplify: dict[str, Any] | None = None  # Amplify's configuration for the HTTPS listener
    web_app: bool = False

    @property
    def graphql_url(self) -> str:
        return f"{self.base_url}/graphql"

    @property
    def websocket_url(self) -> str:
        return self.graphql_url.replace("http", "ws", 1)

    def to_json(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "graphqlUrl": self.graphql_url,
            "playgroundUrl": self.graphql_url,
            "websocketUrl": self.websocket_url,
            "apiKey": self.api_key,
            "region": self.region,
            "httpsGraphqlUrl": f"{self.https_url}/graphql" if self.https_url else None,
            "httpsRealtimeUrl": f"{_wss(self.https_url)}/graphql/realtime"
            if self.https_url
            else None,
            "caFile": str(self.ca_file) if self.ca_file else None,
            "webAppUrl": f"{self.https_url}/web/" if self.https_url and self.web_app else None,
            "amplifyConfig": self.amplify,
            "root": str(self.root),
            "pid": os.getpid(),
            "tokenHours": self.token_hours,  # how long the users' tokens below stay valid
            "users": [
                {
                    "username": entry.user.username,
                    "groups": list(entry.user.groups),
                    "displayName": entry.user.display_name,
                    "token": entry.token,
                }
                for entry in self.users
            ],
        }

    def render(self) -> str:
        """One screen: URLs, keys and where things are. Tokens come from `token` / server.json."""
        rows = [
            ("Playground", self.graphql_url, "GraphiQL with an auth switcher (open in a browser)"),
            ("GraphQL", self.graphql_url, "POST"),
            ("WebSocket", self.websocket_url, "subscriptions, AppSync's real-time protocol"),
        ]
        if self.https_url:
            trust = f"trust {_shown(self.ca_file)}" if self.ca_file else ""
            rows.append(("HTTPS", f"{self.https_url}/graphql", f"wss …/graphql/realtime; {trust}"))
            if self.web_app:
                rows.append(("Web app", f"{self.https_url}/web/", "the example frontend"))
        if self.api_key:
            rows.append(("API key", self.api_key, "header x-api-key"))
        if self.iam:
            keys = f"{self.iam.access_key_id} / {self.iam.secret_access_key}"
            rows.append(("IAM", keys, f"SigV4, {self.region}"))
        interval = f"{self.snapshot_interval:g}"
        rows.append(("Data", _shown(self.root), f"saved every {interval} s when changed"))
        watched = ", ".join(_shown(path) for path in _outermost(self.watched)) or "off"
        rows.append(("Hot reload", watched, ""))
        if self.users:
            names = ", ".join(
                f"{u.user.username} ({', '.join(u.user.groups)})"
                if u.user.groups
                else u.user.username
                for u in self.users
            )
            rows.append(("Users", names, ""))
        width = max(len(value) for _, value, _ in rows[:3]) + 2
        lines = [f"{self.project} is running. Ctrl-C stops everything.", ""]
        lines += [f"  {label:<11} {value:<{width}} {note}".rstrip() for label, value, note in rows]
        cli, root = self.cli_name, self.root_argument
        lines += [
            "",
            f"Tokens: {cli} token{root} <user> [--groups admins]  (header Authorization)",
            f'Shell:  eval "$({cli} env{root})"  sets GRAPHQL_URL, REALTIME_URL and API_KEY',
        ]
        return "\n".join(lines)


def _wss(https_url: str) -> str:
    return "wss" + https_url.removeprefix("https")


def _outermost(paths: tuple[Path, ...]) -> list[Path]:
    """Drop paths inside another watched directory (the wiring file inside its package)."""
    dirs = [path for path in paths if path.is_dir()]
    return [p for p in paths if not any(p != d and p.is_relative_to(d) for d in dirs)]


def _shown(path: Path) -> str:
    """Paths under the working directory print relative, like the developer typed them."""
    try:
        relative = path.resolve().relative_to(Path.cwd())
    except ValueError:
        return str(path)
    return f"{relative}/" if path.is_dir() else str(relative)
