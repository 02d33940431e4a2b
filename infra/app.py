"""The CDK app's entry point (`cdk.json` runs it): one stage per synth, chosen by `-c stage=`.

Context keys:
- `stage`: `dev` (default) or `prod`, see infra/config.py.
- `potluck:sesFromEmail`: the sender of Cognito's e-mail on stages that send through SES
  (an address at a domain verified in SES in the stack's region).
- `potluck:lambdaPackage`: a directory built by `python -m infra.bundle` (scripts/deploy
  passes it). `potluck:thumbnailPackage`: the thumbnail function's own package, built with
  `--group thumbnails`. Without it the Lambda package is `resolvers/` alone: right for synth and the
  tests, which stay offline, but not deployable, so the stack carries a warning.
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aws_cdk import Annotations, App

from infra.bundle import BUILD_MARKER, copy_sources
from infra.config import REPO_ROOT, SES_FROM_EMAIL_CONTEXT, WIRING_PATH, stage_config
from infra.nag import add_checks
from infra.stack import PotluckStack
from wiring import load_wiring

if TYPE_CHECKING:
    from collections.abc import Iterable

CDK_JSON = REPO_ROOT / "infra" / "cdk.json"
STAGE_CONTEXT = "stage"
PACKAGE_CONTEXT = "potluck:lambdaPackage"
THUMBNAIL_PACKAGE_CONTEXT = "potluck:thumbnailPackage"


class PackageError(ValueError):
    """The `potluck:lambdaPackage` context names something that is not a built package."""


def cdk_json_context() -> dict[str, Any]:
    """The feature flags in cdk.json, for apps built outside the CLI (the tests)."""
    context: dict[str, Any] = json.loads(CDK_JSON.read_text(encoding="utf-8"))["context"]
    return context


def create_app(
    *,
    stages: Iterable[str] | None = None,
    context: dict[str, Any] | None = None,
    outdir: str | None = None,
) -> tuple[App, dict[str, PotluckStack]]:
    """Build the app; `stages` defaults to the one named by the `stage` context key."""
    app = App(context=context, outdir=outdir)
    wiring = load_wiring(WIRING_PATH)
    names = list(stages) if stages is not None else [_context(app, STAGE_CONTEXT) or "dev"]
    package_dir = _context(app, PACKAGE_CONTEXT)
    package = _built_package(Path(package_dir)) if package_dir else _source_only_package()
    thumbnail_dir = _context(app, THUMBNAIL_PACKAGE_CONTEXT)
    thumbnail_package = _built_package(Path(thumbnail_dir)) if thumbnail_dir else package
    stacks = {}
    for name in names:
        stage = stage_config(name)
        stack = PotluckStack(
            app,
            stage.stack_name,
            stage=stage,
            wiring=wiring,
            lambda_package=package,
            thumbnail_package=thumbnail_package,
            ses_from_email=_context(app, SES_FROM_EMAIL_CONTEXT),
        )
        if not package_dir:
            Annotations.of(stack).add_warning_v2(
                "potluck:sourceOnlyLambda",
                "The Lambda package holds resolvers/ without its dependencies; deploy with "
                "scripts/deploy, which builds them.",
            )
        stacks[name] = stack
    add_checks(app)
    return app, stacks


def _context(app: App, key: str) -> str | None:
    value = app.node.try_get_context(key)
    return str(value) if value else None


def _built_package(path: Path) -> Path:
    if not (path / BUILD_MARKER).is_file():
        raise PackageError(f"{path} is not a Lambda package built by `python -m infra.bundle`")
    return path


def _source_only_package() -> Path:
    # Synth copies the package into cdk.out itself; this scratch copy is only its source.
    scratch = Path(tempfile.mkdtemp(prefix="potluck-lambda-src-"))
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    return copy_sources(scratch)


def main() -> None:
    app, _ = create_app()
    app.synth()


if __name__ == "__main__":
    main()
