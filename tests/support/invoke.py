"""Call the Lambda handler in process, exactly as the Lambda runtime would."""

from __future__ import annotations

from typing import Any, Protocol

from tests.support.events import FakeLambdaContext


class Invoke(Protocol):
    def __call__(self, event: dict[str, Any] | list[dict[str, Any]]) -> Any: ...


def invoke_handler(event: dict[str, Any] | list[dict[str, Any]]) -> Any:
    from resolvers.app import handler

    return handler(event, FakeLambdaContext())
