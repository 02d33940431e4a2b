"""scripts/deploy's prerequisites, and the refusals of scripts/cdk and scripts/smoke."""

from __future__ import annotations

import subprocess

import pytest

from infra.config import REPO_ROOT, STAGES
from infra.prerequisites import (
    MIN_NODE_MAJOR,
    SES_FROM_EMAIL_ENV,
    node_problem,
    python_problem,
    ses_problem,
)


@pytest.mark.parametrize(
    ("version", "ok"),
    [
        (None, False),
        ("v20.20.2\n", False),
        ("v22.12.0\n", True),
        ("v24.1.0", True),
        ("junk", False),
    ],
)
def test_node_must_be_one_the_cdk_apps_jsii_runtime_supports(version, ok):
    problem = node_problem(version)
    assert (problem is None) is ok
    if problem:
        assert f"Node.js {MIN_NODE_MAJOR}" in problem


def test_a_stage_that_mails_through_ses_needs_its_sender_up_front():
    prod, dev = STAGES["prod"], STAGES["dev"]
    assert SES_FROM_EMAIL_ENV in (ses_problem(prod, {}) or "")
    assert ses_problem(prod, {SES_FROM_EMAIL_ENV: "no-reply@example.org"}) is None
    assert ses_problem(dev, {}) is None


def test_python_for_the_byte_compile_is_found_or_installed_through_uv():
    # GIVEN a uv that finds no 3.14, then one that cannot install it either
    tried: list[list[str]] = []

    def installs(command: list[str]) -> int:
        tried.append(command[1:3])
        return 0 if command[2] == "install" else 1

    # THEN it installs when it must, and says what to run when it cannot
    assert python_problem(installs) is None
    assert tried == [["python", "find"], ["python", "install"]]
    assert "uv python install" in (python_problem(lambda _: 1) or "")


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own scripts, fixed arguments
        [str(REPO_ROOT / "scripts" / argv[0]), *argv[1:]],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_cdk_deploy_without_the_built_package_is_refused():
    # WHEN the CDK CLI is asked to deploy without the package scripts/deploy builds
    result = _run("cdk", "deploy", "potluck-dev", "-c", "stage=dev")
    # THEN it refuses, before installing or synthesizing anything, and says what to run
    assert result.returncode == 2
    assert "scripts/deploy" in result.stderr


def test_smoke_refuses_prod_unless_asked_explicitly():
    result = _run("smoke", "prod")
    assert result.returncode == 2
    assert "--yes-prod" in result.stderr
