"""moto keeps every model object it ever made; here that would be every item a read returns.

moto's `BaseModel` appends each new instance to a list on its class, for moto's dashboard and
its reset. An `Item` is made for every item a Query, Scan or projected GetItem returns, so the
local DynamoDB's memory grew with every read, and every full garbage collection walked them all
(50 to 280 ms as they piled up, with every request waiting). Nothing here reads those lists.
"""

from __future__ import annotations

from typing import Any

from moto.core.model_instances import model_data

SERVICES = ("dynamodb", "dynamodbstreams")


class _Discarded(list[Any]):
    """A list that stays empty: what moto appends to it is dropped."""

    def append(self, _instance: Any) -> None:
        return


def install() -> None:
    """Stop tracking DynamoDB's model instances (call after importing moto's DynamoDB models)."""
    for service in SERVICES:
        for model in model_data[service].values():
            model.instances_tracked = _Discarded()  # type: ignore[attr-defined]
