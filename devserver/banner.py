"""What `python -m devserver` prints once it is ready, and the same facts as JSON for tools."""

from __future__ import annotations

import json
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
        rows = [
            ("Playground", self.graphql_url, "GraphiQL with an auth switcher (open in a browser)"),
            ("GraphQL", self.graphql_url, "POST"),
            ("WebSocket", self.websocket_url, "subscriptions"),
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
            rows.append(("IAM", keys, f"SigV4, region {self.region}, service appsync"))
        interval = f"{self.snapshot_interval:g}"
        rows.append(("Data", _shown(self.root), f"saved every {interval} s when changed"))
        watched = ", ".join(_shown(path) for path in _outermost(self.watched)) or "off"
        rows.append(("Hot reload", watched, ""))
        width = max(len(value) for _, value, _ in rows[:3]) + 2
        lines = [f"{self.project} is running. Ctrl-C stops everything.", ""]
        lines += [f"  {label:<11} {value:<{width}} {note}".rstrip() for label, value, note in rows]
        if self.users:
            more = f"{self.cli_name} token <user> [--groups g1,g2]"
            heading = f"Sample users: header `Authorization: <token>`, valid {self.token_hours} h"
            lines += ["", f"{heading} (more: {more})"]
            for entry in self.users:
                lines += [f"  {entry.user.username}: {entry.user.label}", f"    {entry.token}"]
        return "\n".join(lines)

    def write(self, path: Path) -> None:
        """Write the JSON atomically: whoever polls for the file never reads half of it."""
        temp = path.with_name(f".{path.name}.tmp")
        temp.write_text(json.dumps(self.to_json(), indent=2) + "\n")
        temp.replace(path)


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
