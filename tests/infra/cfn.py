"""CloudFormation template helpers for the infra tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    from infra.config import StageConfig

Resource = dict[str, Any]


def refs(value: Any) -> set[str]:
    """Logical ids that a CloudFormation value points at, through Ref and Fn::GetAtt.

    Pseudo parameters (AWS::Region, ...) are not resources and are left out.
    """
    found: set[str] = set()
    if isinstance(value, dict):
        if "Ref" in value and not value["Ref"].startswith("AWS::"):
            found.add(value["Ref"])
        if "Fn::GetAtt" in value:
            found.add(value["Fn::GetAtt"][0])
        for inner in value.values():
            found |= refs(inner)
    elif isinstance(value, list):
        for inner in value:
            found |= refs(inner)
    return found


@dataclass
class StackView:
    stage: StageConfig
    template: dict[str, Any]
    outdir: Path

    @property
    def resources(self) -> dict[str, Resource]:
        return self.template["Resources"]

    def of_type(self, resource_type: str) -> dict[str, Resource]:
        return {
            logical_id: resource
            for logical_id, resource in self.resources.items()
            if resource["Type"] == resource_type
        }

    def one(self, resource_type: str) -> tuple[str, Resource]:
        found = self.of_type(resource_type)
        assert len(found) == 1, f"expected one {resource_type}, found {sorted(found)}"
        return next(iter(found.items()))

    def function(self, handler: str) -> tuple[str, Resource]:
        found = [
            (logical_id, resource)
            for logical_id, resource in self.of_type("AWS::Lambda::Function").items()
            if resource["Properties"].get("Handler") == handler
        ]
        assert len(found) == 1, f"expected one function with handler {handler}"
        return found[0]

    def table_id(self, logical_name: str) -> str:
        """The DynamoDB table infra/data.py made for a shared table definition."""
        prefix = f"Tables{logical_name.capitalize()}"
        (found,) = [i for i in self.of_type("AWS::DynamoDB::GlobalTable") if i.startswith(prefix)]
        return found

    def python_functions(self) -> dict[str, Resource]:
        """Our Python functions; CDK's inline helpers (bucket notifications) are not ours."""
        return {
            logical_id: resource
            for logical_id, resource in self.of_type("AWS::Lambda::Function").items()
            if resource["Properties"].get("Runtime", "").startswith("python")
            and "ZipFile" not in resource["Properties"].get("Code", {})
        }

    def statements(self, function_id: str) -> list[dict[str, Any]]:
        """Every statement of every policy attached to the function's role."""
        role_id = self.resources[function_id]["Properties"]["Role"]["Fn::GetAtt"][0]
        statements = []
        for policy in self.of_type("AWS::IAM::Policy").values():
            if {"Ref": role_id} in policy["Properties"]["Roles"]:
                statements += policy["Properties"]["PolicyDocument"]["Statement"]
        role = self.resources[role_id]["Properties"]
        for inline in role.get("Policies", []):
            statements += inline["PolicyDocument"]["Statement"]
        assert not role.get("ManagedPolicyArns"), "our functions use no AWS managed policies"
        return statements
