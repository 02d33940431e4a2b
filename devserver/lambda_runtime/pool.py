"""The devserver side of the worker processes: warm workers per function, a fair queue, timeouts.

A function's pool forks up to `concurrency` workers from its zygote (`sandbox`), each serving one
invocation at a time, as Lambda runs one event per container. Sockets are read on the event
loop itself, so an answer costs no thread hand-over.

Fairness: each GraphQL request owns its invocations. A request may hold at most
`concurrency - 1` workers of a function (all of them when the concurrency is 1), and while other
requests use the function too, no more than half the machine's cores (`request_share`); a free
worker goes to the request running the fewest, the one served longest ago first. So a request
that fans out into hundreds of invocations leaves a worker free for everyone else, and a
newcomer's single invoke waits at most for one worker to finish.

A worker past the function's timeout is killed and replaced on demand, and the invocation
fails with Lambda's `Sandbox.Timedout`. An invocation abandoned while queued (its request's
deadline passed, or its caller was cancelled) never starts; once sent to a worker it runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import uuid
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import devserver
from devserver.lambda_runtime import frames
from devserver.lambda_runtime.cores import available_cores
from devserver.lambda_runtime.owner import Owner
from devserver.lambda_runtime.sandbox import READY, function_spec

if TYPE_CHECKING:
    from collections.abc import Callable

    from wiring import FunctionConfig

logger = logging.getLogger("devserver.lambda_runtime.workers")

TIMED_OUT = "Sandbox.Timedout"
INIT_TIMEOUT_SECONDS = 120.0  # importing a big handler on a busy 2-core machine
CANCELLED = -1  # the pool closed before the invocation ran
KILL_GRACE_SECONDS = 0.05  # the handler's own clock starts a moment after the devserver's
# While another request has used a function this recently, each request is held to its share
# of the cores (`request_share`).
CONTENDED_SECONDS = 1.0
# Below glibc's mmap threshold, so a read's buffer comes from the heap, not a fresh mapping.
READ_SIZE = 1 << 16
DEVSERVER_ROOT = str(Path(devserver.__file__).resolve().parent.parent)


class Invocation:
    """One event for a worker; `answer(kind, body)` runs on the loop with the outcome."""

    __slots__ = ("abandoned", "answer", "frame", "owner", "request_id")

    def __init__(
        self,
        event_json: bytes,
        deadline_epoch_ms: int,
        answer: Callable[[int, bytes], None],
        owner: object = None,
    ) -> None:
        self.request_id = str(uuid.uuid4())
        self.frame = frames.invoke_frame(event_json, deadline_epoch_ms, self.request_id)
        self.answer = answer
        self.owner = self if owner is None else owner
        self.abandoned = False


@dataclass(frozen=True)
class SandboxSpec:
    """What a function's zygote needs: its settings, where its code is, its environment."""

    function: FunctionConfig
    region: str
    account_id: str
    python_path: tuple[str, ...] = ()
    environment: dict[str, str] = field(default_factory=dict)


class InitError(RuntimeError):
    """The function's handler did not import in its zygote."""


class Zygote:
    """A process that has imported the handler and forks a worker per socket it is given."""

    def __init__(self, spec: SandboxSpec) -> None:
        self._name = spec.function.name
        self._control, theirs = socket.socketpair()
        payload = {
            "function": function_spec(spec.function),
            "region": spec.region,
            "account": spec.account_id,
            "python_path": list(spec.python_path),
            "parent": os.getpid(),
            "log_level": logging.getLogger("devserver").getEffectiveLevel(),
        }
        env = dict(spec.environment)
        env["PYTHONPATH"] = os.pathsep.join(
            [DEVSERVER_ROOT, *spec.python_path, *filter(None, [env.get("PYTHONPATH")])]
        )
        with theirs:
            self._process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                [
                    sys.executable,
                    "-m",
                    "devserver.lambda_runtime.sandbox",
                    json.dumps(payload),
                    str(theirs.fileno()),
                ],
                pass_fds=(theirs.fileno(),),
                env=env,
                stdin=subprocess.DEVNULL,
                # Out of the terminal's process group: Ctrl-C stops the devserver, which stops us.
                start_new_session=True,
            )
        self.failure: bytes | None = None
        self._ready = False

    def wait_ready(self) -> None:
        """Block until the handler is imported; raise `InitError` if it cannot be."""
        self._control.settimeout(INIT_TIMEOUT_SECONDS)
        try:
            answer = self._control.recv(1 << 16)
        except TimeoutError:
            answer = b""
        finally:
            self._control.settimeout(None)
        if answer == READY:
            self._ready = True
            return
        self.failure = answer or None
        message = json.loads(answer)["errorMessage"] if answer else "it did not start"
        raise InitError(f"function {self._name}: {message}")

    def fork(self, worker_end: socket.socket) -> bool:
        """Ask for a worker on `worker_end`; False if the zygote is gone."""
        if self.failure is not None or self._process.poll() is not None:
            return False
        try:
            socket.send_fds(self._control, [b"f"], [worker_end.fileno()])
        except OSError:
            return False
        return True

    def init_error(self) -> bytes | None:
        """The zygote's import error, if it reported one (it exits right after)."""
        if self.failure is None:
            self._control.settimeout(0)
            with contextlib.suppress(BlockingIOError, OSError):
                answer = self._control.recv(1 << 16)
                if answer.startswith(READY):
                    self._ready, answer = True, answer[len(READY) :]
                self.failure = answer or None
            self._control.settimeout(None)
        return self.failure

    def close(self) -> None:
        self._control.close()  # its end reads EOF, and it exits; its workers follow
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(timeout=0)


class Worker:
    """One warm worker process, seen from the devserver: a socket and what it is running."""

    __slots__ = ("_out", "_sock", "_timer", "buffer", "doomed", "job", "pid", "pool", "timed_out")

    def __init__(self, pool: FunctionPool, sock: socket.socket) -> None:
        self.pool = pool
        self._sock = sock
        sock.settimeout(0)  # non-blocking: read and written from the event loop
        self.buffer = bytearray()
        self._out = bytearray()
        self.pid = 0
        self.job: Invocation | None = None
        self._timer: asyncio.TimerHandle | None = None
        self.timed_out = False
        self.doomed = False  # killed before it said its pid
        pool.loop.add_reader(sock.fileno(), self._readable)

    def run(self, job: Invocation, timeout_seconds: float) -> None:
        self.job = job
        self._timer = self.pool.loop.call_later(timeout_seconds + KILL_GRACE_SECONDS, self.expire)
        self._write(job.frame)

    def expire(self) -> None:
        self.timed_out = True
        self.kill()

    def kill(self) -> None:
        if not self.pid:
            self.doomed = True
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)

    def close(self) -> None:
        """Forget the worker; closing its socket is what tells it to exit."""
        if self._timer is not None:
            self._timer.cancel()
        if self._sock.fileno() >= 0:
            with contextlib.suppress(RuntimeError):  # its loop is closed
                self.pool.loop.remove_reader(self._sock.fileno())
                if self._out:
                    self.pool.loop.remove_writer(self._sock.fileno())
            self._sock.close()

    def _write(self, data: bytes) -> None:
        if self._out:
            self._out += data
            return
        try:
            sent = self._sock.send(data)
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError:
            return  # it died: the reader sees the end of the socket
        if sent < len(data):
            self._out += data[sent:]
            self.pool.loop.add_writer(self._sock.fileno(), self._writable)

    def _writable(self) -> None:
        try:
            sent = self._sock.send(self._out)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            sent = len(self._out)
        del self._out[:sent]
        if not self._out:
            self.pool.loop.remove_writer(self._sock.fileno())

    def _readable(self) -> None:
        try:
            data = self._sock.recv(READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self.close()
            self.pool.lost(self)
            return
        buffer = self.buffer
        size = frames.ANSWER.size
        if not buffer and len(data) > size:  # the usual case: one whole answer per read
            length, kind = frames.ANSWER.unpack_from(data)
            if len(data) == size + length:
                self._answer(kind, data[size:])
                return
        buffer += data
        while len(buffer) >= size:
            length, kind = frames.ANSWER.unpack_from(buffer)
            end = size + length
            if len(buffer) < end:
                return
            body = bytes(buffer[size:end])
            del buffer[:end]
            self._answer(kind, body)

    def _answer(self, kind: int, body: bytes) -> None:
        if kind == frames.READY:
            self.pid = int(body)
            if self.doomed:
                self.kill()
            return
        job, self.job = self.job, None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if job is not None:
            self.pool.finished(self, job, kind, body)


class FunctionPool:
    """One function's warm workers (one runtime generation), and its fair queue."""

    def __init__(self, spec: SandboxSpec, zygote: Zygote | None = None) -> None:
        self._spec = spec
        self._concurrency = spec.function.concurrency
        self._alone = max(1, self._concurrency - 1)
        self._share = request_share(self._concurrency)
        self._seen: dict[object, float] = {}  # when each owner last submitted an invocation
        self._timeout = float(spec.function.timeout_seconds)
        self._zygote = zygote
        self._workers: set[Worker] = set()
        self._idle: list[Worker] = []
        self._queues: dict[object, deque[Invocation]] = {}  # owners in the order to serve them
        self._running: dict[object, int] = {}
        self._retired = False
        self._closed = False
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        assert self._loop is not None  # noqa: S101 - set by the first submit
        return self._loop

    @property
    def name(self) -> str:
        return self._spec.function.name

    def submit(self, job: Invocation) -> None:
        if self._closed:
            raise RuntimeError("cannot schedule new invocations after shutdown")
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            # A new event loop (tests run several): what the old one awaited is gone.
            self._drop_workers()
            self._queues.clear()
            self._running.clear()
            self._loop = loop
        queue = self._queues.get(job.owner)
        if queue is None:
            queue = self._queues[job.owner] = deque()
        queue.append(job)
        self._seen[job.owner] = loop.time()
        self._dispatch()

    def wait_ready(self) -> None:
        """Block until the zygote has imported the handler (`InitError` if it cannot)."""
        if self._zygote is not None:
            self._zygote.wait_ready()

    def retire(self) -> None:
        """A newer generation serves new requests: keep only the workers still busy."""
        self._retired = True
        for worker in self._idle:
            self._workers.discard(worker)
            worker.close()
        self._idle.clear()

    def close(self) -> None:
        """Stop every worker and the zygote; queued invocations are cancelled. Thread-safe."""
        loop = self._loop
        if loop is not None and loop.is_running() and _running_loop() is not loop:
            loop.call_soon_threadsafe(self.close)
            return
        self._closed = True
        queues, self._queues = self._queues, {}
        for queue in queues.values():
            for job in queue:
                job.answer(CANCELLED, b"")
        for worker in list(self._workers):
            if worker.job is not None:
                worker.job.answer(CANCELLED, b"")
        self._drop_workers()
        if self._zygote is not None:
            self._zygote.close()
            self._zygote = None

    def finished(self, worker: Worker, job: Invocation, kind: int, body: bytes) -> None:
        self._release(job.owner)
        if kind == frames.FATAL or self._retired or self._closed:
            self._workers.discard(worker)
            worker.close()  # a fatal error ends the container; it exits by itself
        else:
            self._idle.append(worker)
        job.answer(frames.ERROR if kind == frames.FATAL else kind, body)
        self._dispatch()

    def lost(self, worker: Worker) -> None:
        """The worker's process ended (killed at its timeout, crashed, or never started)."""
        self._workers.discard(worker)
        with contextlib.suppress(ValueError):
            self._idle.remove(worker)
        job, worker.job = worker.job, None
        if job is not None:
            self._release(job.owner)
            job.answer(frames.ERROR, self._death_report(worker, job))
        self._dispatch()

    def _death_report(self, worker: Worker, job: Invocation) -> bytes:
        if worker.timed_out:
            logger.warning(
                "function %s timed out after %g s (request %s): worker stopped",
                self.name,
                self._timeout,
                job.request_id,
            )
            return frames.error_body(
                TIMED_OUT,
                f"RequestId: {job.request_id} Error: Task timed out after"
                f" {self._timeout:.2f} seconds",
            )
        failure = self._zygote.init_error() if self._zygote is not None else None
        if failure is not None:
            return failure
        logger.warning("a worker of function %s exited (request %s)", self.name, job.request_id)
        return frames.error_body(
            "Runtime.ExitError",
            f"RequestId: {job.request_id} Error: Runtime exited without providing a reason",
        )

    def _release(self, owner: object) -> None:
        running = self._running[owner] - 1
        if running:
            self._running[owner] = running
        else:
            del self._running[owner]

    def _dispatch(self) -> None:
        while self._queues and (self._idle or len(self._workers) < self._concurrency):
            job = self._next_job()
            if job is None:
                return
            worker = self._idle.pop() if self._idle else self._start_worker()
            if worker is None:
                job.answer(frames.ERROR, self._init_failure())
                continue
            self._running[job.owner] = self._running.get(job.owner, 0) + 1
            worker.run(job, self._timeout)

    def _limit(self) -> int:
        """How many workers one request may hold now (see `request_share`)."""
        if self._share == self._alone:
            return self._share
        horizon = self.loop.time() - CONTENDED_SECONDS
        seen = self._seen
        for owner in [o for o, at in seen.items() if at < horizon]:
            if owner not in self._running and owner not in self._queues:
                del seen[owner]
        return self._share if len(seen) > 1 else self._alone

    def _next_job(self) -> Invocation | None:
        chosen, fewest = None, self._limit()
        for owner in list(self._queues):
            queue = self._queues[owner]
            if isinstance(owner, Owner) and owner.withdrawn:
                queue.clear()  # none of it runs; the request cancels their waiters
            while queue and queue[0].abandoned:
                queue.popleft()  # it never runs, like an invoke that never got a slot
            if not queue:
                del self._queues[owner]
                continue
            running = self._running.get(owner, 0)
            if running < fewest:
                chosen, fewest = owner, running
        if chosen is None:
            return None
        queue = self._queues.pop(chosen)
        job = queue.popleft()
        if queue:
            self._queues[chosen] = queue  # to the back of the line
        return job

    def _start_worker(self) -> Worker | None:
        for _attempt in range(2):
            zygote = self._zygote
            if zygote is None or zygote.init_error() is not None:
                if zygote is not None:
                    zygote.close()
                zygote = self._zygote = Zygote(self._spec)
            ours, theirs = socket.socketpair()
            with theirs:
                if zygote.fork(theirs):
                    worker = Worker(self, ours)
                    self._workers.add(worker)
                    return worker
            ours.close()
            zygote.close()
            self._zygote = None
        return None

    def _init_failure(self) -> bytes:
        failure = self._zygote.init_error() if self._zygote is not None else None
        return failure or frames.error_body(
            "Runtime.Unknown", f"could not start a worker for function {self.name}"
        )

    def _drop_workers(self) -> None:
        for worker in self._workers:
            worker.close()
        self._workers.clear()
        self._idle.clear()


def request_share(concurrency: int) -> int:
    """How many of a function's workers one GraphQL request may hold while others use it too.

    Never all of them, so another client's invoke finds one free. Nor more than half the cores:
    each busy worker keeps about one more process busy (the local DynamoDB, PostgreSQL, the
    devserver completing its answers), and on a 2-core laptop a request holding three workers
    kept both cores full, so a neighbour's `recipe(id)` waited for CPU at every hop (p99 14.6 times
    idle, against 4.3 times when it may hold one; benchmarks/RESULTS.md, section 8). In Lambda each
    container has a CPU of its own; here they share the machine's. A request that has had the
    function to itself for `CONTENDED_SECONDS` may hold all workers but one: a lone fan-out of
    slow, I/O-bound fields then runs side by side, as on AWS. The cores are those this process
    may use: its affinity mask, and a container's CPU quota (`cores.available_cores`).
    """
    return max(1, min(concurrency - 1, int(available_cores()) // 2))


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
