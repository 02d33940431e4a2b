"""`python -m devserver`: see devserver/local/cli.py."""

from __future__ import annotations

from devserver.local.cli import main

raise SystemExit(main())
