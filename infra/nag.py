"""cdk-nag (AwsSolutions) wiring, and one helper so every acknowledgment carries its reason."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Acknowledgment, CfnElement, Stack, Validations
from cdk_nag import AwsSolutionsChecks

if TYPE_CHECKING:
    from aws_cdk import App
    from constructs import IConstruct


def add_checks(app: App) -> None:
    """Run the AwsSolutions pack after synthesis; any unacknowledged finding fails the synth."""
    Validations.of(app).add_plugins(
        AwsSolutionsChecks(app, verbose=True, write_suppressions_to_cloud_formation=True)
    )


def acknowledge(construct: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge `rule` on `construct` and everything under it, with the reason in the code."""
    Validations.of(construct).acknowledge(Acknowledgment(id=rule, reason=reason))


def arn_of(construct: IConstruct) -> str:
    """How cdk-nag names `Fn::GetAtt <resource>.Arn` in an IAM5 finding, for an L2 or L1."""
    element = construct.node.default_child or construct
    if not isinstance(element, CfnElement):
        raise TypeError(f"{construct.node.path} has no CloudFormation resource")
    return f"<{Stack.of(element).get_logical_id(element)}.Arn>"
