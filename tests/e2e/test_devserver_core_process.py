"""What the app changes in its process while it serves, and gives back when it stops."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from devserver.app import SWITCH_INTERVAL_SECONDS, create_app
from tests.e2e.conftest import tiny_config
from tests.e2e.running_server import preserved_environ


def test_threads_hold_the_gil_briefly_while_the_app_serves(tmp_path: Path) -> None:
    before = sys.getswitchinterval()

    async def serving() -> float:
        with preserved_environ():
            app = create_app(tiny_config(tmp_path, hot_reload=False))
            async with app.router.lifespan_context(app):
                return sys.getswitchinterval()

    assert asyncio.run(serving()) == SWITCH_INTERVAL_SECONDS < before
    assert sys.getswitchinterval() == before
