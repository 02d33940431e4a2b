"""`python -m devserver.auth.token <user>`: print a local Cognito token the devserver accepts."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from devserver.auth.cognito import mint_token_for_user
from devserver.auth.config import DEFAULT_REGION, DEFAULT_TOKEN_TTL_SECONDS
from devserver.auth.state import DEFAULT_STATE_DIR

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["add_token_arguments", "groups_of", "main", "mint_token_for_user"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m devserver.auth.token",
        description="Print a local Cognito user-pool token for the devserver.",
    )
    add_token_arguments(parser)
    parser.add_argument("--region", default=DEFAULT_REGION)
    parser.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR)
    args = parser.parse_args(argv)
    token = mint_token_for_user(
        args.user,
        groups=groups_of(args),
        state_dir=args.state_dir,
        email=args.email,
        ttl=args.ttl,
        token_use="access" if args.access else "id",
        region=args.region,
    )
    sys.stdout.write(token + "\n")  # printing the token is this tool's whole job
    return 0


def add_token_arguments(parser: argparse.ArgumentParser) -> None:
    """The claims a command-line user chooses: user, groups, email, lifetime, token use."""
    parser.add_argument("user", help="the cognito:username (the sub is derived from it)")
    parser.add_argument(
        "--groups",
        action="append",
        default=[],
        help="cognito:groups, comma-separated or repeated (e.g. --groups admins)",
    )
    parser.add_argument("--email", help="email claim (default: <user>@example.com)")
    parser.add_argument("--ttl", type=int, default=DEFAULT_TOKEN_TTL_SECONDS, help="seconds")
    parser.add_argument("--access", action="store_true", help="an access token, not an ID token")


def groups_of(args: argparse.Namespace) -> list[str]:
    return [group.strip() for value in args.groups for group in value.split(",") if group.strip()]


if __name__ == "__main__":
    raise SystemExit(main())
