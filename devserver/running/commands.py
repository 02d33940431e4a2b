"""`<cli> token <user>` and `<cli> env`: credentials and URLs of the devserver running on a root.

Both read the running server's `server.json` and refuse a root without one, so a token is
never signed with another root's key, and neither ever writes anything.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devserver.auth.cognito import LocalUserPool
from devserver.auth.config import CognitoSettings
from devserver.auth.keys import SIGNING_KEY_FILE, SigningKey
from devserver.auth.token import add_token_arguments, groups_of
from devserver.running.server_file import NotRunningError, read_running

if TYPE_CHECKING:
    from collections.abc import Sequence

AUTH_DIR = "auth"


def token_main(argv: Sequence[str], *, prog: str, default_root: Path) -> int:
    parser = argparse.ArgumentParser(
        prog=f"{prog} token",
        description="Print a Cognito ID token the devserver running on --root accepts.",
    )
    add_token_arguments(parser)
    _add_root(parser, default_root)
    args = parser.parse_args(argv)
    facts = _running(parser, args.root, prog)
    key_file = args.root / AUTH_DIR / SIGNING_KEY_FILE
    if not key_file.is_file():
        parser.exit(1, f"{prog} token: {key_file} is missing; restart the devserver\n")
    region = str(facts.get("region") or "us-east-1")
    pool = LocalUserPool(CognitoSettings.local(region), SigningKey.from_pem(key_file.read_bytes()))
    token = pool.mint_token(
        pool.stable_sub(args.user),
        args.user,
        args.email if args.email is not None else f"{args.user}@example.com",
        groups_of(args),
        args.ttl,
        "access" if args.access else "id",
    )
    sys.stdout.write(token + "\n")  # printing the token is this command's whole job
    return 0


def env_main(argv: Sequence[str], *, prog: str, default_root: Path) -> int:
    parser = argparse.ArgumentParser(
        prog=f"{prog} env",
        description="Print `export` lines for the devserver running on --root: "
        f'GRAPHQL_URL, REALTIME_URL and API_KEY. Use: eval "$({prog} env)"',
    )
    _add_root(parser, default_root)
    args = parser.parse_args(argv)
    facts = _running(parser, args.root, prog)
    exports = {
        "GRAPHQL_URL": facts.get("graphqlUrl"),
        "REALTIME_URL": facts.get("websocketUrl"),
        "API_KEY": facts.get("apiKey"),
    }
    for name, value in exports.items():
        if value:
            sys.stdout.write(f"export {name}={shlex.quote(str(value))}\n")
    return 0


def _add_root(parser: argparse.ArgumentParser, default: Path) -> None:
    parser.add_argument(
        "--root",
        type=Path,
        default=default,
        help=f"the running devserver's root (default: {default})",
    )


def _running(parser: argparse.ArgumentParser, root: Path, prog: str) -> dict[str, Any]:
    try:
        return read_running(root, start_hint=f"start it with `{prog}`")
    except NotRunningError as error:
        parser.exit(1, f"{parser.prog}: {error}\n")
