"""Stack outputs become the e2e environment and the deploy summary."""

from __future__ import annotations

import json
import shlex
import subprocess

import pytest

from infra.config import OutputKey
from infra.outputs import (
    E2E_VARIABLES,
    OutputsError,
    amplify_config,
    e2e_environment,
    env_script,
    summary,
)

OUTPUTS = {
    OutputKey.GRAPHQL_URL: "https://abc.appsync-api.eu-west-1.amazonaws.com/graphql",
    OutputKey.REALTIME_URL: "wss://abc.appsync-realtime-api.eu-west-1.amazonaws.com/graphql",
    OutputKey.API_KEY_ID: "da2-key'with$odd",
    OutputKey.USER_POOL_ID: "eu-west-1_Pool",
    OutputKey.USER_POOL_CLIENT_ID: "client123",
    OutputKey.REGION: "eu-west-1",
    OutputKey.ADMIN_GROUP: "admins",
    OutputKey.PROFILES_TABLE: "potluck-dev-TablesProfiles-ABC",
}


def test_the_e2e_environment_names_the_deployed_endpoints_and_ids():
    environment = e2e_environment(OUTPUTS)

    assert environment["POTLUCK_E2E_URL"] == OUTPUTS[OutputKey.GRAPHQL_URL]
    assert environment["POTLUCK_E2E_API_KEY"] == OUTPUTS[OutputKey.API_KEY_ID]
    assert environment["POTLUCK_E2E_REGION"] == "eu-west-1"
    assert environment["POTLUCK_E2E_USER_POOL_ID"] == "eu-west-1_Pool"
    assert set(environment) == set(E2E_VARIABLES)


def test_the_env_script_survives_the_shell_whatever_the_values():
    # WHEN a shell evaluates the export lines and prints a value back
    script = env_script(OUTPUTS) + 'printf %s "$POTLUCK_E2E_API_KEY"'
    printed = subprocess.run(  # noqa: S603 - a fixed shell and our own script
        ["/bin/bash", "-c", script], capture_output=True, text=True, check=True
    ).stdout

    # THEN the value arrives intact
    assert printed == OUTPUTS[OutputKey.API_KEY_ID]


def test_a_stack_without_an_output_is_a_clear_error():
    incomplete = {k: v for k, v in OUTPUTS.items() if k != OutputKey.REALTIME_URL}

    with pytest.raises(OutputsError, match=OutputKey.REALTIME_URL):
        e2e_environment(incomplete)


def test_the_summary_prints_every_output_and_a_runnable_curl():
    text = summary("dev", OUTPUTS)

    for value in OUTPUTS.values():
        assert value in text or shlex.quote(value) in text
    curl = text[text.index("curl") :]
    argv = shlex.split(curl.replace("\\\n", " "))
    assert argv[:3] == ["curl", "-s", OUTPUTS[OutputKey.GRAPHQL_URL]]
    assert f"x-api-key: {OUTPUTS[OutputKey.API_KEY_ID]}" in argv


def test_the_amplify_config_differs_from_the_devservers_only_in_its_values():
    # GIVEN a deployed stack's outputs
    # WHEN examples/web's configuration is written from them
    config = json.loads(amplify_config(OUTPUTS))
    # THEN it has the devserver's shape, pointing at AppSync and the real user pool
    assert config["API"]["GraphQL"] == {
        "endpoint": OUTPUTS[OutputKey.GRAPHQL_URL],
        "region": "eu-west-1",
        "defaultAuthMode": "apiKey",
        "apiKey": OUTPUTS[OutputKey.API_KEY_ID],
    }
    # AND Cognito is reached at its own endpoint: no userPoolEndpoint
    assert config["Auth"]["Cognito"] == {
        "userPoolId": "eu-west-1_Pool",
        "userPoolClientId": "client123",
    }
