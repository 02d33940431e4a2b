"""`python -m devserver`: see devserver/cli.py."""

from __future__ import annotations

from devserver.cli import main

raise SystemExit(main())
