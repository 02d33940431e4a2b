"""Where the Potluck e2e tests send GraphQL: the local devserver, or a deployed stack.

One switch: with `POTLUCK_E2E_URL` set (as `scripts/smoke` does) the same tests run against
AppSync; otherwise they run against the devserver serving the real handler on local backends.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import boto3
import httpx
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

from devserver.auth import DEFAULT_IAM_PRINCIPAL, sign_request
from devserver.config import DevServerConfig
from tests.e2e.running_server import RunningServer, start_devserver
from tests.support.stack import AppStack

ROOT = Path(__file__).parents[2]
LOCAL_API_KEY = "da2-potluckendtoendtests0000000"


@dataclass(frozen=True)
class Auth:
    """How a request authenticates: nothing, the API key, a Cognito user, or IAM."""

    mode: str
    user: str = ""
    groups: tuple[str, ...] = ()


NONE = Auth("none")
API_KEY = Auth("api_key")
IAM = Auth("iam")


def user(name: str, *groups: str) -> Auth:
    return Auth("user", name, groups)


class Target(Protocol):
    def post(self, query: str, variables: dict[str, Any] | None, auth: Auth) -> httpx.Response: ...

    def user_id(self, name: str) -> str: ...

    def token(self, auth: Auth) -> str: ...

    def post_with_headers(self, query: str, headers: dict[str, str]) -> httpx.Response: ...

    @property
    def realtime_url(self) -> str: ...

    def realtime_header(self, auth: Auth) -> dict[str, str]:
        """The `header` an AppSync real-time client sends for `auth` (API key or a user)."""
        ...


class LocalTarget:
    """The devserver serving schema.graphql and resolvers/ over the local backends."""

    def __init__(self, server: RunningServer, run_id: str) -> None:
        self._server = server
        self._run = run_id
        self._authenticator = server.app.state.devserver.authenticator

    def user_id(self, name: str) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"potluck-e2e/{self._run}/{name}"))

    def post(self, query: str, variables: dict[str, Any] | None, auth: Auth) -> httpx.Response:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        headers = {"content-type": "application/json"}
        if auth.mode == "api_key":
            headers["x-api-key"] = LOCAL_API_KEY
        elif auth.mode == "user":
            headers["authorization"] = self.token(auth)
        elif auth.mode == "iam":
            credentials = DEFAULT_IAM_PRINCIPAL.credentials
            headers = sign_request(
                self._server.graphql_url, body, headers, credentials, "us-east-1"
            )
        return self._server.client.post(self._server.graphql_url, content=body, headers=headers)

    def token(self, auth: Auth) -> str:
        return str(
            self._authenticator.mint_token(
                self.user_id(auth.user), f"{auth.user}-{self._run}", None, auth.groups
            )
        )

    def post_with_headers(self, query: str, headers: dict[str, str]) -> httpx.Response:
        return self._server.client.post(
            self._server.graphql_url, json={"query": query}, headers=headers
        )

    @property
    def realtime_url(self) -> str:
        return self._server.ws_url

    def realtime_header(self, auth: Auth) -> dict[str, str]:
        host = urlsplit(self._server.base_url).netloc
        return _realtime_header(host, LOCAL_API_KEY, self.token(auth) if auth.user else None)


class DeployedTarget:
    """A deployed stack: Cognito users are created through the admin API for this run."""

    def __init__(self, env: dict[str, str], run_id: str) -> None:
        self._url = env["POTLUCK_E2E_URL"]
        self._realtime_url = env["POTLUCK_E2E_REALTIME_URL"]
        self._api_key = env["POTLUCK_E2E_API_KEY"]
        self._region = env["POTLUCK_E2E_REGION"]
        self._pool = env["POTLUCK_E2E_USER_POOL_ID"]
        self._client_id = env["POTLUCK_E2E_USER_POOL_CLIENT_ID"]
        self._run = run_id
        self._session = boto3.Session(region_name=self._region)
        self._cognito = self._session.client("cognito-idp")
        self._tokens: dict[Auth, str] = {}
        self._subs: dict[str, str] = {}
        self._http = httpx.Client(timeout=30)

    def user_id(self, name: str) -> str:
        self.token(user(name))
        return self._subs[name]

    def post(self, query: str, variables: dict[str, Any] | None, auth: Auth) -> httpx.Response:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        headers = {"content-type": "application/json"}
        if auth.mode == "api_key":
            headers["x-api-key"] = self._api_key
        elif auth.mode == "user":
            headers["authorization"] = self.token(auth)
        elif auth.mode == "iam":
            request = AWSRequest(method="POST", url=self._url, data=body, headers=headers)
            credentials = self._session.get_credentials()
            SigV4Auth(credentials, "appsync", self._region).add_auth(request)
            headers = dict(request.headers.items())
        return self._http.post(self._url, content=body, headers=headers)

    def post_with_headers(self, query: str, headers: dict[str, str]) -> httpx.Response:
        return self._http.post(self._url, json={"query": query}, headers=headers)

    @property
    def realtime_url(self) -> str:
        return self._realtime_url

    def realtime_header(self, auth: Auth) -> dict[str, str]:
        host = urlsplit(self._url).netloc
        return _realtime_header(host, self._api_key, self.token(auth) if auth.user else None)

    def token(self, auth: Auth) -> str:
        key = Auth("user", auth.user, ())
        if key not in self._tokens:
            username = f"e2e-{auth.user}-{self._run}@example.com"
            password = secrets.token_urlsafe(24) + "Aa1!"
            self._cognito.admin_create_user(
                UserPoolId=self._pool, Username=username, MessageAction="SUPPRESS"
            )
            self._cognito.admin_set_user_password(
                UserPoolId=self._pool, Username=username, Password=password, Permanent=True
            )
            for group in auth.groups:
                self._cognito.admin_add_user_to_group(
                    UserPoolId=self._pool, Username=username, GroupName=group
                )
            result = self._cognito.initiate_auth(
                ClientId=self._client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": username, "PASSWORD": password},
            )
            token = result["AuthenticationResult"]["IdToken"]
            self._tokens[key] = token
            self._subs[auth.user] = _claims(token)["sub"]
        return self._tokens[key]


def _realtime_header(host: str, api_key: str, token: str | None) -> dict[str, str]:
    # AppSync checks `host` against the API's own GraphQL host, whatever socket carried it.
    if token is None:
        return {"host": host, "x-api-key": api_key}
    return {"host": host, "Authorization": token}


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


@contextmanager
def potluck_target(app_stack: AppStack | None, state_dir: Path) -> Iterator[Target]:
    """The deployed stack when `POTLUCK_E2E_URL` is set, else the local devserver."""
    if os.environ.get("POTLUCK_E2E_URL"):
        yield DeployedTarget(dict(os.environ), uuid.uuid4().hex[:8])
        return
    assert app_stack is not None
    with local_target(app_stack, state_dir) as target:
        yield target


@contextmanager
def local_target(app_stack: AppStack, state_dir: Path) -> Iterator[LocalTarget]:
    """The devserver serving schema.graphql and resolvers/ over the local backends."""
    settings_env = {
        field.name.upper(): str(getattr(app_stack.settings, field.name))
        for field in fields(app_stack.settings)
    }
    config = DevServerConfig(
        schema_path=ROOT / "schema.graphql",
        wiring_path=ROOT / "resolvers" / "wiring.toml",
        python_path=(ROOT,),
        auth_state_dir=state_dir,
        api_key=LOCAL_API_KEY,
        handler_env={**app_stack.backends.env, **settings_env},
    )
    with start_devserver(config) as server:
        yield LocalTarget(server, uuid.uuid4().hex[:8])
