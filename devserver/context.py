"""A faithful stand-in for the Python Lambda runtime's context object (awslambdaric's LambdaContext).

Same attributes and types as the real one, including the quirk that `memory_limit_in_mb` is a
string (the runtime copies it from the environment). The deadline is the earlier of the
function's own timeout and what is left of AppSync's request budget, since AppSync stops
waiting then.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from devserver.wiring import FunctionConfig

logger = logging.getLogger("devserver.lambda")


@dataclass(frozen=True)
class FunctionIdentity:
    """The names the runtime derives for one deployed function (one per handler "container")."""

    function_name: str
    function_version: str
    invoked_function_arn: str
    memory_limit_in_mb: str
    log_group_name: str
    log_stream_name: str
    timeout_seconds: int

    @classmethod
    def create(cls, function: FunctionConfig, *, region: str, account_id: str) -> FunctionIdentity:
        name = function.name
        stream = f"{time.strftime('%Y/%m/%d', time.gmtime())}/[$LATEST]{uuid.uuid4().hex}"
        return cls(
            function_name=name,
            function_version="$LATEST",
            invoked_function_arn=f"arn:aws:lambda:{region}:{account_id}:function:{name}",
            memory_limit_in_mb=str(function.memory_mb),
            log_group_name=f"/aws/lambda/{name}",
            log_stream_name=stream,
            timeout_seconds=function.timeout_seconds,
        )


class CognitoIdentity:
    """`context.identity`: only set for Amazon Cognito-authorized mobile SDK calls, never here."""

    cognito_identity_id: str | None = None
    cognito_identity_pool_id: str | None = None


class LambdaContext:
    """What the handler receives as `context` for one invocation."""

    def __init__(
        self, function: FunctionIdentity, *, deadline_epoch_ms: int, request_id: str | None = None
    ) -> None:
        self.aws_request_id = request_id or str(uuid.uuid4())
        self.function_name = function.function_name
        self.function_version = function.function_version
        self.invoked_function_arn = function.invoked_function_arn
        self.memory_limit_in_mb = function.memory_limit_in_mb
        self.log_group_name = function.log_group_name
        self.log_stream_name = function.log_stream_name
        self.identity = CognitoIdentity()
        self.client_context = None
        self.tenant_id = None
        function_deadline = int(time.time() * 1000) + function.timeout_seconds * 1000
        self._deadline_epoch_ms = min(deadline_epoch_ms, function_deadline)

    def get_remaining_time_in_millis(self) -> int:
        return max(self._deadline_epoch_ms - int(time.time() * 1000), 0)

    def log(self, msg: str) -> None:
        logger.info(msg)

    def __repr__(self) -> str:
        return (
            f"LambdaContext([aws_request_id={self.aws_request_id},"
            f"log_group_name={self.log_group_name},log_stream_name={self.log_stream_name},"
            f"function_name={self.function_name},memory_limit_in_mb={self.memory_limit_in_mb},"
            f"function_version={self.function_version},"
            f"invoked_function_arn={self.invoked_function_arn},"
            f"client_context={self.client_context},identity={self.identity},"
            f"tenant_id={self.tenant_id}])"
        )
