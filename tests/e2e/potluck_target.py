"""Where the Potluck e2e tests send GraphQL: the local devserver, or a deployed stack.

One switch: with `POTLUCK_E2E_URL` set (as `scripts/smoke` does) the same tests run against
AppSync; otherwise they run against the devserver serving the real handler on local backends.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import sys
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import httpx
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.exceptions import ClientError
from gql import Client, GraphQLRequest
from gql.transport.exceptions import TransportQueryError
from gql.transport.httpx import HTTPXTransport

from devserver.auth import DEFAULT_IAM_PRINCIPAL, sign_request
from devserver.auth.handler_role import handler_role_env
from devserver.config import DevServerConfig
from devserver.events.settings import EventsConfig
from tests.e2e.running_server import RunningServer, bind_free_port, start_devserver
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


class Target(ABC):
    """Where the tests send GraphQL: over HTTP (raw, or through gql) and over WebSocket."""

    graphql_url: str
    realtime_url: str
    api_key: str
    http: httpx.Client

    @abstractmethod
    def user_id(self, name: str) -> str:
        """The Cognito `sub` the API sees for the test user `name`."""

    @abstractmethod
    def token(self, auth: Auth) -> str:
        """A Cognito ID token for `auth`'s user, with its groups."""

    @abstractmethod
    def _sign(self, body: bytes, headers: dict[str, str]) -> dict[str, str]:
        """`headers` plus a SigV4 signature over `body`, for the IAM mode."""

    def credentials(self, auth: Auth, body: bytes) -> dict[str, str]:
        """The headers that authenticate one request with `body` as `auth`."""
        headers = {"content-type": "application/json"}
        if auth.mode == "api_key":
            headers["x-api-key"] = self.api_key
        elif auth.mode == "user":
            headers["authorization"] = self.token(auth)
        elif auth.mode == "iam":
            headers = self._sign(body, headers)
        return headers

    def post(self, query: str, variables: dict[str, Any] | None, auth: Auth) -> httpx.Response:
        """One raw HTTP request: for status codes and the exact error body."""
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        return self.http.post(self.graphql_url, content=body, headers=self.credentials(auth, body))

    def post_with_headers(self, query: str, headers: dict[str, str]) -> httpx.Response:
        return self.http.post(self.graphql_url, json={"query": query}, headers=headers)

    def execute(self, query: str, variables: dict[str, Any] | None, auth: Auth) -> dict[str, Any]:
        """One operation through gql, as a Python client sends it: `{data, errors?}`."""
        transport = HTTPXTransport(url=self.graphql_url, auth=_Credentials(self, auth), timeout=30)
        with Client(transport=transport) as session:
            try:
                result = session.execute(GraphQLRequest(query, variable_values=variables))
            except TransportQueryError as error:
                return {"data": error.data, "errors": error.errors}
        return {"data": result}

    def realtime_header(self, auth: Auth) -> dict[str, str]:
        """The `header` an AppSync real-time client sends for `auth` (API key or a user)."""
        # AppSync checks `host` against the API's own GraphQL host, whatever socket carried it.
        host = urlsplit(self.graphql_url).netloc
        if auth.mode == "user":
            return {"host": host, "Authorization": self.token(auth)}
        return {"host": host, "x-api-key": self.api_key}


class _Credentials(httpx.Auth):
    """Authenticates gql's requests as `auth`; SigV4 needs the body, which only the flow sees."""

    def __init__(self, target: Target, auth: Auth) -> None:
        self._target = target
        self._auth = auth

    def auth_flow(self, request: httpx.Request) -> Iterator[httpx.Request]:
        request.headers.update(self._target.credentials(self._auth, request.content))
        yield request


class LocalTarget(Target):
    """The devserver serving schema.graphql and resolvers/ over the local backends."""

    def __init__(self, server: RunningServer, run_id: str) -> None:
        self.server = server
        self.graphql_url = server.graphql_url
        self.realtime_url = server.ws_url
        self.api_key = LOCAL_API_KEY
        self.http = server.client
        self._run = run_id
        self._authenticator = server.app.state.devserver.authenticator

    def user_id(self, name: str) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"potluck-e2e/{self._run}/{name}"))

    def token(self, auth: Auth) -> str:
        # An e-mail claim as a deployed pool's ID token carries, so private data can be checked.
        username = f"{auth.user}-{self._run}"
        return str(
            self._authenticator.mint_token(
                self.user_id(auth.user), username, f"{username}@example.com", auth.groups
            )
        )

    def _sign(self, body: bytes, headers: dict[str, str]) -> dict[str, str]:
        credentials = DEFAULT_IAM_PRINCIPAL.credentials
        return sign_request(self.graphql_url, body, headers, credentials, "us-east-1")


class DeployedTarget(Target):
    """A deployed stack: Cognito users are created through the admin API for this run."""

    def __init__(self, env: dict[str, str], run_id: str) -> None:
        self.graphql_url = env["POTLUCK_E2E_URL"]
        self.realtime_url = env["POTLUCK_E2E_REALTIME_URL"]
        self.api_key = env["POTLUCK_E2E_API_KEY"]
        self.http = httpx.Client(timeout=30)
        self._region = env["POTLUCK_E2E_REGION"]
        self._pool = env["POTLUCK_E2E_USER_POOL_ID"]
        self._client_id = env["POTLUCK_E2E_USER_POOL_CLIENT_ID"]
        self._run = run_id
        # Profiles have no delete mutation: cleanup removes them from the table directly.
        self._profiles_table = env.get("POTLUCK_E2E_PROFILES_TABLE", "")
        self._session = boto3.Session(region_name=self._region)
        self._cognito = self._session.client("cognito-idp")
        self._tokens: dict[Auth, str] = {}
        self._subs: dict[str, str] = {}
        self._usernames: dict[str, str] = {}

    def user_id(self, name: str) -> str:
        self.token(user(name))
        return self._subs[name]

    def _sign(self, body: bytes, headers: dict[str, str]) -> dict[str, str]:
        request = AWSRequest(method="POST", url=self.graphql_url, data=body, headers=headers)
        credentials = self._session.get_credentials()
        SigV4Auth(credentials, "appsync", self._region).add_auth(request)
        return dict(request.headers.items())

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
            self._usernames[auth.user] = username
            # The admin flow (IAM credentials) works on every stage; prod's app client offers
            # no public password flow.
            result = self._cognito.admin_initiate_auth(
                UserPoolId=self._pool,
                ClientId=self._client_id,
                AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": username, "PASSWORD": password},
            )
            token = result["AuthenticationResult"]["IdToken"]
            self._tokens[key] = token
            self._subs[auth.user] = _claims(token)["sub"]
        return self._tokens[key]

    def close(self) -> list[str]:
        """Remove what this run made: its users' recipes (their comments and ratings go with
        them), profiles and Cognito users, admins included. Returns what could not be removed."""
        leftovers: list[str] = []
        for name, username in self._usernames.items():
            sub = self._subs.get(name)
            if sub:
                leftovers += self._delete_recipes(user(name), sub)
                leftovers += self._delete_profile(sub)
            try:
                self._cognito.admin_delete_user(UserPoolId=self._pool, Username=username)
            except ClientError as error:
                leftovers.append(f"cognito user {username}: {error}")
        self._usernames.clear()
        return leftovers

    def _delete_recipes(self, author: Auth, sub: str) -> list[str]:
        """Delete the author's recipes, a page at a time, until none is left."""
        while True:
            page = self.execute(_AUTHOR_RECIPES, {"authorId": sub}, author)
            if page.get("errors"):
                return [f"recipes of {sub}: {page['errors']}"]
            items = page["data"]["recipesByAuthor"]["items"]
            if not items:
                return []
            for item in items:
                deleted = self.execute(_DELETE_RECIPE, {"id": item["id"]}, author)
                if deleted.get("errors"):
                    # Never loop on a recipe that will not go: report it and stop.
                    return [f"recipe {item['id']}: {deleted['errors']}"]

    def _delete_profile(self, sub: str) -> list[str]:
        if not self._profiles_table:
            return [f"profile {sub}: POTLUCK_E2E_PROFILES_TABLE not set"]
        try:
            self._session.client("dynamodb").delete_item(
                TableName=self._profiles_table, Key={"id": {"S": sub}}
            )
        except ClientError as error:
            return [f"profile {sub}: {error}"]
        return []


_AUTHOR_RECIPES = (
    "query($authorId: ID!) { recipesByAuthor(authorId: $authorId, limit: 100) { items { id } } }"
)
_DELETE_RECIPE = "mutation($id: ID!) { deleteRecipe(id: $id) { id } }"


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


@contextmanager
def potluck_target(app_stack: AppStack | None, state_dir: Path) -> Iterator[Target]:
    """The deployed stack when `POTLUCK_E2E_URL` is set, else the local devserver."""
    if os.environ.get("POTLUCK_E2E_URL"):
        deployed = DeployedTarget(dict(os.environ), uuid.uuid4().hex[:8])
        try:
            yield deployed
        finally:
            for leftover in deployed.close():
                print(f"smoke cleanup left behind: {leftover}", file=sys.stderr)  # noqa: T201
        return
    assert app_stack is not None
    with local_target(app_stack, state_dir) as target:
        yield target


@contextmanager
def local_target(
    app_stack: AppStack,
    state_dir: Path,
    *,
    events: EventsConfig | None = None,
    extra_env: Mapping[str, str] | None = None,
) -> Iterator[LocalTarget]:
    """The devserver serving schema.graphql and resolvers/ over the local backends.

    `events` also delivers the wiring's event sources; `extra_env` adds handler variables.
    """
    settings_env = {
        field.name.upper(): str(getattr(app_stack.settings, field.name))
        for field in fields(app_stack.settings)
    }
    # Bound first: the thumbnail function calls back into the API, so its URL is handler config.
    sock = bind_free_port()
    role_env = handler_role_env(f"http://127.0.0.1:{sock.getsockname()[1]}/graphql")
    config = DevServerConfig(
        schema_path=ROOT / "schema.graphql",
        wiring_path=ROOT / "resolvers" / "wiring.toml",
        python_path=(ROOT,),
        auth_state_dir=state_dir,
        api_key=LOCAL_API_KEY,
        handler_env={**app_stack.backends.env, **settings_env, **role_env, **(extra_env or {})},
        events=events,
    )
    with start_devserver(config, sock=sock) as server:
        yield LocalTarget(server, uuid.uuid4().hex[:8])
