"""Hot reload: rebuild the runtime when the schema, wiring or handler sources change.

A reload re-imports the handler packages from scratch and rebuilds the schema, then swaps the
holder's runtime in one assignment; requests already running finish on the runtime they began
with. Data is untouched: backends live outside the runtime. A broken edit (syntax error,
invalid schema) keeps the previous runtime serving and is reported in the log and `/health`.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from pathlib import Path
from typing import TYPE_CHECKING

from watchfiles import Change, DefaultFilter, awatch

from devserver.heap import StartupHeap
from devserver.loader import drop_stale_bytecode, purge_modules

if TYPE_CHECKING:
    from collections.abc import Callable

    from devserver.runtime import Runtime

logger = logging.getLogger("devserver.reload")

WATCHED_SUFFIXES = frozenset({".py", ".graphql", ".toml", ".json"})


class RuntimeHolder:
    """The current runtime. Replacing it is a single reference assignment, atomic in CPython."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self.last_error: str | None = None

    @property
    def current(self) -> Runtime:
        return self._runtime

    def swap(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self.last_error = None


class Reloader:
    """Watches the runtime's sources and rebuilds it off the event loop when they change."""

    def __init__(
        self,
        holder: RuntimeHolder,
        build: Callable[[int], Runtime],
        *,
        debounce_ms: int,
        heap: StartupHeap | None = None,
    ) -> None:
        self._holder = holder
        self._build = build
        self._debounce_ms = debounce_ms
        self._lock = asyncio.Lock()
        self._heap = heap or StartupHeap()

    async def reload(self, changed: list[Path] | None = None) -> bool:
        """Rebuild now; True if the new runtime is serving."""
        async with self._lock:
            old = self._holder.current
            drop_stale_bytecode(changed or [])
            self._heap.before_reload()
            try:
                new = await asyncio.to_thread(self._rebuild, old)
            except Exception as error:
                logger.exception("reload failed; still serving generation %d", old.generation)
                self._holder.last_error = f"{type(error).__name__}: {error}"
                self._heap.after_reload(None)
                return False
            self._holder.swap(new)
            old.retire()
            self._heap.after_reload(weakref.ref(old))
            logger.info("reloaded (generation %d)", new.generation)
            return True

    def _rebuild(self, old: Runtime) -> Runtime:
        purge_modules(old.handler_packages)
        return self._build(old.generation + 1)

    async def watch(self, stop: asyncio.Event) -> None:
        """Reload on every change until `stop` is set; re-arms if a reload changes the paths."""
        while not stop.is_set():
            paths = self._holder.current.watch_paths
            changes: asyncio.Queue[list[Path]] = asyncio.Queue()
            done = asyncio.Event()  # stops this round's watchers (polled by their threads)
            watchers = [
                asyncio.ensure_future(self._watch(targets, recursive, changes, done))
                for targets, recursive in _watch_groups(paths)
            ]
            try:
                while True:
                    changed = await _next_or_stop(changes, stop)
                    if not changed:
                        break
                    await self.reload(changed)
                    if self._holder.current.watch_paths != paths:
                        break
            finally:
                done.set()
                await asyncio.gather(*watchers, return_exceptions=True)

    async def _watch(
        self,
        targets: dict[Path, set[Path] | None],
        recursive: bool,  # noqa: FBT001 - one of two fixed watch groups
        changes: asyncio.Queue[list[Path]],
        done: asyncio.Event,
    ) -> None:
        async for batch in awatch(
            *targets,
            watch_filter=_filter(targets),
            debounce=self._debounce_ms,
            step=25,
            recursive=recursive,
            stop_event=done,
        ):
            changes.put_nowait([Path(path) for _, path in batch])


def _watch_groups(paths: tuple[Path, ...]) -> list[tuple[dict[Path, set[Path] | None], bool]]:
    """Directories are watched recursively; single files through their (shallow) parent.

    Watching a file's directory rather than the file survives editors that save by renaming.
    """
    directories: dict[Path, set[Path] | None] = {}
    files: dict[Path, set[Path] | None] = {}
    resolved_paths = [path.resolve() for path in paths]
    for path in resolved_paths:
        if path.is_dir():
            directories[path] = None
    for path in resolved_paths:
        # A file inside a watched package (resolvers/wiring.toml) is seen there already.
        if not path.is_dir() and not any(path.is_relative_to(d) for d in directories):
            files.setdefault(path.parent, set()).add(path)  # type: ignore[union-attr]
    return [
        (group, recursive) for group, recursive in ((directories, True), (files, False)) if group
    ]


def _filter(targets: dict[Path, set[Path] | None]) -> Callable[[Change, str], bool]:
    default = DefaultFilter()
    exact = {file for files in targets.values() if files for file in files}

    def wanted(change: Change, path: str) -> bool:
        if not default(change, path):
            return False
        candidate = Path(path)
        if exact:
            return candidate in exact
        return candidate.suffix in WATCHED_SUFFIXES

    return wanted


async def _next_or_stop(changes: asyncio.Queue[list[Path]], stop: asyncio.Event) -> list[Path]:
    getter = asyncio.ensure_future(changes.get())
    stopper = asyncio.ensure_future(stop.wait())
    done, pending = await asyncio.wait({getter, stopper}, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    return getter.result() if getter in done else []
