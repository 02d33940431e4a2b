"""One synth of both stages per session; every infra test reads its templates and reports."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App

# jsii's Node banner is noise in test output; Node 20 still runs this CDK version.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from infra.app import PACKAGE_CONTEXT, cdk_json_context, create_app
from infra.config import SES_FROM_EMAIL_CONTEXT, STAGES
from tests.infra.cfn import StackView

SES_FROM_EMAIL = "no-reply@potluck.example.org"


@dataclass
class Synth:
    outdir: Path
    app: App
    stacks: dict[str, StackView] = field(default_factory=dict)
    error: str | None = None

    @property
    def validation_report(self) -> dict[str, Any]:
        return json.loads((self.outdir / "validation-report.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """Both stages in one app: one jsii start and one synth (a few seconds) for the session."""
    outdir = tmp_path_factory.mktemp("cdk.out")
    # No package context: the source-only Lambda package, as on any offline machine.
    # ... and the SES sender a prod deploy passes (scripts/deploy checks it is given).
    context = {
        **cdk_json_context(),
        PACKAGE_CONTEXT: "",
        SES_FROM_EMAIL_CONTEXT: SES_FROM_EMAIL,
    }
    app, stacks = create_app(stages=list(STAGES), context=context, outdir=str(outdir))
    result = Synth(outdir=outdir, app=app)
    try:
        assembly = app.synth()
    except Exception as error:  # noqa: BLE001 - the nag test reports it; the rest are skipped
        result.error = str(error)
        return result
    for name, stack in stacks.items():
        template = assembly.get_stack_by_name(stack.stack_name).template
        result.stacks[name] = StackView(STAGES[name], template, outdir)
    return result


@pytest.fixture(params=list(STAGES))
def stack(request: pytest.FixtureRequest, synth: Synth) -> StackView:
    if synth.error:
        pytest.fail(f"synth failed: {synth.error}")
    return synth.stacks[request.param]


@pytest.fixture
def dev(synth: Synth) -> StackView:
    if synth.error:
        pytest.fail(f"synth failed: {synth.error}")
    return synth.stacks["dev"]
