"""The worker side: a zygote that imports a function's handler once, and forks warm workers.

`python -m devserver.lambda_runtime.sandbox SPEC_JSON CONTROL_FD` is one function's zygote: it
imports the handler (Lambda's init phase, paid once), then forks a worker for every socket the
devserver passes over CONTROL_FD. A fork starts warm with the handler imported, in a few
milliseconds, and has module state of its own, as a Lambda container has. Each worker serves
one invocation at a time (`devserver.lambda_runtime.frames`) until its socket closes, limited
to the function's memory size (RLIMIT_DATA, where the OS has it). A zygote that cannot import
the handler reports Lambda's `Runtime.ImportModuleError` and exits.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import importlib
import json
import logging
import os
import signal
import socket
import sys
import traceback
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from devserver.context import FunctionIdentity
from devserver.lambda_runtime import frames
from devserver.lambda_runtime.call import run_handler
from devserver.wiring import FunctionConfig

if TYPE_CHECKING:
    from collections.abc import Callable

PR_SET_PDEATHSIG = 1
READY = b"+"  # sent once the handler imported; a failure is sent as a JSON error instead
MEGABYTE = 1 << 20


def die_with_parent() -> None:
    """Linux: be killed when the process that started this one exits, however it exits."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def limit_memory(memory_mb: int) -> bool:
    """Cap the heap at the function's memory size; False where the OS offers no such limit.

    RLIMIT_DATA counts what a process has written to (heap, anonymous mappings), close to what
    Lambda meters; RLIMIT_AS would also count the address space Python and glibc only reserve.
    """
    try:
        import resource  # noqa: PLC0415 - POSIX only

        limit = memory_mb * MEGABYTE
        _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))
    except (ImportError, AttributeError, ValueError, OSError):
        return False
    return True


def serve(sock: socket.socket, handler: Callable[[Any, Any], Any], spec: dict[str, Any]) -> None:
    """Answer invokes until the devserver closes the socket (or an error ends the container)."""
    fields = spec["function"]
    config = FunctionConfig(**{**fields, "expected_errors": frozenset(fields["expected_errors"])})
    # Each container has a log stream of its own.
    identity = FunctionIdentity.create(config, region=spec["region"], account_id=spec["account"])
    os.environ["AWS_LAMBDA_LOG_STREAM_NAME"] = identity.log_stream_name
    reader = sock.makefile("rb")
    sock.sendall(frames.answer_frame(frames.READY, str(os.getpid()).encode()))
    while True:
        header = reader.read(frames.INVOKE.size)
        if len(header) < frames.INVOKE.size:
            return
        length, deadline_epoch_ms, request_id = frames.INVOKE.unpack(header)
        event_json = reader.read(length)
        outcome = run_handler(
            handler,
            config,
            identity,
            event_json,
            deadline_epoch_ms=deadline_epoch_ms,
            request_id=request_id.decode(),
        )
        if outcome.error_type is None:
            sock.sendall(frames.answer_frame(frames.RESULT, outcome.payload.encode()))
            continue
        kind = frames.FATAL if outcome.fatal else frames.ERROR
        sock.sendall(
            frames.answer_frame(kind, frames.error_body(outcome.error_type, outcome.error_message))
        )
        if outcome.fatal:
            return


def _import_handler(import_path: str) -> Callable[[Any, Any], Any]:
    module_name, sep, attribute = import_path.partition(":")
    if not sep:
        module_name, _, attribute = import_path.rpartition(".")
    handler = getattr(importlib.import_module(module_name), attribute)
    if not callable(handler):
        raise TypeError(f"{import_path} is not callable")
    return handler  # type: ignore[no-any-return]


def _fork_worker(
    control: socket.socket, worker_fd: int, handler: Any, spec: dict[str, Any]
) -> None:
    if os.fork() != 0:
        os.close(worker_fd)
        return
    code = 0
    try:
        control.close()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the handler's own subprocesses
        die_with_parent()
        limit_memory(spec["function"]["memory_mb"])
        serve(socket.socket(fileno=worker_fd), handler, spec)
    except BaseException:  # noqa: BLE001 - a worker must never return into the zygote's loop
        traceback.print_exc()
        code = 1
    finally:
        with contextlib.suppress(BaseException):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def main(argv: list[str]) -> int:
    spec = json.loads(argv[0])
    control = socket.socket(fileno=int(argv[1]))
    die_with_parent()
    if os.getppid() != spec["parent"]:
        return 0  # the devserver is already gone
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("devserver").setLevel(spec["log_level"])
    sys.path[:0] = [path for path in spec["python_path"] if path not in sys.path]
    try:
        handler = _import_handler(spec["function"]["handler"])
    except Exception as error:  # noqa: BLE001 - reported as Lambda reports a failed init
        traceback.print_exc()
        message = f"Unable to import module '{spec['function']['handler']}': {error}"
        control.sendall(frames.error_body("Runtime.ImportModuleError", message))
        return 1
    control.sendall(READY)
    # Workers exit on their own; nobody waits for them.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    # Objects that exist now are shared with every fork; keep the collector from touching
    # (and so copying) their pages.
    gc.freeze()
    while True:
        try:
            request, fds, _flags, _addr = socket.recv_fds(control, 16, 1)
        except InterruptedError:
            continue
        if not request:
            return 0
        for fd in fds:
            _fork_worker(control, fd, handler, spec)


def function_spec(function: FunctionConfig) -> dict[str, Any]:
    """The function's settings as JSON-ready data for the zygote."""
    return {**asdict(function), "expected_errors": sorted(function.expected_errors)}


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the devserver, which stops us
    sys.exit(main(sys.argv[1:]))
