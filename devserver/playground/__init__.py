"""The playground: GraphiQL served from local files at GET /graphql, with an auth switcher."""

from __future__ import annotations

from devserver.playground.routes import PlaygroundParts, PlaygroundSettings, create_playground

__all__ = ["PlaygroundParts", "PlaygroundSettings", "create_playground"]
