"""One handler call as the Python Lambda runtime makes it: JSON text in, JSON text or an error out.

Shared by both ways the devserver runs handlers: on its own threads (`devserver.invoke`, the
debugger-friendly mode) and in warm worker processes (`devserver.lambda_runtime.sandbox`).
The event crosses a JSON boundary in both directions, as it does on AWS: the handler gets
fresh objects it may mutate, and a result Lambda could not marshal fails the same way
(`Runtime.MarshalError`). Decimals encode as numbers, as awslambdaric does for DynamoDB items.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from devserver.context import LambdaContext

if TYPE_CHECKING:
    from collections.abc import Callable

    from devserver.context import FunctionIdentity
    from devserver.wiring import FunctionConfig

logger = logging.getLogger("devserver.invoke")

OUT_OF_MEMORY = "Runtime.OutOfMemory"  # UNCONFIRMED how AppSync shows it; Lambda's own name


@dataclass(frozen=True)
class Outcome:
    """What the runtime reports: the result as JSON text, or a function error.

    `fatal`: Lambda would not keep this container (it exited or ran out of memory).
    """

    payload: str = "null"
    error_type: str | None = None
    error_message: str = ""
    fatal: bool = False


def _encode_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


# Built once: `json.dumps` with any option builds a new encoder per call. Compact separators
# only shorten text that is decoded straight back.
encode_result = json.JSONEncoder(separators=(",", ":"), default=_encode_default).encode


def run_handler(
    handler: Callable[[Any, Any], Any],
    function: FunctionConfig,
    identity: FunctionIdentity,
    event_json: str | bytes,
    *,
    deadline_epoch_ms: int,
    request_id: str | None = None,
) -> Outcome:
    # Made when the handler starts, as Lambda counts the function's timeout from there.
    context = LambdaContext(identity, deadline_epoch_ms=deadline_epoch_ms, request_id=request_id)
    event = json.loads(event_json)
    started = time.perf_counter()
    try:
        result = handler(event, context)
    except MemoryError:
        # Past the memory size Lambda stops the container; with the devserver's limit
        # (RLIMIT_DATA) Python raises instead, and the worker ends the same way.
        logger.error(  # noqa: TRY400 - Lambda's report has no traceback either
            "[ERROR] function %s ran out of memory (%s MB, request %s)",
            function.name,
            function.memory_mb,
            context.aws_request_id,
        )
        return Outcome(
            error_type=OUT_OF_MEMORY,
            error_message=f"RequestId: {context.aws_request_id} Error: Runtime exited with"
            " error: signal: killed",
            fatal=True,
        )
    except Exception as error:  # noqa: BLE001 - reported to AppSync as Lambda reports it
        _log_function_error(error, function, context.aws_request_id)
        return Outcome(error_type=type(error).__name__, error_message=str(error))
    except SystemExit as error:
        return Outcome(
            error_type="Runtime.ExitError",
            error_message=f"RequestId: {context.aws_request_id} Error: Runtime exited with error:"
            f" exit status {error.code}",
            fatal=True,
        )
    finally:
        logger.debug(
            "invoked %s in %.1f ms (request=%s)",
            function.name,
            (time.perf_counter() - started) * 1000,
            context.aws_request_id,
        )
    try:
        return Outcome(payload=encode_result(result))
    except (TypeError, ValueError) as error:
        return Outcome(
            error_type="Runtime.MarshalError",
            error_message=f"Unable to marshal response: {error}",
        )


def _log_function_error(error: Exception, function: FunctionConfig, request_id: str) -> None:
    kind = type(error).__name__
    if kind in function.expected_errors:
        # The client's mistake, answered as designed: a traceback here would bury real bugs.
        logger.info("%s from function %s (request %s): %s", kind, function.name, request_id, error)
        return
    # The runtime prints the traceback to the function's log; here that is the server log.
    logger.error(
        "[ERROR] %s in function %s (request %s)", kind, function.name, request_id, exc_info=error
    )
