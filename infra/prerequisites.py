"""What a deploy machine needs, checked before anything is built: `python -m infra.prerequisites STAGE`.

Each problem is reported with what to do about it, all at once, so one run lists everything.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from typing import TYPE_CHECKING

from infra.bundle import BuildError, _uv
from infra.config import LAMBDA_PYTHON_VERSION, SES_FROM_EMAIL_CONTEXT, StageError, stage_config

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from infra.config import StageConfig

# The CDK app runs aws-cdk-lib through jsii, whose runtime supports Node ^22 and ^24: on Node 20
# (end of life) it warns on every run and is no longer tested. The CLI pinned in
# infra/package.json accepts Node >= 18, so jsii sets the bar.
MIN_NODE_MAJOR = 22
SES_FROM_EMAIL_ENV = "POTLUCK_SES_FROM_EMAIL"


def node_problem(version: str | None) -> str | None:
    """`version` is `node --version`'s output, or None when there is no node."""
    if version is None:
        return f"Node.js is missing: install Node.js {MIN_NODE_MAJOR} or 24 (LTS) with npm"
    match = re.match(r"v?(\d+)\.", version.strip())
    if match is None or int(match.group(1)) < MIN_NODE_MAJOR:
        return (
            f"Node.js {version.strip()} is too old for the CDK app (jsii supports ^22 and ^24): "
            f"install Node.js {MIN_NODE_MAJOR} or 24 (LTS)"
        )
    return None


def ses_problem(stage: StageConfig, env: Mapping[str, str]) -> str | None:
    if not stage.email_through_ses:
        return None
    sender = env.get(SES_FROM_EMAIL_ENV, "")
    if "@" not in sender:
        return (
            f"{stage.name} sends Cognito's e-mail through SES: set {SES_FROM_EMAIL_ENV} to an "
            "address at a domain verified in SES in the stack's region (passed to the app as "
            f"-c {SES_FROM_EMAIL_CONTEXT}=...)"
        )
    return None


def python_problem(run: Callable[[list[str]], int]) -> str | None:
    """The byte-compile step needs the Lambda runtime's CPython, which uv finds or installs."""
    try:
        uv = _uv()
    except BuildError as error:
        return str(error)
    for command in (
        ["python", "find", LAMBDA_PYTHON_VERSION],
        ["python", "install", LAMBDA_PYTHON_VERSION],
    ):
        if run([uv, *command]) == 0:
            return None
    return (
        f"Python {LAMBDA_PYTHON_VERSION} (the Lambda runtime's) is needed to byte-compile the "
        f"package and uv could not install it: run `uv python install {LAMBDA_PYTHON_VERSION}`"
    )


def credentials_problem() -> str | None:
    # Imported here: only a deploy talks to AWS.
    import boto3  # noqa: PLC0415
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

    session = boto3.Session()
    if not session.region_name:
        return "no AWS region: set AWS_REGION (or a profile with a region)"
    try:
        session.client("sts").get_caller_identity()
    except (BotoCoreError, ClientError) as error:
        return f"no usable AWS credentials ({error}): set AWS_PROFILE or AWS_ACCESS_KEY_ID/..."
    return None


def _node_version() -> str | None:
    node = shutil.which("node")
    if node is None:
        return None
    result = subprocess.run([node, "--version"], capture_output=True, text=True, check=False)  # noqa: S603
    return result.stdout if result.returncode == 0 else None


def _quiet(command: list[str]) -> int:
    return subprocess.run(command, capture_output=True, check=False).returncode  # noqa: S603


def problems(stage: StageConfig, env: Mapping[str, str]) -> list[str]:
    found = [
        node_problem(_node_version()),
        None if shutil.which("npm") else "npm is missing: it comes with Node.js",
        ses_problem(stage, env),
        python_problem(_quiet),
        credentials_problem(),
    ]
    return [problem for problem in found if problem]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    try:
        stage = stage_config(args[0] if args else "")
    except StageError as error:
        print(f"error: {error}", file=sys.stderr)  # noqa: T201
        return 2
    found = problems(stage, os.environ)
    for problem in found:
        print(f"deploy prerequisite: {problem}", file=sys.stderr)  # noqa: T201
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
