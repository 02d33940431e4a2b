"""A deployed stage's stack outputs: a summary for deploy, the e2e environment for smoke.

`scripts/smoke` exports these variables, which point tests/e2e at the stack instead of the
devserver:

    python -m infra.outputs dev --summary
    eval "$(python -m infra.outputs dev --env)"
    python -m infra.outputs dev --amplify > examples/web/amplify-config.dev.json
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from typing import TYPE_CHECKING, Any

from infra.config import OutputKey, StageError, stage_config

if TYPE_CHECKING:
    from collections.abc import Mapping

# The one switch for tests/e2e: with POTLUCK_E2E_URL set, the suite targets this deployment.
E2E_VARIABLES = {
    "POTLUCK_E2E_URL": OutputKey.GRAPHQL_URL,
    "POTLUCK_E2E_REALTIME_URL": OutputKey.REALTIME_URL,
    "POTLUCK_E2E_API_KEY": OutputKey.API_KEY_ID,
    "POTLUCK_E2E_REGION": OutputKey.REGION,
    "POTLUCK_E2E_USER_POOL_ID": OutputKey.USER_POOL_ID,
    "POTLUCK_E2E_USER_POOL_CLIENT_ID": OutputKey.USER_POOL_CLIENT_ID,
    "POTLUCK_E2E_ADMIN_GROUP": OutputKey.ADMIN_GROUP,
    "POTLUCK_E2E_PROFILES_TABLE": OutputKey.PROFILES_TABLE,
}

SAMPLE_QUERY = "{ recipes(limit: 5) { items { id title } nextToken } }"


class OutputsError(RuntimeError):
    """The stack is missing, or lacks an output this tool needs."""


def stack_outputs(stage: str, cloudformation: Any = None) -> dict[str, str]:
    """The stage's outputs from CloudFormation (region and credentials from the environment)."""
    # Imported here: only this command talks to AWS; synth and the tests never do.
    import boto3  # noqa: PLC0415
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

    name = stage_config(stage).stack_name
    try:
        client = cloudformation or boto3.client("cloudformation")
        stacks = client.describe_stacks(StackName=name)["Stacks"]
    except ClientError as error:
        raise OutputsError(f"{name}: {error} (deploy it with scripts/deploy {stage})") from error
    except BotoCoreError as error:
        raise OutputsError(f"{error} (set AWS credentials and AWS_REGION)") from error
    return {item["OutputKey"]: item["OutputValue"] for item in stacks[0].get("Outputs", [])}


def e2e_environment(outputs: Mapping[str, str]) -> dict[str, str]:
    missing = sorted(key for key in E2E_VARIABLES.values() if key not in outputs)
    if missing:
        raise OutputsError(f"stack outputs lack {', '.join(missing)}: redeploy the stack")
    return {variable: outputs[key] for variable, key in E2E_VARIABLES.items()}


def env_script(outputs: Mapping[str, str]) -> str:
    """`export` lines, quoted for the shell."""
    return "".join(
        f"export {name}={shlex.quote(value)}\n" for name, value in e2e_environment(outputs).items()
    )


def amplify_config(outputs: Mapping[str, str]) -> str:
    """Amplify v6's configuration for the stack: what examples/web reads, as the devserver serves it."""
    graphql = {
        "endpoint": outputs[OutputKey.GRAPHQL_URL],
        "region": outputs[OutputKey.REGION],
        "defaultAuthMode": "apiKey",
        "apiKey": outputs[OutputKey.API_KEY_ID],
    }
    cognito = {
        "userPoolId": outputs[OutputKey.USER_POOL_ID],
        "userPoolClientId": outputs[OutputKey.USER_POOL_CLIENT_ID],
    }
    return json.dumps({"API": {"GraphQL": graphql}, "Auth": {"Cognito": cognito}}, indent=2) + "\n"


def summary(stage: str, outputs: Mapping[str, str]) -> str:
    body = json.dumps({"query": SAMPLE_QUERY})
    curl = (
        f"curl -s {shlex.quote(outputs[OutputKey.GRAPHQL_URL])} \\\n"
        "  -H 'content-type: application/json' \\\n"
        f"  -H {shlex.quote('x-api-key: ' + outputs[OutputKey.API_KEY_ID])} \\\n"
        f"  -d {shlex.quote(body)}"
    )
    width = max(len(key) for key in outputs)
    lines = [f"Potluck {stage} is deployed:", ""]
    lines += [f"  {key.ljust(width)}  {value}" for key, value in sorted(outputs.items())]
    lines += ["", "Try it (public read-only, API key):", "", curl, ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print a deployed Potluck stage's outputs.")
    parser.add_argument("stage")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--env", action="store_true", help="export lines for the e2e suite")
    mode.add_argument("--summary", action="store_true", help="endpoints and a sample curl")
    mode.add_argument("--amplify", action="store_true", help="Amplify's config for examples/web")
    args = parser.parse_args(argv)
    try:
        outputs = stack_outputs(args.stage)
        if args.amplify:
            text = amplify_config(outputs)
        else:
            text = env_script(outputs) if args.env else summary(args.stage, outputs)
    except (OutputsError, StageError) as error:
        print(f"error: {error}", file=sys.stderr)  # noqa: T201
        return 1
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
